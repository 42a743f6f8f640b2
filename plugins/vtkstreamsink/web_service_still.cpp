// WebService's part in the crisp still for viewers on a lower rung (http/still_image.h): the
// renderer's still (media/still_frame.h) is encoded once when some viewer on a lower rung can show
// it, and each such viewer hears `still` when the image is ready to fetch. Viewers on the top rung
// get the still as video (media/still_quality.h) and cost nothing here.
#include <algorithm>

#include "sink_context.h"
#include "still_encode.h"
#include "web_service.h"

namespace vtkstream::sink {

void WebService::setup_stills(HttpServer::Routes& routes) {
  stills_ = std::make_unique<StillImages>([this](const StillImages::Ready& r) { still_ready(r); }, kStillWebpQuality);
  routes.still = [this](SoupServerMessage* msg, GHashTable* query) {
    if (stills_) stills_->serve(msg, query, still_pace_bps(query));
    else soup_server_message_set_status(msg, SOUP_STATUS_SERVICE_UNAVAILABLE, nullptr);  // shutting down
  };
  m_.media->still_frame().set_listener([ctx = current_context(), alive = std::weak_ptr<bool>(alive_), this](uint64_t id) {
    post_to(ctx, [alive, this, id] {
      if (auto a = alive.lock(); a && *a) on_still(id);
    });
  });
}

// `peer=ID` (the page's own id): its bandwidth estimate paces the image (StillImages::kPaceShare).
// 0 (unpaced) without one, or for a peer without congestion control.
int64_t WebService::still_pace_bps(GHashTable* query) const {
  const char* text = query ? static_cast<const char*>(g_hash_table_lookup(query, "peer")) : nullptr;
  guint64 id = 0;
  if (!text || !g_ascii_string_to_unsigned(text, 10, 1, G_MAXUINT32, &id, nullptr)) return 0;
  auto it = peers_.find(static_cast<uint32_t>(id));
  if (it == peers_.end() || !it->second->rate()) return 0;
  return std::max(StillImages::kPaceFloorBps,
                  static_cast<int64_t>(StillImages::kPaceShare * it->second->rate()->target_kbps() * 1000));
}

// A viewer that said it shows stills (hello `stills`) and receives a lower rung's video.
bool WebService::wants_still(Peer& p) const {
  return p.handler().stills() && p.on_rungs() && p.rung_now() > 0;
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
  if (!stills_) return;
  bool any = false;
  for (auto& [pid, p] : peers_) any = any || wants_still(*p);
  if (!any) return;  // they all moved up since: no encode
  uint64_t newest = 0;
  int64_t arrived_us = 0;
  GstSample* s = m_.media->still_frame().sample(&newest, &arrived_us);
  // Not when a newer still is on its way here (or the sink stopped), nor when input reached the
  // renderer since this one came: a new interaction is under way.
  if (!s || newest != id || last_input_us_ >= arrived_us) {
    if (s) gst_sample_unref(s);
    return;
  }
  stills_->offer(s, id);
}

void WebService::still_ready(const StillImages::Ready& r) {
  const std::string msg = still_message(r.id, r.width, r.height, r.bytes);
  for (auto& [id, p] : peers_)
    if (wants_still(*p)) p->send(msg);
}

}  // namespace vtkstream::sink
