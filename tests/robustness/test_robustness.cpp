// Robustness of the real vtkstream-serve binary against many peers and hostile ones (issue 4):
//  * PeersJoinAndLeave: 50 peers (3 WebRTC, 5 MJPEG viewers, the rest signalling only) join and
//    leave, round after round; the server's RSS and open descriptors return to the baseline.
//  * ConnectionChurn: 500 connections opened and dropped (clean closes, abrupt TCP drops after
//    the upgrade, half-sent handshakes); a new peer is then served normally.
//  * InputFlood: 10,000 input messages per second from one peer; another peer's MJPEG stream
//    keeps its rate and the server keeps answering.
//  * MalformedInput: broken, hostile and huge JSON, binary frames, garbage SDP, ICE out of
//    order; each gets an error reply or a closed socket, and a viewer keeps streaming.
// Every loop is bounded in count and time; waits are on events with timeouts. argv[1] is the
// server binary. Run in a private network namespace by tests/serve/run_in_netns.sh.
#include <gst/gst.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>

#include "receiver.h"
#include "robust_util.h"
#include "test_main_context.h"
#include "threaded_fake_renderer.h"
#include "unique_name.h"
#include "ws_client.h"

using namespace vtkstream::test;
using robust::MjpegCounter;
using robust::proc_stats;
using robust::settle;
using robust::ProcStats;

// The server binary (argv[1]), for the tests of other files in this executable too.
std::string g_robust_server_binary;

namespace {

std::string g_server_binary;

std::string web_dir() { return robust::minimal_web_dir(); }

// Iterates the main context for `ms` (a measuring window, not a wait for something).
void pump_for(int ms) { run_until([] { return false; }, ms); }

std::string hello(const char* transport) {
  return std::string(R"({"type":"hello","version":1,"codecs":["VP8"],"transport":")") + transport + "\"}";
}


class Robustness : public ::testing::Test {
 protected:
  void SetUp() override {
    shm_ = unique_name("robust");
    renderer_ = std::make_unique<FakeRenderer>(shm_, 320, 240);
    ASSERT_TRUE(renderer_->ok());
    server_ = std::make_unique<robust::Server>(
        g_server_binary, std::vector<std::string>{"--port", "0", "--shm", shm_, "--web", web_dir(), "--bitrate",
                                                  "300", "--max-peers", "64"});
    ASSERT_TRUE(server_->started()) << "the server printed no link";
    ASSERT_TRUE(server_->auth());
    // Viewers join a stream that has its caps: an MJPEG viewer that joins at the very moment the
    // renderer attaches sometimes never gets a picture (a server race, not these tests' subject;
    // it failed about 1 run in 4 here, on the code before issue 12 too).
    ASSERT_TRUE(server_->wait_renderer_running(10000)) << server_->health();
    std::printf("server pid %d, %s\n", server_->pid(), server_->base().c_str());
  }
  void TearDown() override {
    if (server_) {
      EXPECT_EQ(server_->terminate(), 0) << "unclean shutdown on SIGTERM";
    }
    server_.reset();
    renderer_.reset();
  }

  // A peer that said hello and got its welcome (nullptr on failure).
  std::unique_ptr<WsClient> join(const char* transport, std::string* welcome = nullptr, bool view_only = false) {
    auto ws = std::make_unique<WsClient>();
    if (!ws->connect(server_->ws_url(view_only))) return nullptr;
    ws->send(hello(transport));
    std::string w = ws->wait_for("welcome");
    if (w.empty()) return nullptr;
    if (welcome) *welcome = w;
    return ws;
  }
  // An MJPEG viewer: a peer with transport mjpeg and its stream open.
  std::unique_ptr<MjpegCounter> watch(const std::string& welcome) {
    return std::make_unique<MjpegCounter>(server_->base(), server_->path_with_token(Json(welcome).str("mjpeg")));
  }

  std::string shm_;
  std::unique_ptr<FakeRenderer> renderer_;
  std::unique_ptr<robust::Server> server_;
};

}  // namespace

TEST_F(Robustness, PeersJoinAndLeave) {
  constexpr int kPeers = 50, kWebRtc = 3, kMjpeg = 5;
  // Round 0 warms up; VTKROBUST_ROUNDS runs more rounds by hand (to see where memory settles).
  const int kRounds = g_getenv("VTKROBUST_ROUNDS") ? std::atoi(g_getenv("VTKROBUST_ROUNDS")) : 4;
  // Tolerances after a round, against the baseline taken after round 0: descriptors must all
  // be closed again (a little slack for GStreamer's own lazily created ones); memory may keep
  // what glibc's per-thread arenas hold on to. Measured on 2 cores: +1.9, +2.9, +3.8 MiB after
  // rounds 1-3, of which about 50 KiB per WebRTC session that came and went (signalling and
  // MJPEG peers alone stay flat: see the commit message). 8 MiB catches
  // a leaked branch (its pipeline, buffers and sockets are several MiB) with room for noise.
  constexpr int kFdSlack = 2;
  constexpr long kRssSlackKb = 8 * 1024;
  const ProcStats start = proc_stats(server_->pid());
  ProcStats base;
  int threads_ref = 0;
  std::printf("before any peer: RSS %ld KiB, %d fds, %d threads\n", start.rss_kb, start.fds, start.threads);
  const gint64 t0 = g_get_monotonic_time();
  for (int round = 0; round < kRounds; ++round) {
    {
      std::vector<std::unique_ptr<WsClient>> peers;
      std::vector<std::string> welcomes;
      for (int i = 0; i < kPeers; ++i) {
        std::string w;
        peers.push_back(join(i < kWebRtc ? "webrtc" : "mjpeg", &w));
        ASSERT_TRUE(peers.back()) << "round " << round << ": peer " << i << " was not welcomed";
        welcomes.push_back(w);
      }
      std::vector<std::unique_ptr<Receiver>> rx;
      for (int i = 0; i < kWebRtc; ++i) {
        const std::string offer = Json(peers[i]->wait_for("offer")).str("sdp");
        ASSERT_FALSE(offer.empty()) << "round " << round << ": no offer for peer " << i;
        rx.push_back(std::make_unique<Receiver>(*peers[i]));
        ASSERT_FALSE(rx.back()->answer(offer).empty());
      }
      std::vector<std::unique_ptr<MjpegCounter>> viewers;
      for (int i = kWebRtc; i < kWebRtc + kMjpeg; ++i) viewers.push_back(watch(welcomes[i]));
      const bool streaming = run_until(
          [&] {
            for (auto& r : rx) r->pump_candidates();
            for (auto& r : rx)
              if (r->frames() < 3) return false;
            for (auto& v : viewers)
              if (v->parts() < 3) return false;
            return true;
          },
          20000);
      ASSERT_TRUE(streaming) << "round " << round << ": WebRTC frames " << rx[0]->frames() << "/" << rx[1]->frames()
                             << "/" << rx[2]->frames() << ", MJPEG parts " << viewers[0]->parts();
      Json h(server_->health());
      EXPECT_EQ(h.integer("peers"), kPeers);
      EXPECT_EQ(h.integer("webrtc_peers"), kWebRtc);
      EXPECT_EQ(h.integer("mjpeg_streams"), kMjpeg);
      const ProcStats busy = proc_stats(server_->pid());
      // Leaving: half the WebRTC browsers vanish before their sockets close, as tabs do.
      viewers.clear();
      rx.resize(1);
      peers.clear();
      rx.clear();
      ASSERT_TRUE(server_->wait_no_peers(15000)) << "round " << round << ": " << server_->health();
      const ProcStats after = settle(server_->pid(), round == 0 ? start.fds : base.fds + kFdSlack, 5000);
      if (round == 0) base = after;
      std::printf("round %d: with %d peers RSS %ld KiB, %d fds, %d threads; after: RSS %ld KiB (%+ld), %d fds (%+d), "
                  "%d threads\n",
                  round, kPeers, busy.rss_kb, busy.fds, busy.threads, after.rss_kb, after.rss_kb - base.rss_kb,
                  after.fds, after.fds - base.fds, after.threads);
      if (round == 0) continue;
      EXPECT_LE(after.fds, base.fds + kFdSlack) << "round " << round << ": descriptors leak";
      EXPECT_LE(after.rss_kb, base.rss_kb + kRssSlackKb) << "round " << round << ": memory grows";
      // Threads: GLib and GStreamer keep idle pool threads for a while, so the count after
      // round 1 is the reference; later rounds must not add to it.
      // (the count oscillates by about 5 between rounds as pool threads come and go).
      if (round == 1) threads_ref = after.threads;
      EXPECT_LE(after.threads, threads_ref + 8) << "round " << round << ": threads pile up";
    }
  }
  std::printf("%d rounds of %d peers in %.1f s\n", kRounds, kPeers, (g_get_monotonic_time() - t0) / 1e6);
  EXPECT_EQ(server_->health_int("peers_served"), kRounds * kPeers);
}

TEST_F(Robustness, ConnectionChurn) {
  constexpr int kConnections = 500, kWindow = 25;
  // Baseline after one viewer came, streamed and went (the first one starts the pipeline's
  // lazily created parts: encoder buffers, the MJPEG branch).
  {
    std::string w;
    auto first = join("mjpeg", &w);
    ASSERT_TRUE(first);
    auto viewer = watch(w);
    ASSERT_TRUE(run_until([&] { return viewer->parts() >= 5; }, 10000));
  }
  ASSERT_TRUE(server_->wait_no_peers(5000));
  const ProcStats base = settle(server_->pid(), 0, 0);
  const std::string hostport = server_->base().substr(7, server_->base().size() - 8);
  const std::string ws_path = server_->ws_url().substr(server_->ws_url().find("/ws"));
  const gint64 t0 = g_get_monotonic_time(), deadline = t0 + 40 * G_USEC_PER_SEC;
  std::deque<std::unique_ptr<WsClient>> open;  // up to kWindow open at once, the oldest dropped
  int done = 0, welcomed = 0;
  for (; done < kConnections && g_get_monotonic_time() < deadline; ++done) {
    switch (done % 4) {
      case 0:
      case 1: {  // a WebSocket, with or without a hello, closed cleanly later
        auto ws = std::make_unique<WsClient>();
        ASSERT_TRUE(ws->connect(server_->ws_url())) << "connection " << done;
        if (done % 4 == 1) {
          ws->send(hello("mjpeg"));
          welcomed += !ws->wait_for("welcome", 5000).empty();
        }
        open.push_back(std::move(ws));
        if (open.size() > kWindow) open.pop_front();
        break;
      }
      case 2: {  // the upgrade completes, then the TCP connection just goes away
        GSocketClient* c = g_socket_client_new();
        GSocketConnection* conn = g_socket_client_connect_to_host(c, hostport.c_str(), 80, nullptr, nullptr);
        g_object_unref(c);
        ASSERT_TRUE(conn) << "connection " << done;
        const std::string req = "GET " + ws_path + " HTTP/1.1\r\nHost: " + hostport +
                                "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
        g_output_stream_write_all(g_io_stream_get_output_stream(G_IO_STREAM(conn)), req.data(), req.size(), nullptr,
                                  nullptr, nullptr);
        char buf[512];
        const gssize n = g_input_stream_read(g_io_stream_get_input_stream(G_IO_STREAM(conn)), buf, sizeof buf - 1,
                                             nullptr, nullptr);
        EXPECT_GT(n, 12) << "connection " << done;
        if (n > 12) {
          EXPECT_EQ(std::string(buf, 12), "HTTP/1.1 101") << "connection " << done;
        }
        g_object_unref(conn);
        break;
      }
      case 3: {  // half a handshake, then gone
        GSocketClient* c = g_socket_client_new();
        GSocketConnection* conn = g_socket_client_connect_to_host(c, hostport.c_str(), 80, nullptr, nullptr);
        g_object_unref(c);
        ASSERT_TRUE(conn) << "connection " << done;
        const std::string req = "GET " + ws_path + " HTTP/1.1\r\nHost: " + hostport + "\r\nUpgr";
        g_output_stream_write_all(g_io_stream_get_output_stream(G_IO_STREAM(conn)), req.data(), req.size(), nullptr,
                                  nullptr, nullptr);
        g_object_unref(conn);
        break;
      }
    }
    while (g_main_context_iteration(nullptr, FALSE)) {
    }
  }
  open.clear();
  EXPECT_EQ(done, kConnections) << "the loop ran out of time";
  EXPECT_EQ(welcomed, kConnections / 4);
  std::printf("%d connections opened and dropped in %.1f s\n", done, (g_get_monotonic_time() - t0) / 1e6);
  ASSERT_TRUE(server_->wait_no_peers(15000)) << server_->health();
  const ProcStats after = settle(server_->pid(), base.fds + 2, 5000);
  std::printf("churn: RSS %ld -> %ld KiB (%+ld), fds %d -> %d, threads %d -> %d\n", base.rss_kb, after.rss_kb,
              after.rss_kb - base.rss_kb, base.fds, after.fds, base.threads, after.threads);
  EXPECT_LE(after.fds, base.fds + 2);
  EXPECT_LE(after.rss_kb, base.rss_kb + 12 * 1024);
  // A new peer is served as if nothing happened.
  std::string w;
  auto ws = join("mjpeg", &w);
  ASSERT_TRUE(ws);
  auto viewer = watch(w);
  EXPECT_TRUE(run_until([&] { return viewer->parts() >= 5; }, 10000)) << viewer->parts() << " MJPEG parts";
  ws->send(R"({"type":"ping","t":1})");
  EXPECT_FALSE(ws->wait_for("pong", 5000).empty());
}

TEST_F(Robustness, InputFloodDoesNotDisturbOtherPeers) {
  constexpr int kRatePerSecond = 10000, kTickMs = 10, kWindowMs = 2000;
  // The flooder joins first with the control link, so it steers and its input is forwarded
  // (the worst case: it reaches the renderer); the observer watches through the view-only link.
  auto flooder = join("mjpeg");
  ASSERT_TRUE(flooder);
  std::string w;
  auto observer = join("mjpeg", &w, /*view_only=*/true);
  ASSERT_TRUE(observer);
  auto viewer = watch(w);
  ASSERT_TRUE(run_until([&] { return viewer->parts() >= 3; }, 10000));
  int before = viewer->parts();
  pump_for(kWindowMs);
  const double calm_fps = (viewer->parts() - before) * 1000.0 / kWindowMs;

  struct Flood {
    WsClient* ws;
    int seq = 0;
  } flood{flooder.get()};
  const int inputs_before = renderer_->inputs();
  const guint tick = g_timeout_add(
      kTickMs,
      [](gpointer d) -> gboolean {
        auto* f = static_cast<Flood*>(d);
        for (int i = 0; i < kRatePerSecond * kTickMs / 1000; ++i) {
          ++f->seq;
          f->ws->send(R"({"type":"input","t":"pm","x":0.)" + std::to_string(f->seq % 1000) + R"(,"y":0.5,"s":)" +
                      std::to_string(f->seq) + "}");
        }
        return G_SOURCE_CONTINUE;
      },
      &flood);
  before = viewer->parts();
  const gint64 t0 = g_get_monotonic_time();
  // Mid-flood: the observer's ping and /healthz are answered promptly.
  pump_for(kWindowMs / 2);
  const gint64 p0 = g_get_monotonic_time();
  observer->send(R"({"type":"ping","t":5})");
  const bool ponged = !observer->wait_for("pong", 2000).empty();
  const double pong_ms = (g_get_monotonic_time() - p0) / 1000.0;
  const gint64 h0 = g_get_monotonic_time();
  const bool healthy = !server_->health().empty();
  const double health_ms = (g_get_monotonic_time() - h0) / 1000.0;
  pump_for(kWindowMs / 2);
  const double elapsed_ms = (g_get_monotonic_time() - t0) / 1000.0;
  const double flood_fps = (viewer->parts() - before) * 1000.0 / elapsed_ms;
  g_source_remove(tick);
  std::printf("flood: %d inputs sent in %.0f ms, %d reached the renderer; observer %.1f fps calm, %.1f fps flooded; "
              "pong %.1f ms, /healthz %.1f ms\n",
              flood.seq, elapsed_ms, renderer_->inputs() - inputs_before, calm_fps, flood_fps, pong_ms, health_ms);
  EXPECT_GE(flood.seq, kRatePerSecond * kWindowMs / 1000 / 2) << "the test could not send the flood";
  EXPECT_TRUE(ponged);
  EXPECT_LT(pong_ms, 1000);
  EXPECT_TRUE(healthy);
  EXPECT_LT(health_ms, 1000);
  EXPECT_GE(flood_fps, calm_fps * 0.5) << "the flood slowed the other peer's stream";
  EXPECT_FALSE(viewer->failed());
  // Afterwards the observer still streams and the server still serves.
  before = viewer->parts();
  EXPECT_TRUE(run_until([&] { return viewer->parts() >= before + 5; }, 5000));
  EXPECT_TRUE(server_->alive());
  EXPECT_TRUE(join("mjpeg"));
}

TEST_F(Robustness, MalformedInputGetsErrorsOthersKeepStreaming) {
  std::string w;
  auto observer = join("mjpeg", &w);
  ASSERT_TRUE(observer);
  auto viewer = watch(w);
  ASSERT_TRUE(run_until([&] { return viewer->parts() >= 3; }, 10000));
  const int parts_before = viewer->parts();

  // Before hello: ICE and answers are out of order.
  WsClient early;
  ASSERT_TRUE(early.connect(server_->ws_url()));
  early.send(R"({"type":"ice","candidate":"candidate:1 1 UDP 1 198.51.100.9 9 typ host","sdpMLineIndex":0})");
  EXPECT_EQ(Json(early.wait_for("error")).str("code"), "bad-state");
  early.send(R"({"type":"answer","sdp":"v=0"})");
  EXPECT_EQ(Json(early.wait_for("error")).str("code"), "bad-state");

  // Broken and hostile JSON on a session that said hello: an error each, the socket stays.
  auto bad = join("mjpeg");
  ASSERT_TRUE(bad);
  const std::vector<std::string> garbage = {
      "{not json", "", "[]", "42", "null", "\"hello\"", R"({"type":123})", R"({"type":null})",
      R"({"type":"launch-missiles"})", R"({"type":"input","t":"pm","x":"left","y":0})",
      R"({"type":"input","t":"zz"})", R"({"type":"input","t":"kd","k":"this key name is far too long to fit"})",
      R"({"type":"input","t":"rs","w":1000000000,"h":-5})", R"({"type":"input","t":"pd","x":1e308,"y":-1e308,"b":9})",
      R"({"type":"ping","t":"soon"})", R"({"type":"hello","version":1,"codecs":["VP8"],"transport":"mjpeg"})",
      std::string(30000, '[') + std::string(30000, ']'),                  // deep nesting, under 64 KiB
      "{" + std::string(60000, ' ') + "}",                                // a missing type after lots of blank
      R"({"type":"input","t":"pm","x":0.5,"y":0.5,"s":1,"s":2,"s":"x"})",  // duplicate keys
      "{\"type\":\"ping\",\"t\":1,\"x\":\"\\ud800\"}",                     // lone surrogate escape
  };
  for (const auto& g : garbage) {
    bad->send(g);
    const std::string reply = bad->wait_for("error", 5000);
    EXPECT_FALSE(reply.empty()) << "no error for: " << g.substr(0, 80);
    ASSERT_FALSE(bad->closed()) << "closed after: " << g.substr(0, 80);
  }
  bad->send(R"({"type":"ping","t":7})");
  EXPECT_FALSE(bad->wait_for("pong").empty());

  // WebRTC: garbage SDP, an answer with nothing usable, oversized candidates.
  auto rtc = join("webrtc");
  ASSERT_TRUE(rtc);
  ASSERT_FALSE(rtc->wait_for("offer").empty());
  for (const char* sdp : {"garbage", "v=0\r\n", "v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\n",
                          "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n"}) {
    gchar* escaped = g_strescape(sdp, nullptr);
    rtc->send(std::string(R"({"type":"answer","sdp":")") + escaped + "\"}");
    g_free(escaped);
    const Json reply(rtc->wait_for("error", 5000));
    EXPECT_TRUE(reply.str("code") == "bad-sdp" || reply.str("code") == "internal") << "answer: " << sdp;
    const std::string first = std::string(sdp).substr(0, std::string(sdp).find('\r'));
    std::printf("answer '%s' (%zu bytes): %s\n", first.c_str(), std::strlen(sdp), reply.str("code").c_str());
    if (rtc->closed()) break;
  }
  rtc->send(R"({"type":"ice","candidate":")" + std::string(5000, 'c') + R"(","sdpMLineIndex":0})");
  EXPECT_EQ(Json(rtc->wait_for("error", 5000)).str("code"), "bad-field");
  rtc->send(R"({"type":"ice","candidate":"x","sdpMLineIndex":100000})");
  EXPECT_EQ(Json(rtc->wait_for("error", 5000)).str("code"), "bad-field");

  // Too large for the socket, invalid UTF-8 text: the connection is dropped.
  auto huge = join("mjpeg");
  ASSERT_TRUE(huge);
  huge->send(R"({"type":"ping","t":1,"pad":")" + std::string(1 << 20, 'x') + "\"}");
  EXPECT_TRUE(huge->wait_closed(10000));
  // Frames libsoup's client will not send, written by hand: invalid UTF-8 in a text frame, a
  // length field claiming 2^62 bytes, an unmasked client frame. Each ends in a close (or an error
  // reply), never in an allocation of the claimed size or a crash.
  const std::string ws_path = server_->ws_url().substr(server_->ws_url().find("/ws"));
  struct Case {
    const char* what;
    int opcode;
    std::string payload;
    bool masked;
    int64_t claimed;
  };
  const std::vector<Case> cases = {
      {"invalid UTF-8", 1, "{\"type\":\"ping\",\"t\":1,\"x\":\"\xff\xfe\xc0\xaf\"}", true, -1},
      {"a 2^62-byte length", 1, "{}", true, int64_t(1) << 62},
      {"an unmasked frame", 1, R"({"type":"ping","t":1})", false, -1},
      {"a reserved opcode", 3, "x", true, -1},
  };
  for (const auto& c : cases) {
    robust::RawWs raw(server_->base(), ws_path);
    ASSERT_TRUE(raw.ok()) << c.what << ": no upgrade";
    raw.send_frame(1, hello("mjpeg"));
    raw.send_frame(c.opcode, c.payload, c.masked, c.claimed);
    std::vector<std::string> texts;
    const int code = raw.read_until_closed(&texts);
    bool error_reply = false;
    for (const auto& m : texts) error_reply |= Json(m).str("type") == "error";
    std::printf("%s: close code %d, %zu messages before it\n", c.what, code, texts.size());
    EXPECT_TRUE(code >= 0 || error_reply) << c.what << ": neither refused nor closed";
  }

  // Meanwhile the viewer kept streaming, and still does.
  const int during = viewer->parts() - parts_before;
  const int mark = viewer->parts();
  EXPECT_TRUE(run_until([&] { return viewer->parts() >= mark + 10; }, 5000)) << viewer->parts() - mark;
  std::printf("the viewer got %d MJPEG parts during the garbage and %d right after\n", during, viewer->parts() - mark);
  EXPECT_FALSE(viewer->failed());
  observer->send(R"({"type":"ping","t":9})");
  EXPECT_FALSE(observer->wait_for("pong").empty());
  EXPECT_TRUE(server_->alive());
  EXPECT_EQ(Json(server_->health()).str("status"), "ok");
}

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s PATH/TO/vtkstream-serve\n", argv[0]);
    return 2;
  }
  g_server_binary = argv[1];
  g_robust_server_binary = argv[1];
  // The servers these tests start inherit this. The RSS checks look for leaks; what else grows is
  // free memory kept in glibc's malloc arenas: up to 8 per core, one per thread that allocates
  // at once (docs/performance.md, "soak"). How many arenas a run gets depends on the machine's
  // load, so under a parallel `make test` the same code grew RSS by 11 MiB over 4 rounds and by
  // 1-3 MiB alone. Two arenas keep the spread out of the figure; a leak still shows.
  g_setenv("MALLOC_ARENA_MAX", "2", TRUE);
  return RUN_ALL_TESTS();
}
