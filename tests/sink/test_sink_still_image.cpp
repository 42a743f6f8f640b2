// GET /still.webp and the `still` message (http/still_image.h, media/still_frame.h) on a real
// pipeline: `appsrc (live, RGBA 640x480, frames with vtksrc's meta) ! vtkstreamsink` and WebSocket
// viewers on the WebRTC transport (a session has rungs from its hello on; no answer is needed to
// pin one). Stills are taken while a viewer that said `stills` receives video (on any rung); each
// new still (not the renderer's republished copies) is encoded at most once per image kind
// (lossless, for the viewers whose pace carries it within 0.5 s, else lossy: the kFigure picture
// below is 175 kB lossless, over the 60 kB a viewer at the start estimate of 1200 kbit/s gets in
// that time; a gradient is 1 kB) and announced with the viewer's own key,
// which alone selects whose estimate paces the download; the route keeps the token rules of
// /snapshot.png, answers conditional requests with 304, and stale or bad ids with a clear 404 or
// 400.
#include <gst/app/gstappsrc.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <vector>

#include <webp/decode.h>

#include <cmath>

#include "sink_test_util.h"
#include "vtkstream/vtksrc-contract.h"

namespace vtkstream::sinktest {
namespace {

namespace contract = vtkstream::contract;
constexpr int kW = 640, kH = 480;
// The sink's HTTP idle timeout here: short, for the stalled reader's test; every other exchange
// here is busy until it ends (paced bodies write every 20 ms).
constexpr int kIdleS = 2;

enum class Picture { kGradient, kNoise, kFigure };

// kFigure: saturated shapes with sharp edges on a dark gradient, like a coloured mesh on VTK's
// background: the picture 4:2:0 chroma and a plain RGB to YUV conversion lose most on.
void paint(guint8* p, int x, int y, guint64 seq, Picture pic) {
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

GstBuffer* frame(guint64 seq, bool still, int n, Picture pic = Picture::kGradient) {
  GstBuffer* buf = gst_buffer_new_allocate(nullptr, kW * kH * 4, nullptr);
  GstMapInfo map;
  gst_buffer_map(buf, &map, GST_MAP_WRITE);
  for (int y = 0; y < kH; ++y)
    for (int x = 0; x < kW; ++x) paint(map.data + (y * kW + x) * 4, x, y, seq, pic);
  gst_buffer_unmap(buf, &map);
  GST_BUFFER_PTS(buf) = GST_SECOND * n / 30;
  GstCustomMeta* m = gst_buffer_add_custom_meta(buf, contract::kFrameMetaName);
  gst_structure_set(gst_custom_meta_get_structure(m), contract::kMetaInputSeq, G_TYPE_UINT64, seq,
                    contract::kMetaStill, G_TYPE_BOOLEAN, still ? TRUE : FALSE, nullptr);
  return buf;
}

// WebP's lossy bitstream: "RIFF" size "WEBP" "VP8 " size, then the VP8 key frame header: 3 bytes
// of frame tag, the start code 9d 01 2a, and 14-bit little-endian width and height.
bool webp_size(const std::string& b, int* w, int* h) {
  if (b.size() < 30 || b.compare(0, 4, "RIFF") != 0 || b.compare(8, 4, "WEBP") != 0 || b.compare(12, 4, "VP8 ") != 0 ||
      b.compare(23, 3, "\x9d\x01\x2a") != 0)
    return false;
  auto u = [&](size_t i) { return static_cast<unsigned char>(b[i]); };
  *w = (u(26) | u(27) << 8) & 0x3fff;
  *h = (u(28) | u(29) << 8) & 0x3fff;
  return true;
}

// RGB PSNR of a WebP image against the picture painted for `seq` (Infinity: identical).
double psnr_against(const std::string& webp, guint64 seq, Picture pic) {
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

std::string header(const std::string& head, const std::string& name) {
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
std::string key_of(const Json& m) {
  const std::string k = m.str("key");
  EXPECT_EQ(k.size(), 32u) << k;
  EXPECT_EQ(k.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), std::string::npos) << k;
  return k;
}

TEST_F(SinkStillImage, EveryViewerGetsEachNewStillOnceAsWebp) {
  HttpResult r = http_get(still_url(""));
  EXPECT_EQ(r.status, 404) << r.head;
  EXPECT_NE(r.body.find("no still image yet"), std::string::npos) << r.body;

  WsClient viewer;
  const int64_t peer = hello_with_stills(viewer, /*view_only=*/true);
  ASSERT_GT(peer, 0);
  // On the top rung too: its video's still is 4:2:0 VP8, under issue 9's 40 dB. The still, its
  // republished copy, then nothing new.
  push(2, true, Picture::kFigure);
  push(2, true, Picture::kFigure);
  const std::string text = viewer.wait_for("still");
  const Json m(text);
  ASSERT_TRUE(m.ok()) << "no still message on the top rung";
  EXPECT_EQ(m.integer("id"), 1) << "the copy counted";
  EXPECT_EQ(m.integer("width"), kW);
  EXPECT_EQ(m.integer("height"), kH);
  const std::string key = key_of(m);
  // The estimate starts at the sink's bitrate (1200 kbit/s), too little for this lossless image.
  EXPECT_NE(text.find("\"lossless\":false"), std::string::npos) << text;
  ASSERT_TRUE(pin(viewer, 1));  // and on a lower rung, as before
  push(3, false);
  push(4, true, Picture::kFigure);
  push(4, true, Picture::kFigure);
  const Json m1(viewer.wait_for("still"));
  ASSERT_TRUE(m1.ok()) << "no still message on the lower rung";
  EXPECT_EQ(m1.integer("id"), 2);
  EXPECT_EQ(m1.str("key"), key) << "one key per viewer";
  // Still 1's lossless image (175 kB) showed that this scene's is more than this viewer takes in
  // time: still 2 is encoded lossy only.
  r = http_get(still_url("id=2&lossless=1"));
  EXPECT_EQ(r.status, 404) << "a lossless image nobody could take in time was made";
  EXPECT_NE(r.body.find("no still 2 yet; the newest is 1"), std::string::npos) << r.body;

  for (bool view : {false, true}) {
    r = http_get(still_url("id=2&key=" + key, view));
    ASSERT_EQ(r.status, 200) << r.head << r.body;
    EXPECT_EQ(header(r.head, "Content-Type"), "image/webp") << r.head;
    EXPECT_EQ(m1.integer("bytes"), int64_t(r.body.size()));
    int w = 0, h = 0;
    ASSERT_TRUE(webp_size(r.body, &w, &h)) << "not a lossy WebP";
    EXPECT_EQ(w, kW) << "the still is not full size";
    EXPECT_EQ(h, kH);
  }
  // With the viewer's key the response is paced at a share of its estimate.
  const int64_t t0 = g_get_monotonic_time();
  r = http_get(still_url("id=2&key=" + key));
  const double took_ms = double(g_get_monotonic_time() - t0) / 1000;
  ASSERT_EQ(r.status, 200) << r.head;
  const int pace_kbps = std::atoi(header(r.head, "X-Still-Pace-Kbps").c_str());
  EXPECT_EQ(pace_kbps, 960) << "not 0.8 x the viewer's estimate of 1200 kbit/s: " << r.head;
  // Loopback sends it in a millisecond; paced it takes its size over the rate, give or take
  // one 20 ms slice (a loaded machine only makes it slower).
  const double paced_ms = 8.0 * double(r.body.size()) / pace_kbps;
  EXPECT_GE(took_ms, paced_ms - 20) << "not paced: " << r.body.size() << " bytes at " << pace_kbps << " kbit/s";
  EXPECT_EQ(m1.integer("bytes"), int64_t(r.body.size()));
  const std::string etag = header(r.head, "ETag");
  ASSERT_FALSE(etag.empty()) << r.head;
  // A repeated request costs nothing: 304 without a body.
  r = http_request(still_url("id=2"), "GET", "If-None-Match: " + etag + "\r\n");
  EXPECT_EQ(r.status, 304) << r.head;
  EXPECT_TRUE(r.body.empty());
  r = http_request(still_url("id=2"), "HEAD");
  EXPECT_EQ(r.status, 200) << r.head;
  EXPECT_TRUE(r.body.empty());

  // A new still replaces it: the old id gets a 404 naming the newest.
  push(5, true, Picture::kFigure);
  const Json m2(viewer.wait_for("still"));
  ASSERT_TRUE(m2.ok());
  EXPECT_EQ(m2.integer("id"), 3);
  r = http_get(still_url("id=2"));
  EXPECT_EQ(r.status, 404) << r.head;
  EXPECT_NE(r.body.find("replaced; the newest is 3"), std::string::npos) << r.body;
  r = http_request(still_url("id=3&key=" + key), "GET", "If-None-Match: " + etag + "\r\n");
  EXPECT_EQ(r.status, 200) << "the old ETag matched the new still";
  EXPECT_NE(header(r.head, "ETag"), etag);
  r = http_get(still_url("key=" + key));  // no id: the newest
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(header(r.head, "X-Still-Id"), "3") << r.head;
  EXPECT_EQ(p_.log().count(is_error()), 0u);
}

// docs/security.md: the pace follows a viewer's estimate only for the key in that viewer's own
// `still` message. A peer id (what the page used to send; small integers anyone can try), another
// string, or nothing gets the floor rate, which says nothing about anyone.
TEST_F(SinkStillImage, OnlyTheViewersKeyGetsItsPace) {
  WsClient viewer, other;
  const int64_t peer = hello_with_stills(viewer, true);
  ASSERT_GT(peer, 0);
  ASSERT_GT(hello_with_stills(other, true), 0);
  push(6, true, Picture::kFigure);
  const Json m(viewer.wait_for("still"));
  const Json mo(other.wait_for("still"));
  ASSERT_TRUE(m.ok() && mo.ok());
  const std::string key = key_of(m), other_key = key_of(mo);
  EXPECT_NE(key, other_key) << "two viewers share a key";
  auto pace = [&](const std::string& query) {
    const HttpResult r = http_get(still_url("id=1" + query));
    EXPECT_EQ(r.status, 200) << query << "\n" << r.head;
    return header(r.head, "X-Still-Pace-Kbps");
  };
  EXPECT_EQ(pace("&key=" + key), "960");
  EXPECT_EQ(pace("&key=" + other_key), "960");
  EXPECT_EQ(pace("&peer=" + std::to_string(peer)), "300") << "a peer id still names whose estimate paces";
  EXPECT_EQ(pace(""), "300");
  EXPECT_EQ(pace("&key=" + key.substr(0, 31) + (key[31] == 'A' ? "B" : "A")), "300") << "a near miss matched";
  EXPECT_EQ(pace("&key=" + key + key), "300");
  EXPECT_EQ(pace("&key=" + std::string(5000, 'k')), "300");
  // The key goes with its viewer.
  viewer.close();
  EXPECT_TRUE(eventually([&] { return pace("&key=" + key) == "300"; }, 5000)) << "a gone viewer's key still paces";
  EXPECT_EQ(pace("&key=" + other_key), "960");
  EXPECT_EQ(p_.log().count(is_error()), 0u);
}

// Issue 9: the still is at least 40 dB RGB PSNR against the renderer's frame. Lossy WebP is 4:2:0
// like the video; on sharp coloured edges libwebp's plain RGB to YUV conversion gave 38.2 dB
// here, its sharp one 39.5 dB (the real scenes: 39.9 and 41.1 dB, docs/performance.md).
TEST_F(SinkStillImage, LossyStillUsesTheSharpConversion) {
  WsClient viewer;
  ASSERT_GT(hello_with_stills(viewer, true), 0);
  push(7, true, Picture::kFigure);
  const Json m(viewer.wait_for("still"));
  ASSERT_TRUE(m.ok());
  const HttpResult r = http_get(still_url("id=1&key=" + key_of(m)));
  ASSERT_EQ(r.status, 200) << r.head;
  const double db = psnr_against(r.body, 7, Picture::kFigure);
  EXPECT_GE(db, 39.0) << "the plain conversion (38.2 dB), or not the picture";
  EXPECT_LT(db, 45.0) << "not the lossy image";
}

// The gradient's lossless image is 1 kB: the viewer at 1200 kbit/s gets that one, exact, and the
// lossy one is never made.
TEST_F(SinkStillImage, SmallLosslessImageGoesToAModestViewer) {
  WsClient viewer;
  ASSERT_GT(hello_with_stills(viewer, true), 0);
  push(10, true);
  const std::string text = viewer.wait_for("still");
  const Json m(text);
  ASSERT_TRUE(m.ok());
  EXPECT_NE(text.find("\"lossless\":true"), std::string::npos) << text;
  HttpResult r = http_get(still_url("id=1&lossless=1&key=" + key_of(m)));
  ASSERT_EQ(r.status, 200) << r.head;
  EXPECT_EQ(psnr_against(r.body, 10, Picture::kGradient), INFINITY);
  r = http_get(still_url("id=1"));
  EXPECT_EQ(r.status, 404) << "a lossy image nobody needed was made";
}

// A viewer whose pace carries the lossless image within 0.5 s gets that one: the renderer's exact
// pixels. Here the start estimate (the sink's `bitrate`) is 4000 kbit/s: 200 kB in 0.5 s at
// 0.8 x 4000, over the kFigure picture's 175 kB. A smaller picture goes lossless at less (below).
class SinkStillImageStrong : public SinkStillImage {
 protected:
  SinkStillImageStrong() : SinkStillImage(" bitrate=4000") {}
};

TEST_F(SinkStillImageStrong, StrongViewerGetsTheExactStill) {
  WsClient strong;
  ASSERT_GT(hello_with_stills(strong, true), 0);
  push(8, true, Picture::kFigure);
  const std::string text = strong.wait_for("still");
  const Json m(text);
  ASSERT_TRUE(m.ok()) << "no still message";
  EXPECT_NE(text.find("\"lossless\":true"), std::string::npos) << text;
  const std::string key = key_of(m);
  HttpResult r = http_get(still_url("id=1&lossless=1&key=" + key));
  ASSERT_EQ(r.status, 200) << r.head << r.body;
  EXPECT_EQ(m.integer("bytes"), int64_t(r.body.size()));
  EXPECT_EQ(header(r.head, "Content-Type"), "image/webp");
  EXPECT_EQ(header(r.head, "X-Still-Pace-Kbps"), "3200") << r.head;
  EXPECT_EQ(psnr_against(r.body, 8, Picture::kFigure), INFINITY) << "not the renderer's exact pixels";
  // Nobody wanted the lossy image of this still: it was not encoded.
  r = http_get(still_url("id=1&key=" + key));
  EXPECT_EQ(r.status, 404) << r.head;
  for (const char* bad : {"lossless=2", "lossless=yes", "lossless="}) {
    r = http_get(still_url(std::string("id=1&") + bad));
    EXPECT_EQ(r.status, 400) << bad << "\n" << r.head;
    EXPECT_NE(r.body.find("lossless: 0 or 1"), std::string::npos) << r.body;
  }
  // A second viewer at the same estimate: the same image, encoded once (one `still` each, same id).
  WsClient strong2;
  ASSERT_GT(hello_with_stills(strong2, true), 0);
  push(9, true, Picture::kFigure);
  const Json m2(strong.wait_for("still")), m3(strong2.wait_for("still"));
  ASSERT_TRUE(m2.ok() && m3.ok());
  EXPECT_EQ(m2.integer("id"), 2);
  EXPECT_EQ(m3.integer("id"), 2);
  EXPECT_EQ(m2.integer("bytes"), m3.integer("bytes"));
  EXPECT_EQ(p_.log().count(is_error()), 0u);
}

TEST_F(SinkStillImage, TokenAndBadIds) {
  WsClient viewer;
  ASSERT_GT(hello_with_stills(viewer, false), 0);
  ASSERT_TRUE(pin(viewer, 2));
  push(7, true, Picture::kFigure);
  ASSERT_FALSE(viewer.wait_for("still").empty());
  const std::string base = get_string(p_.sink(), "url") + "still.webp?id=1";
  HttpResult r = http_get(base);
  EXPECT_EQ(r.status, 401) << r.head;
  EXPECT_EQ(r.body.find("WEBP"), std::string::npos);
  r = http_get(base + "&token=wrong-token-of-the-right-length");
  EXPECT_EQ(r.status, 401) << r.head;
  for (const char* bad : {"id=abc", "id=0", "id=-1", "id=1x", "id=99999999999999999999999"}) {
    r = http_get(still_url(bad));
    EXPECT_EQ(r.status, 400) << bad << "\n" << r.head;
    EXPECT_NE(r.body.find("usage: /still.webp?id=N"), std::string::npos) << r.body;
  }
  r = http_get(still_url("id=9"));
  EXPECT_EQ(r.status, 404) << r.head;
  EXPECT_NE(r.body.find("no still 9 yet; the newest is 1"), std::string::npos) << r.body;
  r = http_request(still_url("id=1"), "POST");
  EXPECT_EQ(r.status, 405) << r.head;
  // The server goes on serving.
  EXPECT_EQ(http_get(still_url("id=1")).status, 200);
}

// A viewer that did not say `stills` (an older page) on a lower rung gets no message and costs
// no encode.
TEST_F(SinkStillImage, NoStillsWithoutTheCapability) {
  WsClient old_page;
  ASSERT_TRUE(old_page.connect(ws_url(p_.sink())));
  ASSERT_FALSE(hello(old_page, "webrtc").empty());
  ASSERT_TRUE(pin(old_page, 1));
  push(8, true);
  WsClient page;  // then a page that shows stills: its first still is id 1
  ASSERT_GT(hello_with_stills(page, true), 0);
  ASSERT_TRUE(pin(page, 1));
  push(9, true);
  const Json m(page.wait_for("still"));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m.integer("id"), 1);
  for (const std::string& s : old_page.messages()) EXPECT_EQ(s.find("\"still\""), std::string::npos) << s;
}

// A client with a tiny receive buffer that sends the request and reads no more than the headers
// (and what came with them).
int stalled_client(const std::string& url, std::string* head) {
  const size_t slash = url.find('/', 7);
  const std::string hostport = url.substr(7, slash - 7);
  const int port = std::atoi(hostport.c_str() + hostport.find(':') + 1);
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  int small = 2048;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return -1;
  const std::string req = "GET " + url.substr(slash) + " HTTP/1.1\r\nHost: " + hostport + "\r\n\r\n";
  if (write(fd, req.data(), req.size()) != ssize_t(req.size())) return -1;
  char buf[512];
  for (ssize_t n; head->find("\r\n\r\n") == std::string::npos && (n = read(fd, buf, sizeof buf)) > 0;)
    head->append(buf, size_t(n));
  return fd;
}

// A page that asks for a paced still and then stops reading (a tab frozen in the background, or
// an attacker): its connection is closed at the HTTP idle timeout, as any other silent one, and
// others are served meanwhile. (The paced body ends there too: libsoup says "finished" for a
// connection taken at the timeout, see PacedBodyInFlightAtShutdownIsFreed for when it does not.)
TEST_F(SinkStillImage, StalledPacedReaderIsDroppedAtTheIdleTimeout) {
  WsClient viewer;
  const int64_t peer = hello_with_stills(viewer, true);
  ASSERT_GT(peer, 0);
  ASSERT_TRUE(pin(viewer, 1));
  push(20, true, Picture::kNoise);  // an image far larger than the socket buffers below
  const Json m(viewer.wait_for("still"));
  ASSERT_TRUE(m.ok());
  ASSERT_GT(m.integer("bytes"), 100000);
  const std::string key = "&key=" + m.str("key");
  const int fds0 = fd_count();
  std::string head;
  const int fd = stalled_client(still_url("id=1" + key), &head);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(head.rfind("HTTP/1.1 200", 0), 0u) << head;
  EXPECT_TRUE(eventually([&] { return fd_count() == fds0 + 2; }, 3000)) << "no server-side connection";
  EXPECT_EQ(http_get(still_url("id=1" + key)).status, 200) << "a stalled reader held up others";
  // Idle for kIdleS: the server closes its side (ours stays open, unread).
  ASSERT_TRUE(eventually([&] { return fd_count() == fds0 + 1; }, (kIdleS + 3) * 1000)) << fd_count() << " vs " << fds0;
  close(fd);
  EXPECT_EQ(http_get(still_url("id=1" + key)).status, 200);
  EXPECT_EQ(p_.log().count(is_error()), 0u);
}

// The sink stopped (state NULL) while a still is paced to a reader: libsoup drops the message
// without "finished". The paced body must go with it rather than keep the message, the image and
// its timer for the life of the process (it says so in its log category, watched here).
TEST_F(SinkStillImage, PacedBodyInFlightAtShutdownIsFreed) {
  WsClient viewer;
  const int64_t peer = hello_with_stills(viewer, true);
  ASSERT_GT(peer, 0);
  ASSERT_TRUE(pin(viewer, 1));
  push(20, true, Picture::kNoise);  // paced for about a second at least
  const Json m(viewer.wait_for("still"));
  ASSERT_TRUE(m.ok());
  const std::string key = "&key=" + m.str("key");
  static std::atomic<int> freed{0};
  freed = 0;
  gst_debug_set_threshold_for_name("vtkstreamsink-paced-body", GST_LEVEL_INFO);
  auto on_log = +[](GstDebugCategory* cat, GstDebugLevel, const gchar*, const gchar*, gint, GObject*,
                    GstDebugMessage* msg, gpointer) {
    if (std::strcmp(gst_debug_category_get_name(cat), "vtkstreamsink-paced-body") != 0) return;
    if (std::strstr(gst_debug_message_get(msg), "paced body freed")) {
      ++freed;
      g_main_context_wakeup(nullptr);
    }
  };
  gst_debug_add_log_function(on_log, nullptr, nullptr);
  std::unique_ptr<void, void (*)(void*)> restore(reinterpret_cast<void*>(on_log), [](void* f) {
    gst_debug_remove_log_function(reinterpret_cast<GstLogFunction>(f));
  });
  std::string head;
  const int fd = stalled_client(still_url("id=1" + key), &head);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(head.rfind("HTTP/1.1 200", 0), 0u) << head;
  ASSERT_NE(head.find("X-Still-Pace-Kbps"), std::string::npos) << head;
  EXPECT_EQ(freed, 0) << "the body went before the image was sent";
  ASSERT_EQ(p_.set_state(GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  EXPECT_TRUE(run_until([] { return freed > 0; }, 3000)) << "the paced body outlived the sink";
  EXPECT_EQ(freed, 1);
  close(fd);
}

}  // namespace
}  // namespace vtkstream::sinktest
