#include "ws_video_hubs.h"

#include "media.h"
#include "sink_context.h"

namespace vtkstream::sink {

WsVideoHubs::~WsVideoHubs() {
  *alive_ = false;
  // The web side ends with the sink's streaming (or the sink itself): Media::reset drops every
  // lower rung then, so no release is posted that could outlive Media.
  hubs_.clear();
}

WsVideoHub* WsVideoHubs::hub(int rung, std::string* err) {
  if (auto it = hubs_.find(rung); it != hubs_.end()) return it->second.get();
  GstElement* tee = media_.acquire_rung(rung, err);  // rung 0: the RTP tee, no claim to give back
  if (!tee) return nullptr;
  auto& h = hubs_[rung];
  h = std::make_unique<WsVideoHub>(sink_, media_, tee, input_);
  return h.get();
}

WsVideoHub* WsVideoHubs::find(int rung) const {
  const auto it = hubs_.find(rung);
  return it != hubs_.end() ? it->second.get() : nullptr;
}

void WsVideoHubs::release_if_unused(int rung) {
  if (rung == 0) return;
  post_to(current_context(), [this, rung, alive = std::weak_ptr<bool>(alive_)] {
    if (!alive.lock()) return;
    if (auto it = hubs_.find(rung); it != hubs_.end() && it->second->empty()) drop(rung);
  });
}

void WsVideoHubs::drop(int rung) {
  hubs_.erase(rung);  // ~Branch unlinks from the rung's tee at an idle moment, posted here
  if (rung == 0) return;
  // The rung's tee must outlive the pad that teardown unlinks and releases: the claim goes two
  // turns later, as WebRtcBranch::stop_rungs does.
  Media* media = &media_;
  post_to(current_context(), [media, rung] { post_to(current_context(), [media, rung] { media->release_rung(rung); }); });
}

}  // namespace vtkstream::sink
