// Access tokens, who steers and the limits, through the real vtkstream-serve binary: a fake
// renderer in this process counts the input that reaches it, libsoup WebSockets play the pages
// (MJPEG peers: no WebRTC needed to test who may steer). argv[1]: the server binary.
#include <gst/gst.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server_process.h"
#include "test_main_context.h"
#include "threaded_fake_renderer.h"
#include "unique_name.h"
#include "ws_client.h"

using namespace vtkstream::test;

namespace {

std::string g_server_binary;

// The web client the server serves; the directory is removed when the program exits.
std::string web_dir() {
  static const TempDir dir("vtkserve-web");
  static const bool filled =
      g_file_set_contents(dir.file("index.html").c_str(), "<!doctype html><title>app</title><script src=app.js>", -1,
                          nullptr) &&
      g_file_set_contents(dir.file("app.js").c_str(), "export const x = 1;", -1, nullptr);
  (void)filled;
  return dir.path();
}

constexpr const char* kHelloMjpeg = R"({"type":"hello","version":1,"codecs":[],"transport":"mjpeg"})";

// Says hello; returns the peer id from the welcome (0 on failure) and the first control state.
uint32_t join(WsClient& ws, std::string* control = nullptr) {
  ws.send(kHelloMjpeg);
  Json w(ws.wait_for("welcome"));
  const std::string c = ws.wait_for("control");
  if (control) *control = c;
  return w.ok() ? static_cast<uint32_t>(w.integer("peer_id", 0)) : 0;
}

// A control message: its fields, and its text (for the requests array).
struct ControlMsg : Json {
  explicit ControlMsg(const std::string& t) : Json(t), text(t) {}
  const std::string& raw() const { return text; }
  std::string text;
};

// Waits for a control message satisfying `pred`.
bool wait_control(WsClient& ws, const std::function<bool(const ControlMsg&)>& pred, int timeout_ms = 5000) {
  const int64_t end = g_get_monotonic_time() + int64_t(timeout_ms) * 1000;
  while (g_get_monotonic_time() < end) {
    const std::string m = ws.wait_for("control", static_cast<int>((end - g_get_monotonic_time()) / 1000) + 1);
    if (m.empty()) return false;
    if (pred(ControlMsg(m))) return true;
  }
  return false;
}

std::string press(int s) { return R"({"type":"input","t":"pd","x":0.5,"y":0.5,"b":1,"s":)" + std::to_string(s) + "}"; }
std::string release(int s) { return R"({"type":"input","t":"pu","x":0.5,"y":0.5,"b":1,"s":)" + std::to_string(s) + "}"; }

// Waits until the fake renderer counted at least `n` inputs (it counts on its own thread: poll).
bool wait_inputs(FakeRenderer& r, int n, int timeout_ms = 5000) {
  const guint tick = g_timeout_add(20, [](gpointer) -> gboolean { return G_SOURCE_CONTINUE; }, nullptr);
  const bool ok = run_until([&] { return r.inputs() >= n; }, timeout_ms);
  g_source_remove(tick);
  return ok;
}

// Lets the fake renderer drain what reached it (it polls every 33 ms).
void settle(int ms = 300) {
  run_until([] { return false; }, ms);
}

class Access : public ::testing::Test {
 protected:
  void start(std::vector<std::string> extra = {}, std::vector<std::string> env = {}) {
    shm_ = unique_name("access");
    renderer_ = std::make_unique<FakeRenderer>(shm_, 160, 120);
    ASSERT_TRUE(renderer_->ok());
    std::vector<std::string> args{"--port", "0", "--shm", shm_, "--web", web_dir(), "--bitrate", "300"};
    args.insert(args.end(), extra.begin(), extra.end());
    server_ = std::make_unique<ServerProcess>(g_server_binary, args, env, G_SUBPROCESS_FLAGS_STDERR_MERGE);
    ASSERT_TRUE(server_->started()) << "the server printed no link line";
  }
  void TearDown() override {
    if (server_) {
      EXPECT_EQ(server_->terminate(), 0);
    }
    server_.reset();
    renderer_.reset();
  }
  std::string shm_;
  std::unique_ptr<FakeRenderer> renderer_;
  std::unique_ptr<ServerProcess> server_;
};

}  // namespace

TEST_F(Access, TwoLinksArePrintedAndNothingIsServedWithoutAToken) {
  start();
  const std::string& url = server_->url();
  ASSERT_EQ(server_->token().size(), 32u);
  ASSERT_EQ(server_->view_token().size(), 32u);
  EXPECT_NE(server_->token(), server_->view_token());
  EXPECT_NE(server_->lines().at(0).find(url + "?token=" + server_->token()), std::string::npos);

  std::string headers;
  EXPECT_EQ(raw_http(url, "GET /", &headers), 401);
  EXPECT_NE(headers.find("text/html"), std::string::npos);  // the "token required" page
  EXPECT_EQ(raw_http(url, "GET /index.html"), 401);
  EXPECT_EQ(raw_http(url, "GET /app.js"), 401);
  EXPECT_EQ(raw_http(url, "GET /mjpeg?peer=1"), 401);
  EXPECT_EQ(raw_http(url, "GET /?token=" + std::string(32, 'A')), 401);
  EXPECT_EQ(raw_http(url, "GET /app.js?token=" + server_->token().substr(0, 31)), 401);
  EXPECT_EQ(raw_http(url, "GET /nothing?token=x"), 401);  // no hint that a path exists
  // /healthz stays open for monitors and says nothing else.
  EXPECT_EQ(raw_http(url, "GET /healthz"), 200);
  WsClient none, wrong;
  EXPECT_FALSE(none.connect(server_->ws_url("-")));
  EXPECT_FALSE(wrong.connect(server_->ws_url(std::string(32, 'x'))));

  // With a token: the page sets the cookie, and the cookie alone then opens the app's files.
  EXPECT_EQ(raw_http(url, "GET /?token=" + server_->view_token(), &headers), 200);
  const size_t at = headers.find("Set-Cookie: ");
  ASSERT_NE(at, std::string::npos) << headers;
  const std::string cookie = headers.substr(at + 12, headers.find(';', at) - at - 12);
  EXPECT_NE(headers.find("HttpOnly"), std::string::npos);
  EXPECT_NE(headers.find("SameSite=Strict"), std::string::npos);
  // Over plain HTTP the cookie must not be Secure: a browser would drop it (test_tls_e2e checks
  // that https sets it).
  const std::string set_cookie_line = headers.substr(at, headers.find("\r\n", at) - at);
  EXPECT_EQ(set_cookie_line.find("Secure"), std::string::npos) << set_cookie_line;
  EXPECT_EQ(raw_http(url, "GET /app.js", nullptr, "Cookie: " + cookie + "\r\n"), 200);
  EXPECT_EQ(raw_http(url, "GET /app.js", nullptr, "Cookie: " + cookie + "x\r\n"), 401);
  EXPECT_EQ(raw_http(url, "GET /app.js?token=" + server_->token()), 200);
  WsClient view, control;
  EXPECT_TRUE(view.connect(server_->ws_url(server_->view_token())));
  EXPECT_TRUE(control.connect(server_->ws_url()));
}

TEST_F(Access, ViewOnlyPeersWatchButDoNotSteerUntilGranted) {
  start();
  WsClient owner, viewer;
  ASSERT_TRUE(owner.connect(server_->ws_url()));
  std::string oc, vc;
  const uint32_t o = join(owner, &oc);
  ASSERT_NE(o, 0u);
  EXPECT_NE(oc.find("\"you\":true"), std::string::npos) << oc;  // a lone owner steers at once
  EXPECT_NE(oc.find("\"role\":\"owner\""), std::string::npos) << oc;
  ASSERT_TRUE(viewer.connect(server_->ws_url(server_->view_token())));
  const uint32_t v = join(viewer, &vc);
  ASSERT_NE(v, 0u);
  EXPECT_NE(vc.find("\"role\":\"viewer\""), std::string::npos) << vc;
  EXPECT_NE(vc.find("\"controller\":" + std::to_string(o)), std::string::npos) << vc;

  // The viewer's input never reaches the renderer; one error per burst.
  settle();
  const int before = renderer_->inputs();
  for (int i = 1; i <= 20; ++i) {
    viewer.send(press(i));
    viewer.send(release(100 + i));
    viewer.send(R"({"type":"input","t":"rs","w":64,"h":64,"s":1})");
  }
  EXPECT_EQ(Json(viewer.wait_for("error")).str("code"), "forbidden");
  settle(500);
  EXPECT_EQ(renderer_->inputs(), before);
  EXPECT_TRUE(viewer.wait_for("error", 300).empty()) << "more than one error for one burst";
  // It can watch: its MJPEG stream opens with the view token.
  EXPECT_EQ(raw_http(server_->url(), "GET /mjpeg?peer=" + std::to_string(v) + "&token=" + server_->view_token()), 200);

  // A viewer cannot take; it asks, the owner sees the request and grants.
  viewer.send(R"({"type":"control","action":"take"})");
  EXPECT_EQ(Json(viewer.wait_for("error")).str("code"), "forbidden");
  viewer.send(R"({"type":"control","action":"request"})");
  ASSERT_TRUE(wait_control(owner, [&](const ControlMsg& j) { return j.raw().find("\"requests\":[" + std::to_string(v)) != std::string::npos; }))
      << "the owner did not see the request";
  owner.send(R"({"type":"control","action":"grant","peer":)" + std::to_string(v) + "}");
  ASSERT_TRUE(wait_control(viewer, [&](const ControlMsg& j) { return j.integer("controller", 0) == v; }));
  settle();
  const int granted = renderer_->inputs();
  viewer.send(press(500));
  viewer.send(release(501));
  ASSERT_TRUE(wait_inputs(*renderer_, granted + 2)) << "granted input did not arrive";
  EXPECT_EQ(renderer_->last_peer(), v);

  // The owner's stray press does not steal control from a granted viewer; `take` does.
  owner.send(press(7));
  EXPECT_EQ(Json(owner.wait_for("error")).str("code"), "forbidden");
  owner.send(R"({"type":"control","action":"take"})");
  ASSERT_TRUE(wait_control(viewer, [&](const ControlMsg& j) { return j.integer("controller", 0) == o; }));
  settle();
  const int taken = renderer_->inputs();
  viewer.send(press(600));
  settle(500);
  EXPECT_EQ(renderer_->inputs(), taken);
  owner.send(press(8));
  owner.send(release(9));
  ASSERT_TRUE(wait_inputs(*renderer_, taken + 2));
  EXPECT_EQ(renderer_->last_peer(), o);
}

TEST_F(Access, TheControllersDisconnectReleasesControl) {
  start();
  WsClient owner;
  ASSERT_TRUE(owner.connect(server_->ws_url()));
  const uint32_t o = join(owner);
  uint32_t v = 0;
  {
    WsClient viewer;
    ASSERT_TRUE(viewer.connect(server_->ws_url(server_->view_token())));
    v = join(viewer);
    viewer.send(R"({"type":"control","action":"request"})");
    ASSERT_TRUE(wait_control(owner, [&](const ControlMsg& j) { return j.raw().find("\"requests\":[" + std::to_string(v)) != std::string::npos; }));
    owner.send(R"({"type":"control","action":"grant"})");  // the oldest request
    ASSERT_TRUE(wait_control(viewer, [&](const ControlMsg& j) { return j.integer("controller", 0) == v; }));
  }  // the viewer's tab closes
  ASSERT_TRUE(wait_control(owner, [&](const ControlMsg& j) { return j.integer("controller", 0) == o; }))
      << "control did not come back to the owner";

  // The owner releases: nobody steers, and a viewer joining sees that and cannot steer.
  owner.send(R"({"type":"control","action":"release"})");
  ASSERT_TRUE(wait_control(owner, [&](const ControlMsg& j) { return !j.has("controller") || j.integer("controller", 0) == 0; }));
  WsClient viewer2;
  ASSERT_TRUE(viewer2.connect(server_->ws_url(server_->view_token())));
  std::string c;
  ASSERT_NE(join(viewer2, &c), 0u);
  EXPECT_NE(c.find("\"controller\":null"), std::string::npos) << c;
  settle();
  const int before = renderer_->inputs();
  viewer2.send(press(1));
  EXPECT_EQ(Json(viewer2.wait_for("error")).str("code"), "forbidden");
  settle(400);
  EXPECT_EQ(renderer_->inputs(), before);
}

TEST_F(Access, InputOverTheRateIsLimitedAndOthersKeepStreaming) {
  start({"--max-input-rate", "20"});
  WsClient flood, other;
  ASSERT_TRUE(flood.connect(server_->ws_url()));
  ASSERT_NE(join(flood), 0u);
  ASSERT_TRUE(other.connect(server_->ws_url(server_->view_token())));
  const uint32_t ov = join(other);
  settle();
  const int before = renderer_->inputs();
  for (int i = 1; i <= 300; ++i)
    flood.send(R"({"type":"input","t":"wh","x":0.5,"y":0.5,"dx":0,"dy":10,"s":)" + std::to_string(i) + "}");
  EXPECT_EQ(Json(flood.wait_for("error")).str("code"), "rate-limited");
  settle(800);
  const int through = renderer_->inputs() - before;
  EXPECT_GE(through, 10);
  EXPECT_LE(through, 60) << "the rate limit let " << through << " wheel events through in about a second";
  // Moves are coalesced, not lost: the last position arrives.
  for (int i = 1; i <= 200; ++i)
    flood.send(R"({"type":"input","t":"pm","x":0.5,"y":0.5,"s":)" + std::to_string(1000 + i) + "}");
  settle(1500);
  // The other peer is undisturbed: its stream and signalling work.
  EXPECT_EQ(raw_http(server_->url(), "GET /mjpeg?peer=" + std::to_string(ov) + "&token=" + server_->view_token()), 200);
  other.send(R"({"type":"ping","t":2})");
  EXPECT_FALSE(other.wait_for("pong").empty());
  EXPECT_FALSE(flood.closed());
}

TEST_F(Access, HandshakeTimeoutIdleTimeoutAndMessageSize) {
  // The idle timeout well apart from the handshake's: at 2.4 s (0.04 min) a loaded CI machine
  // closed the idle peer (the server sweeps once a second) before the silent one's close was seen.
  start({"--handshake-timeout", "1", "--idle-timeout", "0.1", "--max-message-bytes", "2048"});
  WsClient silent, idle, big;
  ASSERT_TRUE(silent.connect(server_->ws_url()));
  ASSERT_TRUE(idle.connect(server_->ws_url()));
  ASSERT_TRUE(big.connect(server_->ws_url()));
  ASSERT_NE(join(idle), 0u);
  ASSERT_NE(join(big), 0u);
  big.send(R"({"type":"ping","t":1,"pad":")" + std::string(4000, 'x') + "\"}");
  EXPECT_TRUE(big.wait_closed(5000)) << "a message over --max-message-bytes did not close the socket";
  EXPECT_EQ(big.close_code(), SOUP_WEBSOCKET_CLOSE_TOO_BIG);

  const std::string bye = silent.wait_for("bye", 5000);
  EXPECT_NE(Json(bye).str("reason").find("hello"), std::string::npos) << bye;
  EXPECT_TRUE(silent.wait_closed(5000));
  EXPECT_FALSE(idle.closed());  // said hello: the handshake timeout is not for it

  const std::string idle_bye = idle.wait_for("bye", 12000);  // 0.1 min = 6 s
  EXPECT_NE(Json(idle_bye).str("reason").find("idle"), std::string::npos) << idle_bye;
  EXPECT_TRUE(idle.wait_closed(5000));
  // The server goes on.
  WsClient fresh;
  ASSERT_TRUE(fresh.connect(server_->ws_url()));
  EXPECT_NE(join(fresh), 0u);
}

TEST_F(Access, MaxPeers) {
  start({"--max-peers", "2"});
  WsClient a, b, c;
  ASSERT_TRUE(a.connect(server_->ws_url()));
  ASSERT_TRUE(b.connect(server_->ws_url()));
  ASSERT_TRUE(c.connect(server_->ws_url()));
  EXPECT_NE(Json(c.wait_for("bye")).str("reason").find("too many"), std::string::npos);
  EXPECT_TRUE(c.wait_closed());
  EXPECT_NE(join(a), 0u);
}

TEST_F(Access, TokensFromAFileOrTheEnvironment) {
  gchar* path = nullptr;
  const int fd = g_file_open_tmp("vtkserve-tokens-XXXXXX", &path, nullptr);
  ASSERT_GE(fd, 0);
  close(fd);
  const std::string control = "control-token-from-file-0123", view = "view-token-from-file-4567";
  g_file_set_contents(path, ("control=" + control + "\nview=" + view + "\n").c_str(), -1, nullptr);
  ASSERT_EQ(chmod(path, 0600), 0);  // g_file_set_contents made a new file with the umask's mode
  start({"--token-file", path});
  EXPECT_EQ(server_->token(), control);
  EXPECT_EQ(server_->view_token(), view);
  const auto warns = [&] {
    bool w = false;
    for (const auto& l : server_->lines()) w |= l.find("is readable by other users") != std::string::npos;
    return w;
  };
  EXPECT_FALSE(warns());
  EXPECT_EQ(server_->terminate(), 0);
  server_.reset();
  // A token file other users can read still works, with a warning (docs/security.md).
  ASSERT_EQ(chmod(path, 0644), 0);
  start({"--token-file", path});
  EXPECT_EQ(server_->token(), control);
  EXPECT_TRUE(warns());
  EXPECT_EQ(server_->terminate(), 0);
  server_.reset();
  unlink(path);
  g_free(path);

  start({}, {"VTKSTREAM_TOKEN=env-control-token-0123456789", "VTKSTREAM_VIEW_TOKEN=env-view-token-0123456789"});
  EXPECT_EQ(server_->token(), "env-control-token-0123456789");
  EXPECT_EQ(server_->view_token(), "env-view-token-0123456789");
  WsClient ws;
  EXPECT_TRUE(ws.connect(server_->ws_url("env-view-token-0123456789")));
  EXPECT_EQ(server_->terminate(), 0);
  server_.reset();

  // A bad token is refused at start (exit 2).
  GSubprocessLauncher* l = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_setenv(l, "VTKSTREAM_TOKEN", "short", TRUE);
  GSubprocess* p = g_subprocess_launcher_spawn(l, nullptr, g_server_binary.c_str(), "--port", "0", "--no-renderer", nullptr);
  g_object_unref(l);
  ASSERT_NE(p, nullptr);
  ASSERT_TRUE(g_subprocess_wait(p, nullptr, nullptr));
  EXPECT_EQ(g_subprocess_get_exit_status(p), 2);
  g_object_unref(p);
  // A view token alone is a mistake too.
  l = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_unsetenv(l, "VTKSTREAM_TOKEN");
  g_subprocess_launcher_setenv(l, "VTKSTREAM_VIEW_TOKEN", "view-token-without-control", TRUE);
  p = g_subprocess_launcher_spawn(l, nullptr, g_server_binary.c_str(), "--port", "0", "--no-renderer", nullptr);
  g_object_unref(l);
  ASSERT_NE(p, nullptr);
  ASSERT_TRUE(g_subprocess_wait(p, nullptr, nullptr));
  EXPECT_EQ(g_subprocess_get_exit_status(p), 2);
  g_object_unref(p);
}

TEST_F(Access, NoAuthWarnsOffLoopback) {
  start({"--no-auth", "--bind", "0.0.0.0"});
  EXPECT_TRUE(server_->token().empty());
  bool warned = false;
  for (const auto& l : server_->lines()) warned |= l.find("vtkstream-serve: --no-auth on 0.0.0.0: anyone") != std::string::npos;
  EXPECT_TRUE(warned);
  EXPECT_EQ(raw_http(server_->url(), "GET /"), 200);
  WsClient ws;
  ASSERT_TRUE(ws.connect(server_->ws_url()));
  std::string c;
  ASSERT_NE(join(ws, &c), 0u);
  EXPECT_NE(c.find("\"you\":true"), std::string::npos) << c;
  EXPECT_EQ(server_->terminate(), 0);
  server_.reset();

  start({"--no-auth"});  // loopback: no warning
  for (const auto& l : server_->lines()) EXPECT_EQ(l.find("WARNING"), std::string::npos) << l;
}

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  if (argc < 2) {
    fprintf(stderr, "usage: %s PATH/TO/vtkstream-serve\n", argv[0]);
    return 2;
  }
  g_server_binary = argv[1];
  return RUN_ALL_TESTS();
}
