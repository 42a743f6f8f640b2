// WebRtcBranch's part in the rung ladder (webrtc_branch.h): its RungSwitch, set up once the branch
// is attached to the top rung, moves on the rung policy's word, and the hand-over at teardown.
#include <gst/gst.h>

#include "media.h"
#include "sink_context.h"
#include "webrtc_branch.h"

GST_DEBUG_CATEGORY_STATIC(sink_webrtc_rungs_debug);
#define GST_CAT_DEFAULT sink_webrtc_rungs_debug

namespace vtkstream::sink {

void WebRtcBranch::start_rungs(Codec codec) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    // The same name as webrtc_branch.cpp's: GStreamer hands back the one category.
    GST_DEBUG_CATEGORY_INIT(sink_webrtc_rungs_debug, "vtkstreamsink-webrtc", 0, "vtkstreamsink WebRTC viewers");
    g_once_init_leave(&once, 1);
  }
  // Every viewer starts on the top rung (rung 0 always exists); the rung policy moves it.
  std::string unused;
  media_.acquire_rung(0, &unused);
  GstPad* ghost = gst_element_get_static_pad(bin_, "sink");
  Media* media = &media_;
  switch_ = std::make_unique<RungSwitch>(ghost, tee_pad(), 0, codec, [media](int rung) { media->release_rung(rung); });
  gst_object_unref(ghost);
}

bool WebRtcBranch::move_to_rung(int rung) {
  if (!switch_ || switch_->target() == rung) return false;
  std::string err;
  if (GstElement* tee = media_.acquire_rung(rung, &err)) {
    if (switch_->move_to(tee, rung)) {
      GST_INFO("peer %u: moving to rung %d", peer_, rung);
      media_.force_keyframe(rung);
      return true;
    }
    media_.release_rung(rung);
    return false;
  }
  GST_WARNING("peer %u: %s", peer_, err.c_str());
  return false;
}

void WebRtcBranch::stop_rungs() {
  if (!switch_) return;
  // The pad that feeds us now is the one ~Branch unlinks and releases; the rung's claim goes
  // after that (a rung's tee must outlive the pads still linked to it): two hops through the
  // sink's context, behind the teardown that the idle probe posts.
  int rung = 0;
  adopt_tee_pad(switch_->stop(&rung));
  Media* media = &media_;
  post_to(current_context(), [media, rung] { post_to(current_context(), [media, rung] { media->release_rung(rung); }); });
}

}  // namespace vtkstream::sink
