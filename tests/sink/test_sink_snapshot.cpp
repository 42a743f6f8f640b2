// GET /snapshot.png (http/snapshot.h, media/last_frame.h) on real pipelines: the same token as
// every page request, 503 with a reason while there is no raw frame (nothing arrived yet, or the
// input is already encoded), and a PNG of the frame's own size once one passed.
#include <gst/app/gstappsrc.h>

#include <atomic>
#include <cstdint>

#include "sink_test_util.h"

namespace vtkstream::sinktest {
namespace {

constexpr int kW = 320, kH = 240;
constexpr const char* kRgba = "video/x-raw,format=RGBA,width=320,height=240,framerate=0/1";

bool is_png(const std::string& b) { return b.size() > 24 && b.compare(0, 8, "\x89PNG\r\n\x1a\n", 8) == 0; }

uint32_t be32(const std::string& b, size_t at) {
  auto u = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(b[at + i])); };
  return u(0) << 24 | u(1) << 16 | u(2) << 8 | u(3);
}

// Counts buffers reaching the sink's keep-alive fakesink, which sits behind the probe that keeps
// the last frame (both on the input tee): once it saw one, /snapshot.png has it.
struct PassedCounter {
  std::atomic<int> n{0};
  void watch(GstElement* sink) {
    Ref<GstElement> keepalive(gst_bin_get_by_name(GST_BIN(sink), "keepalive"));
    ASSERT_TRUE(keepalive);
    Ref<GstPad> pad(gst_element_get_static_pad(keepalive.get(), "sink"));
    gst_pad_add_probe(pad.get(), GST_PAD_PROBE_TYPE_BUFFER,
                      [](GstPad*, GstPadProbeInfo*, gpointer d) {
                        ++static_cast<PassedCounter*>(d)->n;
                        g_main_context_wakeup(nullptr);
                        return GST_PAD_PROBE_OK;
                      },
                      this, nullptr);
  }
};

GstBuffer* gradient_frame() {
  GstBuffer* buf = gst_buffer_new_allocate(nullptr, kW * kH * 4, nullptr);
  GstMapInfo map;
  gst_buffer_map(buf, &map, GST_MAP_WRITE);
  for (int y = 0; y < kH; ++y)
    for (int x = 0; x < kW; ++x) {
      guint8* p = map.data + (y * kW + x) * 4;
      p[0] = static_cast<guint8>(x);
      p[1] = static_cast<guint8>(y);
      p[2] = 128;
      p[3] = 255;
    }
  gst_buffer_unmap(buf, &map);
  GST_BUFFER_PTS(buf) = 0;
  return buf;
}

// Before any frame: 503 saying why; without a token: 401 (no hint); after one frame: a PNG of
// the frame's size, for the control token and for the view-only token alike.
TEST(SinkSnapshot, TokenAnd503BeforeTheFirstFrameThenPng) {
  Pipeline p(std::string("appsrc name=src is-live=true format=time caps=") + kRgba + " ! vtkstreamsink name=sink");
  ASSERT_TRUE(p.ok());
  PassedCounter passed;
  passed.watch(p.sink());
  ASSERT_NE(p.set_state(GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  ASSERT_TRUE(p.log().wait_for(element_message("vtkstreamsink-links")));

  const std::string url = get_string(p.sink(), "url");
  HttpResult r = http_get(url + "snapshot.png");
  EXPECT_EQ(r.status, 401) << r.head;
  EXPECT_EQ(r.body.find("PNG"), std::string::npos);
  r = http_get(url + "snapshot.png?token=wrong-token-of-the-right-length");
  EXPECT_EQ(r.status, 401) << r.head;

  r = http_get(http_url(p.sink(), "snapshot.png"));
  EXPECT_EQ(r.status, 503) << r.head;
  EXPECT_NE(r.body.find("no picture"), std::string::npos) << r.body;
  EXPECT_NE(r.head.find("Retry-After"), std::string::npos) << r.head;

  ASSERT_EQ(gst_app_src_push_buffer(GST_APP_SRC(p.by_name("src")), gradient_frame()), GST_FLOW_OK);
  ASSERT_TRUE(run_until([&] { return passed.n > 0; }, 10000));

  for (bool view : {false, true}) {
    const std::string u = url + "snapshot.png?token=" + get_string(p.sink(), view ? "view-token" : "token");
    r = http_get(u);
    ASSERT_EQ(r.status, 200) << r.head << "\n" << r.body;
    EXPECT_NE(r.head.find("Content-Type: image/png"), std::string::npos) << r.head;
    EXPECT_NE(r.head.find("Server-Timing: encode;dur="), std::string::npos) << r.head;
    ASSERT_TRUE(is_png(r.body));
    EXPECT_EQ(r.body.compare(12, 4, "IHDR"), 0);
    EXPECT_EQ(be32(r.body, 16), uint32_t(kW));
    EXPECT_EQ(be32(r.body, 20), uint32_t(kH));
  }
  EXPECT_EQ(p.log().count(is_error()), 0u);

  // Back in READY the sink holds no frame (and so no buffer of its source's pool).
  ASSERT_TRUE(p.go(GST_STATE_READY));
  ASSERT_TRUE(p.go(GST_STATE_PLAYING));
  r = http_get(http_url(p.sink(), "snapshot.png"));
  EXPECT_EQ(r.status, 503) << r.head;
}

// VP8 that arrives encoded is passed through: there is no raw frame to save, and the 503 says so.
TEST(SinkSnapshot, EncodedInputHasNoRawFrame) {
  Pipeline p("videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=15/1 ! "
             "vp8enc deadline=1 ! vtkstreamsink name=sink");
  ASSERT_TRUE(p.ok());
  PassedCounter passed;
  passed.watch(p.sink());
  ASSERT_NE(p.set_state(GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  ASSERT_TRUE(run_until([&] { return passed.n > 0; }, 10000));
  HttpResult r = http_get(http_url(p.sink(), "snapshot.png"));
  EXPECT_EQ(r.status, 503) << r.head;
  EXPECT_NE(r.body.find("already encoded"), std::string::npos) << r.body;
  EXPECT_EQ(p.log().count(is_error()), 0u);
}

}  // namespace
}  // namespace vtkstream::sinktest
