#include "rung_encode.h"

#include <algorithm>

#include "encoder_factory.h"
#include "media.h"
#include "sink_context.h"

GST_DEBUG_CATEGORY_STATIC(sink_rung_debug);
#define GST_CAT_DEFAULT sink_rung_debug

namespace vtkstream::sink {

RungEncode::RungEncode(GstBin* sink, int index, int max_height, ErrorFn on_error)
    : Branch(sink, "rung" + std::to_string(index), std::move(on_error)), sink_(sink), index_(index),
      max_height_(max_height),
      keyframe_guard_([this](bool join) { return pay_ && (request_keyframe(pay_, join), true); },
                      [this] { return Media::keyframe_guard_ms(kbps_); }) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(sink_rung_debug, "vtkstreamsink-rung", 0, "vtkstreamsink rung encodes");
    g_once_init_leave(&once, 1);
  }
}

std::unique_ptr<RungEncode> RungEncode::create(GstBin* sink, GstElement* input_tee, int index, int max_height,
                                               Codec codec, int kbps, const RtpIdentity& id, ErrorFn on_error,
                                               std::string* err) {
  std::unique_ptr<RungEncode> r(new RungEncode(sink, index, max_height, std::move(on_error)));
  if (!r->build(input_tee, codec, kbps, id, err)) return nullptr;
  return r;
}

bool RungEncode::build(GstElement* input_tee, Codec codec, int kbps, const RtpIdentity& id, std::string* err) {
  // Its own leaky queue first: the scale runs on the rung's thread, never on the input's.
  const std::string desc =
      "queue name=rungqueue max-size-buffers=1 max-size-bytes=0 max-size-time=0 leaky=downstream ! "
      "videoscale ! capsfilter name=rungcaps ! " + default_encoder(codec, kbps);
  GError* gerr = nullptr;
  GstElement* part = gst_parse_bin_from_description(desc.c_str(), TRUE, &gerr);
  if (!part || gerr) {
    *err = "rung " + std::to_string(index_) + ": cannot build '" + desc + "': " + (gerr ? gerr->message : "?");
    g_clear_error(&gerr);
    if (part) gst_object_unref(gst_object_ref_sink(part));
    return false;
  }
  GstElement* filter = gst_bin_get_by_name(GST_BIN(part), "rungcaps");
  GstCaps* caps = rung_scale_caps(max_height_);
  g_object_set(filter, "caps", caps, nullptr);
  gst_caps_unref(caps);
  gst_object_unref(filter);
  enc_ = gst_bin_get_by_name(GST_BIN(part), "enc");
  pay_ = gst_bin_get_by_name(GST_BIN(part), "pay");
  gst_object_unref(enc_);  // the bin keeps both
  gst_object_unref(pay_);
  apply_identity(pay_, id);
  // The input may be smaller than the rung (the renderer's interactive size): the size's ceiling
  // applies on the same ladder as the top encoder's (only the lower rungs' points matter to a
  // picture of at most 360 lines, and size_ceiling_kbps() lifts the top point to them).
  rate_ = prepare_encoder(part, enc_, Media::keyframe_guard_ms(kbps), adapt::default_ladder(0), kbps);
  kbps_ = kbps;
  gst_bin_add(bin(), part);
  if (!ghost_sink(part, err)) return false;

  tee_ = gst_element_factory_make("tee", ("rung-" + std::to_string(index_)).c_str());
  gst_object_ref_sink(tee_);
  g_object_set(tee_, "allow-not-linked", TRUE, nullptr);
  gst_bin_add(sink_, tee_);  // the bin takes a reference of its own (tee_ is not floating any more)
  gst_element_sync_state_with_parent(tee_);
  GstPad* src = gst_element_get_static_pad(part, "src");
  GstPad* ghost = gst_ghost_pad_new("src", src);
  gst_object_unref(src);
  gst_pad_set_active(ghost, TRUE);
  gst_element_add_pad(bin_, ghost);
  // Our output is linked once our bin is in the sink (attach: adding unlinks) and before the
  // input is (frames would otherwise meet an unlinked pad and stop the rung's thread).
  auto link_output = [this, ghost](std::string* e) {
    GstPad* tsink = gst_element_get_static_pad(tee_, "sink");
    const bool linked = gst_pad_link(ghost, tsink) == GST_PAD_LINK_OK;
    gst_object_unref(tsink);
    if (!linked) *e = "rung " + std::to_string(index_) + ": cannot link its encoder to its tee";
    return linked;
  };
  if (!attach(input_tee, err, link_output)) return false;
  GST_INFO("rung %d (height <= %d, %d kbit/s) created", index_, max_height_, kbps);
  return true;
}

RungEncode::~RungEncode() {
  // The tee goes now; our bin (its only upstream) goes with ~Branch at an idle moment. A packet
  // pushed into the tee meanwhile gets FLUSHING, which stops the rung's thread without an error.
  if (tee_) {
    gst_element_set_locked_state(tee_, TRUE);
    gst_element_set_state(tee_, GST_STATE_NULL);
    if (GstObject* p = gst_object_get_parent(GST_OBJECT(tee_))) {
      gst_bin_remove(GST_BIN(p), tee_);
      gst_object_unref(p);
    }
    gst_object_unref(tee_);
  }
  GST_INFO("rung %d removed", index_);
}

int RungEncode::set_bitrate(int kbps) {
  if (rate_ && rate_->request(kbps, Media::keyframe_guard_ms(kbps))) kbps_ = kbps;
  return kbps_;
}

void RungEncode::force_keyframe(bool join) { keyframe_guard_.request(join); }

void RungEncode::size(int* w, int* h) const {
  *w = *h = 0;
  GstPad* pad = gst_element_get_static_pad(enc_, "sink");
  if (GstCaps* caps = gst_pad_get_current_caps(pad)) {
    const GstStructure* s = gst_caps_get_structure(caps, 0);
    gst_structure_get_int(s, "width", w);
    gst_structure_get_int(s, "height", h);
    gst_caps_unref(caps);
  }
  gst_object_unref(pad);
}

}  // namespace vtkstream::sink
