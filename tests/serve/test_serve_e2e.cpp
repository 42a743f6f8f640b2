// End to end through the real vtkstream-serve binary: a fake renderer in this process publishes
// frames on a fresh shm name, the server attaches to it (--shm), and this test plays the browser:
// a libsoup WebSocket for signalling and a receive-only webrtcbin for the media (STYLE item 11).
// Checked: the offer's SDP, ICE/DTLS on this machine, decoded frames, input over the data
// channel reaching the renderer and the frame echo coming back, the MJPEG fallback, protocol
// errors over the wire, HTTP routes and traversal attempts, and a clean SIGTERM shutdown.
//
// argv[1] is the server binary (meson passes it). Run inside a private network namespace by
// run_in_netns.sh when possible, so that no packet leaves the test.
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "receiver.h"
#include "server_process.h"
#include "test_main_context.h"
#include "threaded_fake_renderer.h"
#include "unique_name.h"
#include "ws_client.h"

using namespace vtkstream::test;

namespace {

std::string g_server_binary;
std::string g_fake_renderer;  // argv[2]: fake-render, for the supervision test

// The web client the server serves; the directory is removed when the program exits.
std::string web_dir() {
  static const TempDir dir("vtkserve-web");
  static const bool filled =
      g_file_set_contents(dir.file("index.html").c_str(), "<!doctype html><title>t</title>", -1, nullptr) &&
      g_file_set_contents(dir.file("app.js").c_str(), "export const x = 1;", -1, nullptr);
  (void)filled;
  return dir.path();
}

// Local ports of the UDP sockets `pid` holds: the sockets of its netns (/proc/PID/net/udp and
// udp6) whose inode is among its open descriptors.
std::vector<int> udp_ports_of(pid_t pid) {
  const std::string proc = "/proc/" + std::to_string(pid);
  std::vector<std::string> mine;
  if (GDir* d = g_dir_open((proc + "/fd").c_str(), 0, nullptr)) {
    while (const char* fd = g_dir_read_name(d))
      if (gchar* target = g_file_read_link((proc + "/fd/" + fd).c_str(), nullptr)) {
        if (g_str_has_prefix(target, "socket:[")) mine.emplace_back(target + 8, std::strlen(target) - 9);
        g_free(target);
      }
    g_dir_close(d);
  }
  std::vector<int> ports;
  for (const char* table : {"/net/udp", "/net/udp6"}) {
    gchar* text = nullptr;
    if (!g_file_get_contents((proc + table).c_str(), &text, nullptr, nullptr)) continue;
    gchar** lines = g_strsplit(text, "\n", -1);
    for (gchar** l = lines; *l && **l; ++l) {
      // "sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ..."
      gchar** f = g_strsplit_set(g_strstrip(*l), " ", -1);
      std::vector<std::string> cols;
      for (gchar** c = f; *c; ++c)
        if (**c) cols.emplace_back(*c);
      g_strfreev(f);
      if (cols.size() < 10 || cols[1].find(':') == std::string::npos) continue;
      if (std::find(mine.begin(), mine.end(), cols[9]) != mine.end())
        ports.push_back(static_cast<int>(std::strtol(cols[1].substr(cols[1].find(':') + 1).c_str(), nullptr, 16)));
    }
    g_strfreev(lines);
    g_free(text);
  }
  return ports;
}

int count_lines_starting(const std::string& sdp, const std::string& prefix) {
  int n = 0;
  size_t pos = 0;
  while (pos < sdp.size()) {
    size_t end = sdp.find('\n', pos);
    if (end == std::string::npos) end = sdp.size();
    if (sdp.compare(pos, prefix.size(), prefix) == 0) ++n;
    pos = end + 1;
  }
  return n;
}

// Answers `offer`, trickles the server's candidates into the receiver, and waits until
// `frames` frames were decoded and the input channel is open.
::testing::AssertionResult complete_negotiation(WsClient& ws, Receiver& rx, const std::string& offer, int frames) {
  const std::string answer = rx.answer(offer);
  if (answer.empty()) return ::testing::AssertionFailure() << "the receiver made no answer";
  const bool ok = run_until(
      [&] {
        for (auto it = ws.messages().begin(); it != ws.messages().end();) {
          Json j(*it);
          if (j.str("type") == "ice") {
            rx.add_candidate(static_cast<unsigned>(j.integer("sdpMLineIndex", 0)), j.str("candidate"));
            it = ws.messages().erase(it);
          } else if (j.str("type") == "error") {
            ADD_FAILURE() << "server error: " << *it;
            it = ws.messages().erase(it);
          } else {
            ++it;
          }
        }
        return rx.frames() >= frames && rx.channel_open();
      },
      20000);
  if (!ok)
    return ::testing::AssertionFailure() << "frames decoded: " << rx.frames() << ", channel open: " << rx.channel_open();
  return ::testing::AssertionSuccess();
}

// Reads an MJPEG stream on a helper thread until `parts` JPEG parts arrived.
::testing::AssertionResult read_mjpeg_parts(const std::string& url, int parts) {
  SoupSession* session = soup_session_new();
  SoupMessage* msg = soup_message_new("GET", url.c_str());
  GInputStream* in = nullptr;
  bool done = false;
  auto* ctx = new std::pair<GInputStream**, bool*>(&in, &done);
  soup_session_send_async(session, msg, G_PRIORITY_DEFAULT, nullptr,
                          [](GObject* s, GAsyncResult* r, gpointer d) {
                            auto* p = static_cast<std::pair<GInputStream**, bool*>*>(d);
                            *p->first = soup_session_send_finish(SOUP_SESSION(s), r, nullptr);
                            *p->second = true;
                            delete p;
                          },
                          ctx);
  run_until([&] { return done; }, 10000);
  ::testing::AssertionResult result = ::testing::AssertionSuccess();
  if (!in || soup_message_get_status(msg) != SOUP_STATUS_OK) {
    result = ::testing::AssertionFailure() << "MJPEG request failed, status " << soup_message_get_status(msg);
  } else {
    std::mutex m;
    std::string body;
    std::atomic<int> seen{0};
    std::atomic<bool> finished{false};
    std::thread reader([&] {
      char buf[16384];
      while (seen < parts) {
        const gssize n = g_input_stream_read(in, buf, sizeof(buf), nullptr, nullptr);
        if (n <= 0) break;
        std::lock_guard lock(m);
        body.append(buf, static_cast<size_t>(n));
        int count = 0;
        for (size_t pos = body.find("Content-Type: image/jpeg"); pos != std::string::npos;
             pos = body.find("Content-Type: image/jpeg", pos + 1))
          ++count;
        seen = count;
      }
      finished = true;
      g_main_context_wakeup(nullptr);
    });
    run_until([&] { return finished.load(); }, 10000);
    if (!finished) g_input_stream_close(in, nullptr, nullptr);  // unblocks the reader
    reader.join();
    if (seen < parts) result = ::testing::AssertionFailure() << "only " << seen << " MJPEG parts arrived";
    else if (body.rfind("--vtkstreamframe\r\nContent-Type: image/jpeg\r\nContent-Length: ", 0) != 0 ||
             body.find("\xff\xd8") == std::string::npos)
      result = ::testing::AssertionFailure() << "not a multipart JPEG stream: " << body.substr(0, 80);
  }
  if (in) g_object_unref(in);
  g_object_unref(msg);
  g_object_unref(session);
  return result;
}

// Waits until the latest `renderer` notice says "running" (the renderer attached and the render
// size is known: pointer input before that has nothing to map onto and is dropped).
::testing::AssertionResult wait_renderer_running(WsClient& ws, int timeout_ms = 10000) {
  std::string state;
  const bool ok = run_until(
      [&] {
        for (auto it = ws.messages().begin(); it != ws.messages().end();) {
          if (Json j(*it); j.str("type") == "renderer") {
            state = j.str("state");
            it = ws.messages().erase(it);
          } else {
            ++it;
          }
        }
        return state == "running";
      },
      timeout_ms);
  if (ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "renderer state: " << state;
}

class ServeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    shm_ = unique_name("serve");
    renderer_ = std::make_unique<FakeRenderer>(shm_, 320, 240);
    ASSERT_TRUE(renderer_->ok());
    server_ = std::make_unique<ServerProcess>(
        g_server_binary, std::vector<std::string>{"--port", "0", "--shm", shm_, "--web", web_dir(), "--bitrate", "500"});
    ASSERT_TRUE(server_->started()) << "the server printed no URL line";
  }
  void TearDown() override {
    if (server_) {
      EXPECT_EQ(server_->terminate(), 0) << "unclean shutdown on SIGTERM";
    }
    server_.reset();
    renderer_.reset();
  }
  std::string hello(WsClient& ws, const char* transport) {
    ws.send(std::string(R"({"type":"hello","version":1,"codecs":["VP8"],"transport":")") + transport + "\"}");
    return ws.wait_for("welcome");
  }

  std::string shm_;
  std::unique_ptr<FakeRenderer> renderer_;
  std::unique_ptr<ServerProcess> server_;
};

}  // namespace

TEST_F(ServeTest, WebRtcNegotiationMediaAndInputEcho) {
  WsClient ws;
  ASSERT_TRUE(ws.connect(server_->ws_url()));
  Json welcome(hello(ws, "webrtc"));
  ASSERT_TRUE(welcome.ok());
  EXPECT_EQ(welcome.str("codec"), "VP8");
  const int64_t peer = welcome.integer("peer_id");
  EXPECT_GE(peer, 1);
  // The render size, or 0 while the first frame is still on its way.
  EXPECT_TRUE(welcome.integer("width") == 320 || welcome.integer("width") == 0) << welcome.integer("width");

  const std::string offer = Json(ws.wait_for("offer")).str("sdp");
  ASSERT_FALSE(offer.empty());
  // One send-only VP8 video m-line with payload 96, and the data channel, bundled together.
  EXPECT_EQ(count_lines_starting(offer, "m=video"), 1) << offer;
  EXPECT_EQ(count_lines_starting(offer, "m=application"), 1) << offer;
  EXPECT_EQ(count_lines_starting(offer, "m="), 2) << offer;
  EXPECT_NE(offer.find("a=sendonly"), std::string::npos) << offer;
  EXPECT_NE(offer.find("a=rtpmap:96 VP8/90000"), std::string::npos) << offer;
  EXPECT_NE(offer.find("webrtc-datachannel"), std::string::npos) << offer;
  EXPECT_NE(offer.find("a=group:BUNDLE video0 application1"), std::string::npos) << offer;
  EXPECT_NE(offer.find("a=rtcp-fb:96 nack pli"), std::string::npos) << offer;

  Receiver rx(ws);
  ASSERT_TRUE(complete_negotiation(ws, rx, offer, 10));
  EXPECT_EQ(rx.channel_label(), "input");

  // ICE gathered and connected without UPnP: libnice's gupnp-igd would otherwise search the LAN
  // for a router, from SSDP sockets on port 1900 (multicast to 239.255.255.250), for every peer.
  // (Measured before the fix: the server held four such sockets during a WebRTC session; no
  // gupnp-igd thread showed up in /proc/PID/task, so the sockets are what this test looks at.)
  const std::vector<int> ports = udp_ports_of(server_->pid());
  EXPECT_FALSE(ports.empty()) << "no UDP socket found at all: the check below would prove nothing";
  EXPECT_EQ(std::count(ports.begin(), ports.end(), 1900), 0) << "the server opened SSDP (UPnP) sockets";

  // Input over the data channel reaches the renderer; the frame that reflects it is announced.
  ASSERT_TRUE(wait_renderer_running(ws));
  const int before = renderer_->inputs();
  const gint64 t0 = g_get_monotonic_time();
  rx.channel_send(R"({"t":"pd","x":0.5,"y":0.5,"b":1,"s":41})");
  rx.channel_send(R"({"t":"pm","x":0.6,"y":0.5,"s":42})");
  rx.channel_send(R"({"t":"pu","x":0.6,"y":0.5,"b":1,"s":43})");
  const std::string echo = rx.wait_frame_echo(43, 10000);
  ASSERT_FALSE(echo.empty()) << "no frame echo for input 43";
  // Input to echo through server, renderer, encoder and back (the fake renderer answers at once).
  std::printf("input-to-echo round trip: %.1f ms\n", (g_get_monotonic_time() - t0) / 1000.0);
  Json e(echo);
  EXPECT_EQ(e.integer("seq"), 43);
  EXPECT_TRUE(e.has("rtp"));
  EXPECT_TRUE(e.has("pts"));
  EXPECT_GE(renderer_->inputs(), before + 3);
  EXPECT_EQ(renderer_->last_peer(), static_cast<uint32_t>(peer));

  // Bad input on the channel is answered (on the WebSocket), the session goes on.
  rx.channel_send(R"({"t":"pm","x":"left"})");
  EXPECT_EQ(Json(ws.wait_for("error")).str("code"), "bad-field");

  // Closing the tab frees the peer.
  ws.send(R"({"type":"ping","t":1})");
  EXPECT_FALSE(ws.wait_for("pong").empty());
}

TEST_F(ServeTest, MjpegFallbackWithInputOverWebSocket) {
  WsClient ws;
  ASSERT_TRUE(ws.connect(server_->ws_url()));
  Json welcome(hello(ws, "mjpeg"));
  ASSERT_EQ(welcome.str("codec"), "MJPEG");
  const std::string path = welcome.str("mjpeg");
  ASSERT_EQ(path.rfind("/mjpeg?peer=", 0), 0u);
  ASSERT_TRUE(wait_renderer_running(ws));

  // Input on the WebSocket; the echo comes back on the WebSocket, without an RTP timestamp, when
  // a picture reflecting it leaves the JPEG encoder (so while a stream is open).
  ws.send(R"({"type":"input","t":"wh","x":0.5,"y":0.5,"dx":0,"dy":120,"s":7})");
  EXPECT_TRUE(read_mjpeg_parts(server_->url() + path.substr(1) + "&token=" + server_->token(), 2));
  Json echo(ws.wait_for("frame"));
  EXPECT_EQ(echo.integer("seq"), 7);
  EXPECT_FALSE(echo.has("rtp"));

}

// Tabs come and go (the branch removal path, twice), then an MJPEG viewer still gets pictures and
// a new WebRTC peer still gets video: removing branches leaves the shared pipeline intact.
TEST_F(ServeTest, PeersComeAndGo) {
  for (int round = 0; round < 2; ++round) {
    WsClient ws;
    ASSERT_TRUE(ws.connect(server_->ws_url()));
    ASSERT_FALSE(hello(ws, "webrtc").empty());
    const std::string offer = Json(ws.wait_for("offer")).str("sdp");
    auto rx = std::make_unique<Receiver>(ws);
    ASSERT_TRUE(complete_negotiation(ws, *rx, offer, 3)) << "round " << round;
    // The controlling peer resizes the renderer while it streams (the encoder renegotiates).
    ws.send(round == 0 ? R"({"type":"input","t":"rs","w":160,"h":120,"s":1})"
                       : R"({"type":"input","t":"rs","w":240,"h":180,"s":1})");
    const int before = rx->frames();
    ASSERT_TRUE(run_until([&] { return rx->frames() >= before + 3; }, 10000)) << "no frames after resizing";
    if (round == 0) rx.reset();  // the browser vanishes first (ICE/DTLS/SCTP die), then the socket
  }
  WsClient ws;
  ASSERT_TRUE(ws.connect(server_->ws_url()));
  Json welcome(hello(ws, "mjpeg"));
  EXPECT_TRUE(read_mjpeg_parts(server_->url() + welcome.str("mjpeg").substr(1) + "&token=" + server_->token(), 3));
  WsClient ws2;
  ASSERT_TRUE(ws2.connect(server_->ws_url()));
  ASSERT_FALSE(hello(ws2, "webrtc").empty());
  Receiver rx(ws2);
  EXPECT_TRUE(complete_negotiation(ws2, rx, Json(ws2.wait_for("offer")).str("sdp"), 3));
}

TEST_F(ServeTest, ProtocolErrorsOverTheWire) {
  WsClient ws;
  ASSERT_TRUE(ws.connect(server_->ws_url()));
  ws.send(R"({"type":"answer","sdp":"v=0"})");
  EXPECT_EQ(Json(ws.wait_for("error")).str("code"), "bad-state");
  ws.send("{not json");
  EXPECT_EQ(Json(ws.wait_for("error")).str("code"), "bad-json");
  ws.send(R"({"type":"launch"})");
  EXPECT_EQ(Json(ws.wait_for("error")).str("code"), "unknown-type");
  ws.send(R"({"type":"hello","version":1,"codecs":["H264"],"transport":"webrtc"})");
  EXPECT_EQ(Json(ws.wait_for("error")).str("code"), "no-codec");
  ws.send(R"({"type":"hello","version":1,"codecs":["VP8"],"transport":"mjpeg"})");
  EXPECT_FALSE(ws.wait_for("welcome").empty());
  ws.send(R"({"type":"ping","t":99})");
  EXPECT_FALSE(ws.wait_for("pong").empty());
  // Over the 64 KiB limit: the server closes with 1009 before the message reaches the parser.
  ws.send(R"({"type":"ping","t":1,"pad":")" + std::string(70000, 'x') + "\"}");
  EXPECT_TRUE(ws.wait_closed());
  EXPECT_EQ(ws.close_code(), SOUP_WEBSOCKET_CLOSE_TOO_BIG);
  // The server is still fine.
  WsClient again;
  ASSERT_TRUE(again.connect(server_->ws_url()));
  again.send(R"({"type":"ping","t":2})");
  EXPECT_EQ(Json(again.wait_for("error")).str("code"), "bad-state");  // hello comes first
  again.send(R"({"type":"hello","version":1,"codecs":[],"transport":"mjpeg"})");
  again.send(R"({"type":"ping","t":3})");
  EXPECT_FALSE(again.wait_for("pong").empty());
}

TEST_F(ServeTest, HttpRoutesAndTraversal) {
  const std::string& url = server_->url();
  std::string headers;
  const std::string q = server_->q();
  EXPECT_EQ(raw_http(url, "GET /" + q, &headers), 200);
  EXPECT_NE(headers.find("text/html"), std::string::npos);
  EXPECT_EQ(raw_http(url, "GET /app.js" + q, &headers), 200);
  EXPECT_NE(headers.find("text/javascript"), std::string::npos);
  for (const std::string bad : {"GET /../../etc/passwd", "GET /%2e%2e/%2e%2e/etc/passwd", "GET /..%2f..%2fetc%2fpasswd",
                          "GET /%2E%2E%5C..%5Cetc/passwd", "GET /.hidden", "GET /nothing-here.js"}) {
    const int st = raw_http(url, bad + q);
    EXPECT_TRUE(st == 403 || st == 404 || st == 400) << bad << " -> " << st;
  }
  EXPECT_EQ(raw_http(url, "POST /" + q), 405);
  EXPECT_EQ(raw_http(url, "GET /mjpeg?peer=abc&token=" + server_->token()), 400);
  EXPECT_EQ(raw_http(url, "GET /mjpeg?peer=999&token=" + server_->token()), 404);
  EXPECT_EQ(raw_http(url, "GET /healthz", &headers), 200);
  EXPECT_NE(headers.find("application/json"), std::string::npos);
  // A page from elsewhere may not open the signalling socket.
  WsClient evil;
  EXPECT_FALSE(evil.connect(server_->ws_url(), "http://evil.example"));
  WsClient same;
  EXPECT_TRUE(same.connect(server_->ws_url(), server_->url().substr(0, server_->url().size() - 1).c_str()));
}

// --codec h264: the offer carries H.264 (packetization-mode 1), frames decode, and a resize
// mid-stream (new SPS/PPS) keeps them coming.
TEST(ServeH264, NegotiatesAndSurvivesAResize) {
  GstElementFactory* dec = gst_element_factory_find("openh264dec");
  if (!dec) dec = gst_element_factory_find("avdec_h264");
  if (!dec) GTEST_SKIP() << "no H.264 decoder (openh264dec or avdec_h264) installed";
  const std::string decoder = GST_OBJECT_NAME(dec);
  gst_object_unref(dec);
  const std::string shm = unique_name("serve");
  FakeRenderer renderer(shm, 320, 240);
  ASSERT_TRUE(renderer.ok());
  ServerProcess server(g_server_binary, {"--port", "0", "--shm", shm, "--web", web_dir(), "--codec", "h264"});
  ASSERT_TRUE(server.started());
  WsClient ws;
  ASSERT_TRUE(ws.connect(server.ws_url()));
  ws.send(R"({"type":"hello","version":1,"codecs":["VP8"],"transport":"webrtc"})");
  EXPECT_EQ(Json(ws.wait_for("error")).str("code"), "no-codec");
  ws.send(R"({"type":"hello","version":1,"codecs":["H264","VP8"],"transport":"webrtc"})");
  EXPECT_EQ(Json(ws.wait_for("welcome")).str("codec"), "H264");
  const std::string offer = Json(ws.wait_for("offer")).str("sdp");
  EXPECT_NE(offer.find("a=rtpmap:96 H264/90000"), std::string::npos) << offer;
  EXPECT_NE(offer.find("packetization-mode=1"), std::string::npos) << offer;
  EXPECT_EQ(offer.find("sprop-parameter-sets"), std::string::npos) << "stream state pinned in the offer";
  Receiver rx(ws, "rtph264depay ! h264parse ! " + decoder);
  ASSERT_TRUE(complete_negotiation(ws, rx, offer, 3));
  ASSERT_TRUE(wait_renderer_running(ws));
  ws.send(R"({"type":"input","t":"rs","w":160,"h":120,"s":1})");
  const int before = rx.frames();
  EXPECT_TRUE(run_until([&] { return rx.frames() >= before + 5; }, 10000)) << "no frames after resizing";
  EXPECT_EQ(server.terminate(), 0);
}

// The server starts the renderer itself (--renderer), the renderer crashes, the server says
// "restarting" to the page, starts it again and says "running"; the same page keeps working.
TEST(ServeSupervision, RestartsACrashedRendererAndTellsThePage) {
  ASSERT_FALSE(g_fake_renderer.empty()) << "pass the fake-render executable as the second argument";
  ServerProcess server(g_server_binary, {"--port", "0", "--web", web_dir(), "--renderer", g_fake_renderer,
                                         "--size", "160x120"});
  ASSERT_TRUE(server.started());
  WsClient ws;
  ASSERT_TRUE(ws.connect(server.ws_url()));
  ws.send(R"({"type":"hello","version":1,"codecs":[],"transport":"mjpeg"})");
  ASSERT_FALSE(ws.wait_for("welcome").empty());
  // The first notice may still say "waiting" if the renderer had not published yet.
  ASSERT_TRUE(wait_renderer_running(ws));

  ws.send(R"({"type":"input","t":"kd","k":"F12"})");
  Json restarting(ws.wait_for("renderer"));
  EXPECT_EQ(restarting.str("state"), "restarting") << restarting.str("detail");
  ASSERT_TRUE(wait_renderer_running(ws)) << "the renderer did not come back";
  // The session survived: input still reaches the new renderer and is echoed.
  ws.send(R"({"type":"input","t":"pm","x":0.5,"y":0.5,"s":5})");
  EXPECT_TRUE(read_mjpeg_parts(server.url() + "mjpeg?peer=1&token=" + server.token(), 1));
  EXPECT_EQ(Json(ws.wait_for("frame")).integer("seq"), 5);
  std::string headers;
  EXPECT_EQ(raw_http(server.url(), "GET /healthz", &headers), 200);
  EXPECT_EQ(server.terminate(), 0);
}

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  if (argc < 2) {
    fprintf(stderr, "usage: %s PATH/TO/vtkstream-serve\n", argv[0]);
    return 2;
  }
  g_server_binary = argv[1];
  if (argc > 2) g_fake_renderer = argv[2];
  return RUN_ALL_TESTS();
}
