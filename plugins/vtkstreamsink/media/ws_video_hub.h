// Every WebSocket viewer's frames from one branch (ws_video_branch.h), and the current GOP for
// those who join (ws_gop_cache.h). The branch starts with the first viewer and then stays while
// the web side runs, so the cache is warm for the next joiner even after everyone left (one
// depayloader and at most GopCache::kMaxBytes of memory). Frames are fanned out on the sink's
// context, in order, and a joiner gets the cached frames in the same call that subscribes it: no
// frame can fall between the replay and the live stream. Sink context only.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ws_gop_cache.h"
#include "ws_video_branch.h"

namespace vtkstream::sink {

class WsVideoHub {
 public:
  // `tee`: the rung's RTP tee (Media::rung_tee), alive as long as this hub.
  WsVideoHub(GstBin* sink, Media& media, GstElement* tee, InputInjector& input)
      : sink_(sink), media_(media), tee_(tee), input_(input) {}
  ~WsVideoHub();
  WsVideoHub(const WsVideoHub&) = delete;
  WsVideoHub& operator=(const WsVideoHub&) = delete;

  using FrameFn = WsVideoBranch::FrameFn;
  using ErrorFn = std::function<void(const std::string&)>;
  // Adds a viewer: `replay` gets the cached GOP (possibly nothing), then `on_frame` every frame
  // after it. `on_error` runs (sink context) if the branch fails; the viewer is then dropped.
  // False (with *err) when the branch cannot be built.
  bool subscribe(uint32_t peer, const std::function<void(const std::deque<GopCache::Frame>&)>& replay,
                 FrameFn on_frame, ErrorFn on_error, std::string* err);
  void unsubscribe(uint32_t peer);

  const GopCache& cache() const { return cache_; }
  bool empty() const { return subs_.empty(); }

 private:
  void on_frame(const WsVideoBranch::Frame& f);
  void on_error(const std::string& why);

  GstBin* sink_;
  Media& media_;
  GstElement* tee_;
  InputInjector& input_;
  std::unique_ptr<WsVideoBranch> branch_;
  GopCache cache_;
  struct Sub {
    FrameFn on_frame;
    ErrorFn on_error;
  };
  std::map<uint32_t, Sub> subs_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // for what on_error posts
};

}  // namespace vtkstream::sink
