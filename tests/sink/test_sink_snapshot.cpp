// GET /snapshot.png (http/snapshot.h, media/last_frame.h) on real pipelines: the same token as
// every page request, 503 with a reason while there is no raw frame (nothing arrived yet, or the
// input is already encoded), and a PNG of the frame's own size once one passed.
#include <gst/app/gstappsrc.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>

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

// HEAD says what a GET would (200, image/png) without an encode (no Server-Timing); a Range is
// ignored: the whole picture with 200, no 206 cut from a fresh encode, no Accept-Ranges.
TEST(SinkSnapshot, HeadWithoutEncodeAndRangeIgnored) {
  Pipeline p(std::string("appsrc name=src is-live=true format=time caps=") + kRgba + " ! vtkstreamsink name=sink");
  ASSERT_TRUE(p.ok());
  PassedCounter passed;
  passed.watch(p.sink());
  ASSERT_NE(p.set_state(GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  ASSERT_TRUE(p.log().wait_for(element_message("vtkstreamsink-links")));
  ASSERT_EQ(gst_app_src_push_buffer(GST_APP_SRC(p.by_name("src")), gradient_frame()), GST_FLOW_OK);
  ASSERT_TRUE(run_until([&] { return passed.n > 0; }, 10000));
  const std::string url = http_url(p.sink(), "snapshot.png");

  HttpResult r = http_request(url, "HEAD");
  ASSERT_EQ(r.status, 200) << r.head;
  EXPECT_NE(r.head.find("Content-Type: image/png"), std::string::npos) << r.head;
  EXPECT_EQ(r.head.find("Server-Timing"), std::string::npos) << r.head;
  EXPECT_TRUE(r.body.empty()) << r.body.size();

  for (const char* range : {"bytes=10-", "bytes=0-7", "bytes=-5"}) {
    r = http_request(url, "GET", std::string("Range: ") + range + "\r\n");
    ASSERT_EQ(r.status, 200) << range << "\n" << r.head;
    EXPECT_EQ(r.head.find("Accept-Ranges"), std::string::npos) << r.head;
    EXPECT_EQ(r.head.find("Content-Range"), std::string::npos) << r.head;
    ASSERT_TRUE(is_png(r.body)) << range;
    EXPECT_EQ(be32(r.body, 16), uint32_t(kW));
  }
  EXPECT_EQ(p.log().count(is_error()), 0u);
}

// A big noise frame takes seconds to encode. The request waits paused: the 1 s HTTP idle timeout
// must not close it (the server is busy, not the client), snapshot-timeout=2 answers 504 at the
// deadline (not when the encode ends), and the encode's late result is dropped without touching
// the answered message. Any GLib critical (libsoup's "msg->io_data != NULL" when a dead message
// is unpaused) aborts the test, as G_DEBUG=fatal-criticals would.
TEST(SinkSnapshot, SlowEncodeHeldPastIdleTimeoutAnsweredAtDeadline) {
  constexpr int kBigW = 2560, kBigH = 2560;
  const GLogLevelFlags fatal = g_log_set_always_fatal(GLogLevelFlags(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR));
  const std::string caps = "video/x-raw,format=RGBA,width=" + std::to_string(kBigW) + ",height=" + std::to_string(kBigH) +
                           ",framerate=0/1";
  Pipeline p("appsrc name=src is-live=true format=time caps=" + caps +
             " ! vtkstreamsink name=sink http-idle-timeout=1 snapshot-timeout=2");
  ASSERT_TRUE(p.ok());
  PassedCounter passed;
  passed.watch(p.sink());

  // The worker's end shows in the snapshot category's log ("encode result dropped").
  static std::atomic<int> dropped{0};
  dropped = 0;
  gst_debug_set_threshold_for_name("vtkstreamsink-snapshot", GST_LEVEL_INFO);
  auto on_log = +[](GstDebugCategory* cat, GstDebugLevel, const gchar*, const gchar*, gint, GObject*,
                    GstDebugMessage* m, gpointer) {
    if (std::strcmp(gst_debug_category_get_name(cat), "vtkstreamsink-snapshot") != 0) return;
    if (std::strstr(gst_debug_message_get(m), "result dropped")) {
      ++dropped;
      g_main_context_wakeup(nullptr);
    }
  };
  gst_debug_add_log_function(on_log, nullptr, nullptr);
  // Undone however the test ends (an ASSERT returns early).
  std::unique_ptr<void, std::function<void(void*)>> restore(&dropped, [on_log, fatal](void*) {
    gst_debug_remove_log_function(on_log);
    g_log_set_always_fatal(fatal);
  });

  ASSERT_NE(p.set_state(GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  ASSERT_TRUE(p.log().wait_for(element_message("vtkstreamsink-links")));
  GstBuffer* buf = gst_buffer_new_allocate(nullptr, size_t(kBigW) * kBigH * 4, nullptr);
  GstMapInfo map;
  gst_buffer_map(buf, &map, GST_MAP_WRITE);
  uint32_t x = 2463534242u;  // xorshift32: noise that deflate cannot shrink, so pngenc is slow
  for (size_t i = 0; i + 4 <= map.size; i += 4) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    std::memcpy(map.data + i, &x, 4);
  }
  gst_buffer_unmap(buf, &map);
  GST_BUFFER_PTS(buf) = 0;
  ASSERT_EQ(gst_app_src_push_buffer(GST_APP_SRC(p.by_name("src")), buf), GST_FLOW_OK);
  ASSERT_TRUE(run_until([&] { return passed.n > 0; }, 20000));

  const gint64 t0 = g_get_monotonic_time();
  HttpResult r = http_get(http_url(p.sink(), "snapshot.png"));
  const double took_s = double(g_get_monotonic_time() - t0) / G_USEC_PER_SEC;
  EXPECT_EQ(r.status, 504) << "after " << took_s << " s\n" << r.head << "\n" << r.body;
  EXPECT_GE(took_s, 1.9);
  EXPECT_LT(took_s, 4.0);
  EXPECT_NE(r.body.find("longer than 2"), std::string::npos) << r.body;
  EXPECT_NE(r.head.find("Retry-After"), std::string::npos) << r.head;

  // The encode goes on after the 504 and ends with its result dropped; the sink still serves.
  EXPECT_TRUE(run_until([&] { return dropped > 0; }, 120000));
  r = http_request(http_url(p.sink(), "snapshot.png"), "HEAD");
  EXPECT_EQ(r.status, 200) << r.head;
  EXPECT_EQ(p.log().count(is_error()), 0u);
}

}  // namespace
}  // namespace vtkstream::sinktest
