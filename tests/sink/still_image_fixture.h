// The fixture of the /still.webp tests (test_sink_still_image.cpp: the route and its limits;
// test_sink_still_image_kinds.cpp: who gets which image, and the keys): a real pipeline,
// `appsrc (live, RGBA 640x480, frames with vtksrc's meta) ! vtkstreamsink`, and WebSocket viewers
// on the WebRTC transport (a session has rungs from its hello on; no answer is needed to pin one).
// Pictures: kFigure is 175 kB as lossless WebP, over the 60 kB a viewer at the start estimate of
// 1200 kbit/s gets in 0.5 s at 0.8 of it, so it gets the lossy image; a gradient is 1 kB.
#pragma once

#include <gst/app/gstappsrc.h>
#include <webp/decode.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>

#include "sink_test_util.h"
#include "vtkstream/vtksrc-contract.h"

namespace vtkstream::sinktest {

inline constexpr int kW = 640, kH = 480;
// The sink's HTTP idle timeout here: short, for the stalled reader's test; every other exchange
// here is busy until it ends (paced bodies write every 20 ms).
inline constexpr int kIdleS = 2;

enum class Picture { kGradient, kNoise, kFigure };

// kFigure: saturated shapes with sharp edges on a dark gradient, like a coloured mesh on VTK's
// background: the picture 4:2:0 chroma and a plain RGB to YUV conversion lose most on.
inline void paint(guint8* p, int x, int y, guint64 seq, Picture pic) {
  p[0] = guint8(x / 3), p[1] = guint8(y / 2), p[2] = guint8(seq * 40), p[3] = 255;
  if (pic == Picture::kNoise) p[0] = guint8(g_random_int()), p[1] = guint8(g_random_int());
  if (pic != Picture::kFigure) return;
  auto in = [&](double cx, double cy, double rx, double ry) {
    return (x - cx) * (x - cx) / (rx * rx) + (y - cy) * (y - cy) / (ry * ry) < 1;
  };
  p[0] = guint8(60 - y / 12), p[1] = guint8(64 - y / 12), p[2] = guint8(80 - y / 10);
  if (in(320, 240, 120, 60)) p[0] = 255, p[1] = 255, p[2] = 0;
  if (in(250, 200, 20, 30)) p[0] = 255, p[1] = 0, p[2] = 0;
  if (in(390, 200, 20, 30)) p[0] = 0, p[1] = 255, p[2] = 0;
}

inline GstBuffer* frame(guint64 seq, bool still, int n, Picture pic = Picture::kGradient) {
  GstBuffer* buf = gst_buffer_new_allocate(nullptr, kW * kH * 4, nullptr);
  GstMapInfo map;
  gst_buffer_map(buf, &map, GST_MAP_WRITE);
  for (int y = 0; y < kH; ++y)
    for (int x = 0; x < kW; ++x) paint(map.data + (y * kW + x) * 4, x, y, seq, pic);
  gst_buffer_unmap(buf, &map);
  GST_BUFFER_PTS(buf) = GST_SECOND * n / 30;
  GstCustomMeta* m = gst_buffer_add_custom_meta(buf, vtkstream::contract::kFrameMetaName);
  gst_structure_set(gst_custom_meta_get_structure(m), vtkstream::contract::kMetaInputSeq, G_TYPE_UINT64, seq,
                    vtkstream::contract::kMetaStill, G_TYPE_BOOLEAN, still ? TRUE : FALSE, nullptr);
  return buf;
}

// WebP's lossy bitstream: "RIFF" size "WEBP" "VP8 " size, then the VP8 key frame header: 3 bytes
// of frame tag, the start code 9d 01 2a, and 14-bit little-endian width and height.
inline bool webp_size(const std::string& b, int* w, int* h) {
  if (b.size() < 30 || b.compare(0, 4, "RIFF") != 0 || b.compare(8, 4, "WEBP") != 0 || b.compare(12, 4, "VP8 ") != 0 ||
      b.compare(23, 3, "\x9d\x01\x2a") != 0)
    return false;
  auto u = [&](size_t i) { return static_cast<unsigned char>(b[i]); };
  *w = (u(26) | u(27) << 8) & 0x3fff;
  *h = (u(28) | u(29) << 8) & 0x3fff;
  return true;
}

// RGB PSNR of a WebP image against the picture painted for `seq` (Infinity: identical).
inline double psnr_against(const std::string& webp, guint64 seq, Picture pic) {
  int w = 0, h = 0;
  uint8_t* d = WebPDecodeRGBA(reinterpret_cast<const uint8_t*>(webp.data()), webp.size(), &w, &h);
  if (!d || w != kW || h != kH) {
    WebPFree(d);
    return -1;
  }
  double se = 0;
  for (int y = 0; y < kH; ++y)
    for (int x = 0; x < kW; ++x) {
      guint8 want[4];
      paint(want, x, y, seq, pic);
      for (int k = 0; k < 3; ++k) se += std::pow(double(d[(y * kW + x) * 4 + k]) - want[k], 2);
    }
  WebPFree(d);
  return se == 0 ? INFINITY : 10 * std::log10(255.0 * 255.0 / (se / (3.0 * kW * kH)));
}

inline std::string header(const std::string& head, const std::string& name) {
  const size_t at = head.find(name + ": ");
  if (at == std::string::npos) return "";
  const size_t start = at + name.size() + 2;
  return head.substr(start, head.find("\r\n", start) - start);
}

class SinkStillImage : public ::testing::Test {
 protected:
  void SetUp() override {
    // vtksrc registers the frame meta in its class_init.
    gst_object_unref(gst_object_ref_sink(gst_element_factory_make("vtksrc", nullptr)));
    ASSERT_TRUE(p_.ok());
    src_ = p_.by_name("src");
    Ref<GstElement> keepalive(gst_bin_get_by_name(GST_BIN(p_.sink()), "keepalive"));
    ASSERT_TRUE(keepalive);
    Ref<GstPad> pad(gst_element_get_static_pad(keepalive.get(), "sink"));
    gst_pad_add_probe(pad.get(), GST_PAD_PROBE_TYPE_BUFFER, [](GstPad*, GstPadProbeInfo*, gpointer d) {
      ++*static_cast<std::atomic<int>*>(d);
      g_main_context_wakeup(nullptr);
      return GST_PAD_PROBE_OK;
    }, &passed_, nullptr);
    ASSERT_NE(p_.set_state(GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    for (int i = 0; i < 3; ++i) push(1, false);
    ASSERT_TRUE(p_.log().wait_for(element_message("vtkstreamsink-renderer", "state", "running")));
  }
  void TearDown() override { p_.set_state(GST_STATE_NULL); }

  explicit SinkStillImage(const std::string& extra = "")
      : p_{"appsrc name=src is-live=true format=time "
           "caps=video/x-raw,format=RGBA,width=640,height=480,framerate=30/1 ! vtkstreamsink name=sink "
           "http-idle-timeout=" + std::to_string(kIdleS) + extra} {}

  // Pushes a frame and waits until it passed the input tee (and so the still probe).
  void push(guint64 seq, bool still, Picture pic = Picture::kGradient) {
    const int before = passed_;
    ASSERT_EQ(gst_app_src_push_buffer(GST_APP_SRC(src_), frame(seq, still, n_++, pic)), GST_FLOW_OK);
    ASSERT_TRUE(run_until([&] { return passed_ > before; }, 10000));
  }
  // Says hello with `stills`; returns the peer id (0: no welcome). The `control` message after the
  // welcome comes once the server takes stills for this viewer.
  int64_t hello_with_stills(WsClient& ws, bool view_only) {
    if (!ws.connect(ws_url(p_.sink(), view_only))) return 0;
    ws.send(R"({"type":"hello","version":1,"codecs":["VP8"],"transport":"webrtc","stills":true})");
    const int64_t id = Json(ws.wait_for("welcome")).integer("peer_id", 0);
    return ws.wait_for("control").empty() ? 0 : id;
  }
  // Pins `ws` to `rung` and returns once it receives that rung: the move ends at the new rung's
  // first keyframe, so frames are pushed, one per wait for the `rung` message saying so.
  bool pin(WsClient& ws, int rung) {
    ws.send(R"({"type":"quality","rung":)" + std::to_string(rung) + "}");
    const std::string there = "\"rung\":" + std::to_string(rung) + ",";
    for (int i = 0; i < 60; ++i) {
      push(1, false);
      const std::string m = ws.wait_for("rung", 500);
      if (m.find("\"pinned\":true") != std::string::npos && m.find(there) != std::string::npos) return true;
    }
    return false;
  }
  std::string still_url(const std::string& query, bool view_only = false) {
    return get_string(p_.sink(), "url") + "still.webp?" + query + (query.empty() ? "" : "&") + "token=" +
           get_string(p_.sink(), view_only ? "view-token" : "token");
  }

  Pipeline p_;
  GstElement* src_ = nullptr;
  std::atomic<int> passed_{0};
  int n_ = 0;
};

// The key in the viewer's `still` message: 192 random bits as 32 URL-safe characters.
inline std::string key_of(const Json& m) {
  const std::string k = m.str("key");
  EXPECT_EQ(k.size(), 32u) << k;
  EXPECT_EQ(k.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), std::string::npos) << k;
  return k;
}

}  // namespace vtkstream::sinktest
