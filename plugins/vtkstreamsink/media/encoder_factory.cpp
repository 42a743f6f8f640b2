#include "encoder_factory.h"

#include <gst/gst.h>

#include <algorithm>

namespace vtkstream::sink {

namespace {

// The payloaders for input that arrives encoded: the same RTP the built-in encoders produce.
constexpr const char* kVp8Pay = "rtpvp8pay name=pay pt=96 mtu=1200 picture-id-mode=15-bit";
constexpr const char* kH264Pay =
    "rtph264pay name=pay pt=96 mtu=1200 config-interval=-1 aggregate-mode=zero-latency";

}  // namespace

std::string default_encoder(Codec codec, int bitrate_kbps) {
  // videoconvert runs on the streaming thread; the one-buffer leaky queue puts the encoder on its
  // own thread and drops stale pictures instead of queueing them (low latency). Keyframes come on
  // request (a joining viewer, PLI/FIR), so the periodic distance is long. One encoder thread:
  // measured on the 2-core machines with the renderer and a browser beside us, vp8enc threads=2
  // gave p50/p95 input-to-photon 283/704 ms at 720p against 182/232 ms with one, and x264enc with
  // its default threads stalled behind a frame of delay (254 ms per frame).
  const std::string head =
      "videoconvert name=convert ! queue name=encqueue max-size-buffers=1 max-size-bytes=0 "
      "max-size-time=0 leaky=downstream ! ";
  if (codec == Codec::kH264)
    return head + "x264enc name=enc tune=zerolatency speed-preset=ultrafast key-int-max=3000 threads=1 bitrate=" +
           std::to_string(bitrate_kbps) +
           " ! video/x-h264,profile=constrained-baseline,stream-format=byte-stream,alignment=au ! " + kH264Pay;
  // VP8 carries no colour description and every browser decodes it as BT.601 (the VP8 spec's
  // only colour space), while videoconvert picks BT.709 for HD sizes (GStreamer's default by
  // picture size): without this caps filter a 720p picture reached the page with shifted colours
  // (PSNR of the decoded still against the renderer's frame 35 dB instead of VP8's own ~50).
  // The rate control's buffer is libwebrtc's (1000 ms, starting at 500, aiming at 600) instead of
  // vp8enc's 6 s: with 6 s the 240-line rung sent 150-360 kbit/s of payload against a target of
  // 100-158 for seconds during a drag across a 250 kbit/s link, whose queue then stayed full (a
  // 0.6-0.7 s round trip, loss, freezes of 1.4-2.3 s); the congestion controller assumes the
  // encoder follows its target within about a second.
  return head + "video/x-raw,colorimetry=bt601 ! "
         "vp8enc name=enc deadline=1 cpu-used=8 end-usage=cbr lag-in-frames=0 buffer-size=1000 buffer-initial-size=500 "
         "buffer-optimal-size=600 "
         "error-resilient=partitions keyframe-max-dist=3000 threads=1 target-bitrate=" +
         std::to_string(bitrate_kbps * 1000) + " ! " + kVp8Pay;
}

GstCaps* rung_scale_caps(int max_height) {
  GstCaps* caps = gst_caps_new_simple("video/x-raw", "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, nullptr);
  GValue range = G_VALUE_INIT;
  g_value_init(&range, GST_TYPE_INT_RANGE);
  gst_value_set_int_range_step(&range, 2, std::max(2, max_height - max_height % 2), 2);
  gst_caps_set_value(caps, "height", &range);
  gst_value_set_int_range_step(&range, 2, G_MAXINT - 1, 2);
  gst_caps_set_value(caps, "width", &range);
  g_value_unset(&range);
  return caps;
}

std::string middle_description(InputKind kind, const MediaConfig& c) {
  switch (kind) {
    case InputKind::kRaw:
      return c.encoder.empty() ? default_encoder(c.codec, c.bitrate_kbps) : c.encoder;
    case InputKind::kVP8:
      return kVp8Pay;
    case InputKind::kH264:
      // Parsed first: an encoder's avc or byte-stream output both payload the same way then.
      return std::string("h264parse ! ") + kH264Pay;
    case InputKind::kNone:
      break;
  }
  return "";
}

bool check_encoder(MediaConfig* c, std::string* err) {
  const std::string desc = middle_description(InputKind::kRaw, *c);
  GError* gerr = nullptr;
  GstElement* bin = gst_parse_bin_from_description(desc.c_str(), TRUE, &gerr);
  if (!bin || gerr) {
    *err = "encoder: cannot build '" + desc + "': " + (gerr ? gerr->message : "unknown error");
    g_clear_error(&gerr);
    if (bin) gst_object_unref(gst_object_ref_sink(bin));
    return false;
  }
  gst_object_ref_sink(bin);
  GstElement* pay = gst_bin_get_by_name(GST_BIN(bin), "pay");
  std::string name;
  if (pay) {
    GstPad* src = gst_element_get_static_pad(pay, "src");
    GstCaps* templ = src ? gst_pad_get_pad_template_caps(src) : nullptr;
    const GValue* v = templ && !gst_caps_is_empty(templ)
                          ? gst_structure_get_value(gst_caps_get_structure(templ, 0), "encoding-name")
                          : nullptr;
    if (v && GST_VALUE_HOLDS_LIST(v) && gst_value_list_get_size(v) > 0) v = gst_value_list_get_value(v, 0);
    if (v && G_VALUE_HOLDS_STRING(v)) name = g_value_get_string(v);
    if (templ) gst_caps_unref(templ);
    if (src) gst_object_unref(src);
    gst_object_unref(pay);
  }
  gst_object_unref(bin);
  if (!pay) {
    *err = "encoder: the description must name its RTP payloader `pay` (e.g. rtpvp8pay name=pay pt=96)";
    return false;
  }
  if (const auto codec = codec_from_name(name)) {
    c->codec = *codec;
    return true;
  }
  *err = "encoder: its payloader `pay` produces '" + name + "'; browsers are served VP8 or H264";
  return false;
}

}  // namespace vtkstream::sink
