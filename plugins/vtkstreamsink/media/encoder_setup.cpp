#include "encoder_setup.h"

#include <gst/video/video.h>

#include <algorithm>

#include "join_keyframe.h"
#include "playout_delay_ext.h"
#include "repeat_threshold.h"
#include "still_quality.h"
#include "vtkstream/vtksrc-contract.h"

namespace vtkstream::sink {

namespace {

// vtksrc frames come at a variable rate (framerate 0/1) without durations. Encoders derive their
// rate control (and libvpx its speed) from frame durations: vp8enc then assumes one 90 kHz tick
// per frame and spent 140-170 ms per frame (measured). Give every frame the interval since the
// previous one, clamped.
GstPadProbeReturn give_duration(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* last_pts = static_cast<GstClockTime*>(data);  // streaming thread only
  GstBuffer* buf = GST_PAD_PROBE_INFO_BUFFER(info);
  if (!GST_BUFFER_PTS_IS_VALID(buf) || GST_BUFFER_DURATION_IS_VALID(buf)) return GST_PAD_PROBE_OK;
  constexpr GstClockTime kMin = GST_SECOND / 60, kMax = GST_SECOND / 10, kFirst = GST_SECOND / 30;
  GstClockTime d = kFirst;
  if (GST_CLOCK_TIME_IS_VALID(*last_pts) && GST_BUFFER_PTS(buf) > *last_pts)
    d = std::clamp(GST_BUFFER_PTS(buf) - *last_pts, kMin, kMax);
  *last_pts = GST_BUFFER_PTS(buf);
  buf = gst_buffer_make_writable(buf);
  GST_BUFFER_DURATION(buf) = d;
  GST_PAD_PROBE_INFO_DATA(info) = buf;
  return GST_PAD_PROBE_OK;
}

}  // namespace

RtpIdentity RtpIdentity::random() {
  return {g_random_int(), g_random_int(), static_cast<int>(g_random_int_range(0, 65536))};
}

void apply_identity(GstElement* pay, const RtpIdentity& id) {
  GObjectClass* k = G_OBJECT_GET_CLASS(pay);
  if (g_object_class_find_property(k, "ssrc")) g_object_set(pay, "ssrc", id.ssrc, nullptr);
  if (g_object_class_find_property(k, "timestamp-offset"))
    g_object_set(pay, "timestamp-offset", id.timestamp_offset, nullptr);
  if (g_object_class_find_property(k, "seqnum-offset")) g_object_set(pay, "seqnum-offset", id.seqnum_offset, nullptr);
  // Every rung's payloader carries it alike: a viewer moved between rungs keeps getting it.
  // Only RTPBasePayload subclasses have add-extension (a custom encoder may bring another).
  if (id.playout_delay && g_signal_lookup("add-extension", G_OBJECT_TYPE(pay))) {
    GstRTPHeaderExtension* ext = make_playout_delay_ext();
    g_signal_emit_by_name(pay, "add-extension", ext);
    gst_object_unref(ext);
  }
}

std::shared_ptr<EncoderRate> prepare_encoder(GstElement* part, GstElement* enc, int guard_ms,
                                             std::vector<adapt::Rung> ceilings, int kbps) {
  // Browsers send PLI/FIR in bursts after loss; one keyframe per guard interval is enough.
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(enc), "min-force-key-unit-interval"))
    g_object_set(enc, "min-force-key-unit-interval", static_cast<guint64>(guard_ms) * GST_MSECOND, nullptr);
  GstPad* sink = gst_element_get_static_pad(enc, "sink");
  gst_pad_add_probe(sink, GST_PAD_PROBE_TYPE_BUFFER, give_duration, new GstClockTime(GST_CLOCK_TIME_NONE),
                    [](gpointer d) { delete static_cast<GstClockTime*>(d); });
  gst_object_unref(sink);
  // Its caps probe comes before StillQuality's buffer probes on the same pad (probes run in the
  // order they were added), so a frame's size has set the rate before the still is judged.
  std::shared_ptr<EncoderRate> rate = EncoderRate::attach(enc, std::move(ceilings), kbps);
  // The renderer's still gets a finer quantizer (still_quality.h); the probe on the part's
  // input sees the mark before the leaky queue can drop the marked buffer.
  GstPad* input = gst_element_get_static_pad(part, "sink");
  StillQuality::attach(input, enc, rate);
  if (input) gst_object_unref(input);
  JoinKeyframe::attach(enc);  // after the still's probes: its floor wins over the still's ceiling
  RepeatThreshold::attach(enc);  // an idle scene's keep-alive repeats skip what is unchanged
  return rate;
}

bool set_encoder_bitrate(GstElement* enc, int kbps, int guard_ms) {
  GObjectClass* k = G_OBJECT_GET_CLASS(enc);
  bool set = false;
  if (GParamSpec* p = g_object_class_find_property(k, "target-bitrate"); p && p->value_type == G_TYPE_INT) {
    g_object_set(enc, "target-bitrate", kbps * 1000, nullptr);  // vp8enc: bit/s
    set = true;
  } else if (GParamSpec* q = g_object_class_find_property(k, "bitrate"); q && q->value_type == G_TYPE_UINT) {
    g_object_set(enc, "bitrate", guint(kbps), nullptr);  // x264enc: kbit/s
    set = true;
  }
  // The browsers' keyframe requests (PLI/FIR) reach the encoder directly: its own guard follows.
  if (set && guard_ms > 0 && g_object_class_find_property(k, "min-force-key-unit-interval"))
    g_object_set(enc, "min-force-key-unit-interval", guint64(guard_ms) * GST_MSECOND, nullptr);
  return set;
}

void request_keyframe(GstElement* pay, bool join) {
  GstPad* pad = gst_element_get_static_pad(pay, "src");
  GstEvent* e = gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0);
  if (join) JoinKeyframe::mark(e);
  gst_pad_send_event(pad, e);
  // An idle renderer's next picture is vtksrc's keep-alive repeat, up to a second away: ask for it
  // now, so the keyframe is made now (vtksrc-contract.h kRepeatNowEvent). The guard in front of
  // this (keyframe_guard.h) bounds how often.
  gst_pad_send_event(pad, contract::repeat_now_event());
  gst_object_unref(pad);
}

}  // namespace vtkstream::sink
