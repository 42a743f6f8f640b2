// A small keyframe for a viewer who joins with nothing to decode yet (a WebSocket-video viewer
// whose rung has no cached GOP, ws_gop_cache.h): its link is unknown, and a keyframe of an idle
// scene is large whatever the target bitrate. libvpx budgets a frame by its duration, and an idle
// renderer's frames are vtksrc's keep-alive repeats a second apart, so a keyframe forced then may
// spend a second's worth of the target: 40-60 kB for the 1280x720 demo scene at the 1200 kbit/s a
// new viewer starts at, 0.7-1 s of a 500 kbit/s link before the first picture
// (docs/performance.md "The first picture on a weak link"). The join's keyframe request carries a
// mark (request_keyframe(pay, true)); the encoder then encodes that keyframe with a quantizer floor
// (vp8enc/vp9enc `min-quantizer`, applied by libvpx at once) and puts the floor back right after
// it, so the frames after it refine the picture at the usual quality; the first of them is asked
// for at once (an idle renderer's next frame is a second away).
//
// Every viewer of that encoder gets the coarser keyframe (the encode is shared); the next frame
// refines it, a second later at most on an idle scene.
#pragma once

#include <gst/gst.h>

#include <atomic>

namespace vtkstream::sink {

class JoinKeyframe {
 public:
  // The floor on libvpx's 0-63 scale. The 1280x720 demo scene's keyframe, vp8enc at 1200 kbit/s:
  // 23 kB at the default floor (4) even as an encoder's first frame, 15 kB at 32, 12 kB at 40,
  // 9.5 kB at 48; at 40 the picture is soft but every shape and label is there.
  static constexpr int kMinQuantizer = 40;
  // The field the sink adds to its upstream force-key-unit event for a join.
  static constexpr const char* kEventField = "vtkstream-join";

  // Adds the mark to a force-key-unit event the sink is about to send.
  static void mark(GstEvent* writable_event);
  // Installs probes on `encoder` (its src pad sees the marked request, its sink pad the next
  // frame); does nothing (nullptr) when the encoder has no `min-quantizer` (x264enc, a custom
  // encoder): such a join keyframe is the usual one. The probes own the returned object.
  static JoinKeyframe* attach(GstElement* encoder);

 private:
  explicit JoinKeyframe(GstElement* encoder) : encoder_(encoder) {}
  void before_encode();
  void after_encode();
  void release();

  GstElement* encoder_;  // not owned: it lives as long as its pads' probes
  std::atomic<bool> pending_{false};  // a marked request came; the next frame is the keyframe
  std::atomic<int> refs_{3};          // one per probe
  bool floored_ = false;              // encoder streaming thread only
  int saved_min_ = 4, saved_max_ = 63;
};

}  // namespace vtkstream::sink
