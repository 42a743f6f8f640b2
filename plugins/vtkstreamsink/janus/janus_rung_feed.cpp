#include "janus_rung_feed.h"

#include "media.h"
#include "sink_context.h"

namespace vtkstream::sink {

namespace {

// A branch's pad on a rung's tee is unlinked at an idle moment and its bin torn down on this
// context (branch.h); the rung (and a lower rung's tee with it) goes after that, two hops behind,
// as a WebRTC viewer's does (media/webrtc_rungs.cpp): a tee must outlive the pads linked to it.
void release_after_branch(Media* media, int rung) {
  post_to(current_context(), [media, rung] { post_to(current_context(), [media, rung] { media->release_rung(rung); }); });
}

}  // namespace

std::unique_ptr<JanusRungFeed> JanusRungFeed::create(int rung, const Target& t, GstBin* sink, Media* media,
                                                     std::string log_name, std::string* err) {
  std::unique_ptr<JanusRungFeed> f(new JanusRungFeed(rung, t, sink, media, std::move(log_name)));
  // Only while forwarding: with Janus down (or the rung stopped) nobody watches this mountpoint,
  // and whatever sits on its RTCP port then (a restarted Janus before the probe saw it, or any
  // local program that took the port) made rung 0's shared encoder, which the direct viewers pay
  // for, send a keyframe per guard period. A Janus that comes up gets one keyframe from start().
  JanusRungFeed* self = f.get();
  auto on_keyframe = [self, media, rung] {
    if (!self->running()) return;
    ++self->keyframe_requests_;
    media->force_keyframe(rung);
  };
  // Janus up (its API answers) but nothing on this rung's RTCP port: the mountpoint is most likely
  // missing from Janus's configuration (its --rungs), and this rung is encoded for nobody. Counted
  // for /metrics; said once per run of the feed, after kRefusalsToSay reports (one a second): a
  // Janus that was just killed also refuses one or two before the probe sees it down and the feed
  // stops (seen with a real Janus: 3 false notices in 6 kills when the first refusal was said).
  auto on_refused = [self] {
    if (!self->running()) return;
    ++self->rtcp_refused_;
    if (self->said_refused_ || ++self->refusals_this_run_ < kRefusalsToSay) return;
    self->said_refused_ = true;
    g_printerr("%s: janus: nothing listens on rung %d's RTCP port %s:%d: is its mountpoint (id %d) in Janus's "
               "configuration? (launch/janus/janus-config.sh --rungs)\n",
               self->log_name_.c_str(), self->rung_, self->target_.host.c_str(), self->target_.rtcp_port, 1 + self->rung_);
  };
  if (t.rtcp_port > 0 && !f->feedback_.open(t.host, t.rtcp_port, on_keyframe, err, on_refused)) return nullptr;
  return f;
}

JanusRungFeed::~JanusRungFeed() { stop(); }

bool JanusRungFeed::start(std::string* err) {
  if (branch_) return true;
  GstElement* tee = media_->acquire_rung(rung_, err);
  if (!tee) return false;
  const std::string name = log_name_;
  const int rung = rung_;
  branch_ = RtpForwardBranch::create(
      sink_, tee, target_.host, target_.video_port, counters_,
      [name, rung](const std::string& why) {
        g_printerr("%s: janus: RTP forwarding of rung %d failed: %s\n", name.c_str(), rung, why.c_str());
      },
      err);
  if (!branch_) {
    release_after_branch(media_, rung_);  // whatever create() linked before it failed goes first
    return false;
  }
  branch_->set_forwarding(true);
  media_->force_keyframe(rung_);
  return true;
}

void JanusRungFeed::stop() {
  if (!branch_) return;
  said_refused_ = false;  // a Janus that comes back with the mountpoint still missing is told again
  refusals_this_run_ = 0;
  branch_.reset();
  release_after_branch(media_, rung_);
}

void JanusRungFeed::announce() { feedback_.announce(); }

}  // namespace vtkstream::sink
