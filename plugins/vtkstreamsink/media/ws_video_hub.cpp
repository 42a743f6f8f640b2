#include "ws_video_hub.h"

#include "sink_context.h"

namespace vtkstream::sink {

WsVideoHub::~WsVideoHub() {
  branch_.reset();  // before the cache: nothing reaches on_frame after this
}

bool WsVideoHub::subscribe(uint32_t peer, const std::function<void(const std::deque<GopCache::Frame>&)>& replay,
                           FrameFn on_frame, ErrorFn on_error, std::string* err) {
  if (!branch_) {
    branch_ = WsVideoBranch::create(
        sink_, media_, tee_, input_, [this](const WsVideoBranch::Frame& f) { this->on_frame(f); },
        [this](const std::string& why) { this->on_error(why); }, err);
    if (!branch_) return false;
  }
  replay(cache_.frames());
  subs_[peer] = {std::move(on_frame), std::move(on_error)};
  return true;
}

void WsVideoHub::unsubscribe(uint32_t peer) { subs_.erase(peer); }

void WsVideoHub::on_frame(const WsVideoBranch::Frame& f) {
  cache_.push(f.data, f.keyframe, f.input_seq, f.pts_ns, f.after_gap);
  // A copy: a viewer's callback may unsubscribe (its socket closed).
  std::vector<FrameFn> fns;
  fns.reserve(subs_.size());
  for (auto& [id, s] : subs_) fns.push_back(s.on_frame);
  for (auto& fn : fns) fn(f);
}

void WsVideoHub::on_error(const std::string& why) {
  // Not inside the branch's own error routing: dropping the branch destroys its bin.
  post_to(current_context(), [this, why, alive = std::weak_ptr<bool>(alive_)] {
    if (!alive.lock()) return;
    branch_.reset();
    cache_.clear();
    std::map<uint32_t, Sub> subs;
    subs.swap(subs_);
    for (auto& [id, s] : subs) s.on_error(why);
  });
}

}  // namespace vtkstream::sink
