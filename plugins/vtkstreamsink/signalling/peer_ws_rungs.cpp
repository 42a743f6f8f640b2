// Peer's WebSocket video on rungs (adapt/rung_policy.h, media/ws_video_hubs.h): the rung policy
// moves a viewer as its estimate (acks fed to its RateController, peer_ws_video.cpp) or its pin
// says. A move subscribes to the new rung's hub and asks that rung for a keyframe; the old rung's
// frames keep going out until that keyframe comes, then the old hub is left: the page's decoder
// never gets a delta frame whose reference it lacks, and the picture never stops meanwhile. The
// new rung's cached GOP is not replayed on a move: it is older than what the page shows.
#include <gst/gst.h>

#include "media.h"
#include "peer.h"

GST_DEBUG_CATEGORY_STATIC(sink_ws_rungs_debug);
#define GST_CAT_DEFAULT sink_ws_rungs_debug

namespace vtkstream::sink {

int Peer::rung_now() const {
  // The page shows the WebSocket video while it has both (it leaves it when WebRTC presents).
  if (ws_on_) return ws_rung_;
  return session_ ? session_->rung() : 0;
}

int Peer::rung_moves() const { return ws_moves_ + (session_ ? session_->rung_moves() : 0); }

void Peer::move_to_rung(int rung) {
  if (session_) session_->move_to_rung(rung);
  if (ws_on_) move_ws_rung(rung);
}

bool Peer::ws_subscribe(int rung, bool join, std::string* err) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(sink_ws_rungs_debug, "vtkstreamsink-wsvideo", 0, "vtkstreamsink WebSocket video");
    g_once_init_leave(&once, 1);
  }
  WsVideoHub* hub = env_.ws_hubs->hub(rung, err);
  if (!hub) return false;
  bool replayed = false;
  const bool ok = hub->subscribe(
      id_,
      [&](const std::deque<GopCache::Frame>& gop) {
        if (!join) return;
        ws_replay(gop);
        replayed = !gop.empty();
      },
      [this, rung](const WsVideoBranch::Frame& f) { ws_frame_of(rung, f); },
      [this, rung](const std::string& why) {
        GST_WARNING("peer %u: WebSocket video of rung %d failed: %s", id_, rung, why.c_str());
        env_.ws_hubs->release_if_unused(rung);  // the hub dropped every viewer already
        if (ws_next_rung_ == rung) {  // the move is off; the viewer stays where it is
          ws_next_rung_.reset();
          return;
        }
        if (!ws_on_ || rung != ws_rung_) return;
        send(error_message({ErrorCode::kInternal, "WebSocket video failed: " + why}));
        ws_on_ = false;
        if (ws_next_rung_) ws_unsubscribe(*ws_next_rung_);
        stop_ws_video();
      },
      err);
  if (!ok) {
    env_.ws_hubs->release_if_unused(rung);
    return false;
  }
  // The page needs a keyframe to start: the cached GOP is one, else ask the rung's encoder (a
  // WebRTC viewer's PLI would ask the same way). A joiner's link is unknown, so its keyframe is a
  // small one (media/join_keyframe.h); a move's is not: the estimate chose that rung.
  if (!replayed) env_.media->force_keyframe(rung, join);
  return true;
}

void Peer::ws_unsubscribe(int rung) {
  if (WsVideoHub* hub = env_.ws_hubs->find(rung)) hub->unsubscribe(id_);
  env_.ws_hubs->release_if_unused(rung);
}

void Peer::move_ws_rung(int rung) {
  if (!ws_on_ || rung == ws_next_rung_.value_or(ws_rung_)) return;
  if (ws_next_rung_) {
    ws_unsubscribe(*ws_next_rung_);
    ws_next_rung_.reset();
  }
  if (rung == ws_rung_) return;  // back to where it is: the pending move is off
  std::string err;
  if (!ws_subscribe(rung, false, &err)) {
    GST_WARNING("peer %u: WebSocket video stays on rung %d: %s", id_, ws_rung_, err.c_str());
    return;
  }
  ws_next_rung_ = rung;
  GST_INFO("peer %u: WebSocket video moving to rung %d", id_, rung);
}

void Peer::ws_frame_of(int rung, const WsVideoBranch::Frame& f) {
  if (ws_next_rung_ && rung == *ws_next_rung_) {
    if (!f.keyframe) return;  // the page's decoder can start the new rung at a keyframe only
    const int old = ws_rung_;
    ws_rung_ = rung;
    ws_next_rung_.reset();
    ++ws_moves_;
    ws_unsubscribe(old);
    GST_INFO("peer %u: WebSocket video on rung %d", id_, rung);
    ws_frame(f);
    return;
  }
  if (rung == ws_rung_) ws_frame(f);  // else a late frame of a rung being left
}

}  // namespace vtkstream::sink
