// GET /still.webp and the `still` message (http/still_image.h, media/still_frame.h) on a real
// pipeline (still_image_fixture.h): each new still (not the renderer's republished copies) is
// encoded at most once per image kind and announced to every viewer that said `stills`; the route
// keeps the token rules of /snapshot.png, paces its body, answers conditional requests with 304,
// stale or bad ids with a clear 404 or 400, and survives a reader that stops reading and a stop
// mid-body. Who gets which image, and the keys: test_sink_still_image_kinds.cpp.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "still_image_fixture.h"

namespace vtkstream::sinktest {
namespace {

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
