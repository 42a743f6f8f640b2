// WebService's part in the crisp still over HTTP (http/still_image.h): the renderer's still
// (media/still_frame.h) is encoded once when some viewer can show it, and each such viewer hears
// `still`, with its own key for the download, when the image is ready to fetch. Every viewer that
// receives video gets it, on the top rung too: its video's still (media/still_quality.h) is VP8, 4:2:0, and
// stays about 39 dB RGB PSNR whatever the quantizer, under issue 9's 40 dB (docs/performance.md
// "The unconstrained still at 40 dB"); the video's still is what the page shows until the image
// has decoded. Two images of a still (media/still_encode.h), each encoded at most once: lossless
// first, sent to every viewer whose pace carries it within kExactMaxMs, then lossy, only if some
// viewer is left (a weaker link, or no estimate).
#include <gst/video/video.h>

#include <algorithm>
#include <cstring>

#include "request_policy.h"
#include "sink_context.h"
#include "still_encode.h"
#include "web_service.h"

namespace vtkstream::sink {

void WebService::setup_stills(HttpServer::Routes& routes) {
  stills_ = std::make_unique<StillImages>([this](const StillImages::Ready& r) { still_ready(r, false); },
                                          StillFormat{});
  exact_stills_ = std::make_unique<StillImages>([this](const StillImages::Ready& r) { still_ready(r, true); },
                                                StillFormat{.lossless = true});
  routes.still = [this](SoupServerMessage* msg, GHashTable* query) {
    const char* lossless = query ? static_cast<const char*>(g_hash_table_lookup(query, "lossless")) : nullptr;
    if (lossless && std::strcmp(lossless, "0") != 0 && std::strcmp(lossless, "1") != 0) {
      plain_error(msg, SOUP_STATUS_BAD_REQUEST, "usage: /still.webp?id=N&key=K[&lossless=1] (lossless: 0 or 1)");
      return;
    }
    StillImages* images = lossless && lossless[0] == '1' ? exact_stills_.get() : stills_.get();
    if (images) images->serve(msg, query, still_pace_bps(query));
    else soup_server_message_set_status(msg, SOUP_STATUS_SERVICE_UNAVAILABLE, nullptr);  // shutting down
  };
  m_.media->still_frame().set_listener([ctx = current_context(), alive = std::weak_ptr<bool>(alive_), this](uint64_t id) {
    post_to(ctx, [alive, this, id] {
      if (auto a = alive.lock(); a && *a) on_still(id);
    });
  });
}

// `key=K` (the key in this viewer's `still` message, http/still_keys.h): its bandwidth estimate
// paces the image (StillImages::kPaceShare); 0 (unpaced) for a viewer without congestion control.
// Without a key, or with one that is no viewer's, the floor rate: it says nothing about anyone's
// estimate, and it is what the weakest link the ladder serves takes without a burst. Not refused:
// the picture itself is no secret to a token holder (/snapshot.png shows the same), only the pace.
int64_t WebService::still_pace_bps(GHashTable* query) const {
  const char* key = query ? static_cast<const char*>(g_hash_table_lookup(query, "key")) : nullptr;
  const auto peer = key ? still_keys_.peer_of(key) : std::nullopt;
  auto it = peer ? peers_.find(*peer) : peers_.end();
  return it == peers_.end() ? StillImages::kPaceFloorBps : still_pace_of(*it->second);
}

// A viewer that said it shows stills (hello `stills`) and receives video (WebRTC or WebSocket
// video, also while its WebRTC branch is still being set up; MJPEG's pictures are full-size JPEGs
// already).
bool WebService::wants_still(Peer& p) const {
  return p.handler().stills() && !p.mjpeg();
}

// `p`'s pace for the still (StillImages::kPaceShare of its estimate, at least the floor), or 0
// for a viewer without congestion control (unpaced: nothing known about its link).
int64_t WebService::still_pace_of(Peer& p) const {
  if (!p.rate()) return 0;
  return std::max(StillImages::kPaceFloorBps,
                  static_cast<int64_t>(StillImages::kPaceShare * p.rate()->target_kbps() * 1000));
}

// Whether `p`'s pace carries a lossless image of `bytes` within kExactMaxMs. A viewer without an
// estimate gets the lossy one, which is what a weak link takes.
bool WebService::affords_exact(Peer& p, size_t bytes) const {
  const int64_t pace = still_pace_of(p);
  return pace > 0 && double(bytes) * 8.0 * 1000.0 <= double(pace) * kExactMaxMs;
}

void WebService::update_still_wanted() {
  bool any = false;
  for (auto& [id, p] : peers_) any = any || wants_still(*p);
  m_.media->still_frame().set_wanted(any);
}

// The still is encoded once kStillQuietMs passed without input after it: a viewer who drags again
// at once (measured in bench/browser/weak-link.mjs, whose drags follow each other closely) would
// otherwise get an encode, a message and a download in the first moments of its next drag, for a
// picture that is about to change.
void WebService::on_still(uint64_t id) {
  cancel_source(still_timer_);
  still_timer_ = add_timeout(kStillQuietMs, [this, id] {
    encode_still(id);
    return false;
  });
}

void WebService::encode_still(uint64_t id) {
  if (!stills_ || !exact_stills_) return;
  GstSample* s = still_sample(id);
  if (!s) return;
  GstVideoInfo vi;
  const double pixels = gst_video_info_from_caps(&vi, gst_sample_get_caps(s)) ? double(vi.width) * vi.height : 0;
  // The lossless image of the last still, per pixel, predicts this one's (the same scene, most of
  // the time); a viewer whose pace carries less than kExactGuessShare of that within kExactMaxMs
  // is not counted. 0: no lossless image yet, anyone might get one.
  const size_t guess = static_cast<size_t>(exact_bytes_per_pixel_ * pixels * kExactGuessShare);
  bool any = false, exact = false;
  for (auto& [pid, p] : peers_)
    if (wants_still(*p)) any = true, exact = exact || affords_exact(*p, guess);
  if (!any) {  // they all went since: no encode
    gst_sample_unref(s);
    return;
  }
  // The lossless image first where someone may take it: its encode is the quick one (15-35 ms at
  // 1280x720), and its size decides who gets it (still_ready); the lossy one follows for the
  // others. Where nobody may (a weak link: 154 kB of the demo scene would take 4 s at 300 kbit/s),
  // the lossy one at once.
  if (exact) exact_stills_->offer(s, id);
  else stills_->offer(s, id);
}

// Still `id` (transfer full), unless a newer still is on its way here (or the sink stopped), or
// input reached the renderer since it came: a new interaction is under way.
GstSample* WebService::still_sample(uint64_t id) {
  uint64_t newest = 0;
  int64_t arrived_us = 0;
  GstSample* s = m_.media->still_frame().sample(&newest, &arrived_us);
  if (s && (newest != id || last_input_us_ >= arrived_us)) {
    gst_sample_unref(s);
    return nullptr;
  }
  return s;
}

void WebService::still_ready(const StillImages::Ready& r, bool lossless) {
  if (lossless) {
    if (r.width > 0 && r.height > 0) exact_bytes_per_pixel_ = double(r.bytes) / (double(r.width) * r.height);
    exact_sent_ = {r.id, {}};
    bool others = false;
    for (auto& [id, p] : peers_) {
      if (!wants_still(*p)) continue;
      if (affords_exact(*p, r.bytes)) {
        p->send(still_message(r.id, r.width, r.height, r.bytes, still_keys_.key_for(id), true));
        exact_sent_.peers.insert(id);
      } else {
        others = true;
      }
    }
    if (GstSample* s = others ? still_sample(r.id) : nullptr) stills_->offer(s, r.id);
    return;
  }
  for (auto& [id, p] : peers_)
    if (wants_still(*p) && !(exact_sent_.id == r.id && exact_sent_.peers.count(id)))
      p->send(still_message(r.id, r.width, r.height, r.bytes, still_keys_.key_for(id), false));
}

}  // namespace vtkstream::sink
