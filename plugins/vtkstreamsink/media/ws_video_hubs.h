// WebSocket video per rung (adapt/rung_policy.h): one WsVideoHub (ws_video_hub.h) for each rung
// that WebSocket viewers watch, so each viewer gets the encode its estimate allows, as a WebRTC
// viewer does, and a joiner of any rung gets that rung's GOP. The top rung's hub lives as long as
// this object (its GOP stays warm for the next joiner); a lower rung's hub holds a claim on the
// rung (Media::acquire_rung), made with the hub and given back (Media::release_rung) when its last
// viewer left, so a rung nobody watches over WebSocket or WebRTC is not encoded. Sink context only.
#pragma once

#include <gst/gst.h>

#include <map>
#include <memory>
#include <string>

#include "ws_video_hub.h"

namespace vtkstream::sink {

class WsVideoHubs {
 public:
  WsVideoHubs(GstBin* sink, Media& media, InputInjector& input) : sink_(sink), media_(media), input_(input) {}
  ~WsVideoHubs();
  WsVideoHubs(const WsVideoHubs&) = delete;
  WsVideoHubs& operator=(const WsVideoHubs&) = delete;

  // Rung `rung`'s hub, made on first use (nullptr with *err when the rung cannot be had).
  WsVideoHub* hub(int rung, std::string* err);
  WsVideoHub* find(int rung) const;  // nullptr when it has none now
  // After a viewer unsubscribed from `rung`'s hub: a lower rung's hub that nobody watches goes,
  // and with it the claim on the rung. Deferred to the sink's next turn, not inside a hub's own
  // fan-out or error report; a viewer that subscribed meanwhile keeps it.
  void release_if_unused(int rung);
  // Lower rungs' hubs now (tests, /healthz).
  size_t lower_hubs() const { return hubs_.size() - hubs_.count(0); }

 private:
  void drop(int rung);

  GstBin* sink_;
  Media& media_;
  InputInjector& input_;
  std::map<int, std::unique_ptr<WsVideoHub>> hubs_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace vtkstream::sink
