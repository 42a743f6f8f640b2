// TLS in the server (--tls-cert/--tls-key, the sink's tls-certificate-file/tls-key-file): the real
// vtkstream-serve with a certificate made at test time by tests/common/make_test_cert.sh, and
// libsoup clients that trust only that test CA (tls_fixture.h). argv[1]: the server binary,
// argv[2]: the script.
#include <gst/gst.h>
#include <gtest/gtest.h>
#include <libsoup/soup.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstring>

#include "test_main_context.h"
#include "tls_fixture.h"
#include "ws_client.h"

// Under LeakSanitizer this process (which runs the sink with TLS in-process) ended with
// "LeakSanitizer has encountered a fatal error" after every test had passed: its stop-the-world
// failed with glib-networking's handshake threads still around at exit. Leak checking stays on
// for the server processes the tests start; only this test process opts out.
extern "C" const char* __lsan_default_options() { return "detect_leaks=0"; }

using namespace vtkstream::test;

namespace {

struct Response {
  guint status = 0;  // 0: no HTTP response (TLS or connection error)
  std::string body, set_cookie, error;
};

// GET over https on `session`.
Response https_get(SoupSession* session, const std::string& url) {
  SoupMessage* msg = soup_message_new("GET", url.c_str());
  GError* e = nullptr;
  GBytes* body = soup_session_send_and_read(session, msg, nullptr, &e);
  Response r;
  if (body) {
    r.status = soup_message_get_status(msg);
    gsize n = 0;
    const char* d = static_cast<const char*>(g_bytes_get_data(body, &n));
    r.body.assign(d ? d : "", n);
    const char* c = soup_message_headers_get_one(soup_message_get_response_headers(msg), "Set-Cookie");
    r.set_cookie = c ? c : "";
    g_bytes_unref(body);
  } else {
    r.error = e ? e->message : "?";
  }
  g_clear_error(&e);
  g_object_unref(msg);
  return r;
}

// GET over https with `cas` as the only trusted roots (null: the system's), on a session of its own.
Response https_get(const std::string& url, GTlsDatabase* cas) {
  SoupSession* session = soup_session_new();
  if (cas) g_object_set(session, "tls-database", cas, nullptr);
  Response r = https_get(session, url);
  g_object_unref(session);
  return r;
}

// Runs the server to its exit (it is expected to refuse to start); returns the status and stderr.
int run_to_exit(const std::vector<std::string>& args, std::string* err_text) {
  std::vector<const gchar*> argv{tls_server_binary().c_str(), "--port", "0", "--no-renderer"};
  for (const auto& a : args) argv.push_back(a.c_str());
  argv.push_back(nullptr);
  gchar* err = nullptr;
  gint status = -1;
  const bool spawned = g_spawn_sync(nullptr, const_cast<gchar**>(argv.data()), nullptr, G_SPAWN_STDOUT_TO_DEV_NULL,
                                    nullptr, nullptr, nullptr, &err, &status, nullptr);
  *err_text = err ? err : "";
  g_free(err);
  if (!spawned || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

// Open descriptors of a process (/proc/PID/fd entries).
int fd_count(pid_t pid) {
  GDir* d = g_dir_open(("/proc/" + std::to_string(pid) + "/fd").c_str(), 0, nullptr);
  if (!d) return -1;
  int n = 0;
  while (g_dir_read_name(d)) ++n;
  g_dir_close(d);
  return n;
}

// Waits until the server's descriptors are back to `want` or fewer. Another process's /proc has
// no wakeup to wait on, so this looks every 20 ms, for at most `timeout_ms`.
int settle_fds(pid_t pid, int want, int timeout_ms) {
  const guint tick = g_timeout_add(20, [](gpointer) -> gboolean { return G_SOURCE_CONTINUE; }, nullptr);
  run_until([&] { return fd_count(pid) <= want; }, timeout_ms);
  g_source_remove(tick);
  return fd_count(pid);
}

// Connects over plain TCP, sends `bytes`, and returns the seconds until the server closes the
// connection (or -1 when it is still open after 10 s).
double seconds_until_closed(const std::string& https_url, const std::string& bytes) {
  const std::string hostport = tls_host_port(https_url);
  GSocketClient* client = g_socket_client_new();
  GSocketConnection* conn = g_socket_client_connect_to_host(client, hostport.c_str(), 443, nullptr, nullptr);
  g_object_unref(client);
  if (!conn) return -1;
  const gint64 t0 = g_get_monotonic_time();
  GSocket* sock = g_socket_connection_get_socket(conn);
  g_socket_set_timeout(sock, 10);
  if (!bytes.empty()) g_socket_send(sock, bytes.data(), bytes.size(), nullptr, nullptr);
  char buf[256];
  GError* e = nullptr;
  gssize n = 0;
  while ((n = g_socket_receive(sock, buf, sizeof(buf), nullptr, &e)) > 0) {
  }
  const bool timed_out = e && g_error_matches(e, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error(&e);
  g_object_unref(conn);
  return timed_out ? -1 : double(g_get_monotonic_time() - t0) / G_USEC_PER_SEC;
}

class Tls : public TlsServerTest {};

}  // namespace

TEST_F(Tls, HttpsAndWssWithTheServersCertificateAndSecureCookies) {
  start();
  const std::string& url = server_->url();
  ASSERT_EQ(url.rfind("https://127.0.0.1:", 0), 0u) << url;
  for (const auto& l : server_->lines()) EXPECT_EQ(l.find("http://"), std::string::npos) << l;
  GTlsDatabase* ca = tls_test_ca();

  const Response health = https_get(url + "healthz", ca);
  EXPECT_EQ(health.status, 200u) << health.error;
  EXPECT_EQ(health.body, "{\"status\":\"ok\"}");
  // The verification is real: without the test CA the same request fails.
  const Response untrusted = https_get(url + "healthz", nullptr);
  EXPECT_EQ(untrusted.status, 0u);
  EXPECT_FALSE(untrusted.error.empty());

  // The page sets its token cookie with Secure, so a browser never sends it over plain HTTP.
  const Response page = https_get(url + "?token=" + server_->token(), ca);
  EXPECT_EQ(page.status, 200u) << page.error;
  EXPECT_NE(page.set_cookie.find("HttpOnly"), std::string::npos) << page.set_cookie;
  EXPECT_NE(page.set_cookie.find("; Secure"), std::string::npos) << page.set_cookie;

  // Signalling over wss: the handshake, then a session.
  WsClient ws;
  ws.trust(ca);
  ASSERT_EQ(server_->ws_url().rfind("wss://", 0), 0u);
  ASSERT_TRUE(ws.connect(server_->ws_url())) << ws.connect_error();
  ws.send(R"({"type":"hello","version":1,"codecs":[],"transport":"mjpeg"})");
  Json welcome(ws.wait_for("welcome"));
  EXPECT_TRUE(welcome.ok());
  EXPECT_GT(welcome.integer("peer_id", 0), 0);
  WsClient untrusted_ws;
  EXPECT_FALSE(untrusted_ws.connect(server_->ws_url()));

  // Plain HTTP on the TLS port (a link typed with http://) gets a 400 that says to use https,
  // and costs the others nothing.
  const std::string plain = "http://" + url.substr(8);
  std::string headers;
  EXPECT_EQ(raw_http(plain, "GET /healthz", &headers), 400) << headers;
  EXPECT_EQ(https_get(url + "healthz", ca).status, 200u);
  ws.send(R"({"type":"ping","t":1})");
  EXPECT_FALSE(ws.wait_for("pong").empty());
  EXPECT_TRUE(ws.close());
  g_object_unref(ca);
}

// Each https request is a connection with a handshake of its own (one request per connection):
// the wrapping in listener.cpp must leave no descriptor behind, and a client that stalls the
// handshake is closed by the header timeout like any slow client.
TEST_F(Tls, ConnectionsLeaveNoDescriptorsAndStalledHandshakesAreClosed) {
  start({"--http-header-timeout", "1"});
  GTlsDatabase* ca = tls_test_ca();
  const std::string health = server_->url() + "healthz";
  ASSERT_EQ(https_get(health, ca).status, 200u);
  const int base = settle_fds(server_->pid(), 0, 300);
  // One client session (its TLS set-up is costly); the server still closes every connection.
  constexpr int kRequests = 50;  // a leak of one descriptor per connection shows as +50
  SoupSession* session = soup_session_new();
  g_object_set(session, "tls-database", ca, nullptr);
  const gint64 t0 = g_get_monotonic_time();
  for (int i = 0; i < kRequests; ++i) ASSERT_EQ(https_get(session, health).status, 200u) << "request " << i;
  std::printf("%d https requests in %.1f s\n", kRequests, double(g_get_monotonic_time() - t0) / G_USEC_PER_SEC);
  g_object_unref(session);
  const int after = settle_fds(server_->pid(), base, 5000);
  std::printf("descriptors: %d before, %d after %d https requests\n", base, after, kRequests);
  EXPECT_LE(after, base);

  // Nothing at all, and a TLS record header that never gets its body: both closed after the
  // 1 s header timeout (counted from the accept), with 2 s of slack for a loaded machine.
  const double silent = seconds_until_closed(server_->url(), "");
  const double partial = seconds_until_closed(server_->url(), std::string("\x16\x03\x01\x02\x00", 5));
  std::printf("stalled handshakes closed after %.2f s (silent) and %.2f s (partial)\n", silent, partial);
  EXPECT_GE(silent, 0.9);
  EXPECT_LT(silent, 3.0);
  EXPECT_GE(partial, 0.9);
  EXPECT_LT(partial, 3.0);
  EXPECT_EQ(https_get(health, ca).status, 200u);
  EXPECT_LE(settle_fds(server_->pid(), base, 5000), base);
  g_object_unref(ca);
}

TEST(TlsFiles, BadFilesStopTheServerWithExit2AndSayWhichFile) {
  const TempDir& c = tls_certs();
  std::string err;
  EXPECT_EQ(run_to_exit({"--tls-cert", c.file("server.pem")}, &err), 2);
  EXPECT_NE(err.find("--tls-cert and --tls-key go together"), std::string::npos) << err;

  EXPECT_EQ(run_to_exit({"--tls-cert", c.file("missing.pem"), "--tls-key", c.file("server.key")}, &err), 2);
  EXPECT_NE(err.find("missing.pem"), std::string::npos) << err;
  EXPECT_NE(err.find("No such file"), std::string::npos) << err;

  EXPECT_EQ(run_to_exit({"--tls-cert", c.file("server.key"), "--tls-key", c.file("server.key")}, &err), 2);
  EXPECT_NE(err.find("--tls-cert " + c.file("server.key") + ": not a PEM certificate"), std::string::npos) << err;

  EXPECT_EQ(run_to_exit({"--tls-cert", c.file("server.pem"), "--tls-key", c.file("ca.pem")}, &err), 2);
  EXPECT_NE(err.find("--tls-key " + c.file("ca.pem") + ": not a usable PEM private key"), std::string::npos) << err;

  // GLib would take this pair; every handshake would then fail.
  EXPECT_EQ(run_to_exit({"--tls-cert", c.file("server.pem"), "--tls-key", c.file("other.key")}, &err), 2);
  EXPECT_NE(err.find("--tls-key " + c.file("other.key") + " does not belong to the certificate"), std::string::npos)
      << err;

  // The key is right but an issuer's certificate comes first: say how to fix the file.
  EXPECT_EQ(run_to_exit({"--tls-cert", c.file("reversed.pem"), "--tls-key", c.file("server.key")}, &err), 2);
  EXPECT_NE(err.find("the chain is in the wrong order"), std::string::npos) << err;
  EXPECT_NE(err.find("put the server's own certificate first"), std::string::npos) << err;
}

// The same checks in the element: a bad pair fails the state change with an element error naming
// the property; a good one makes the links https.
TEST(TlsFiles, SinkPropertiesFailTheStateChangeOrServeHttps) {
  const TempDir& c = tls_certs();
  auto try_ready = [](GstElement* sink, std::string* error) {
    GstBus* bus = gst_bus_new();
    gst_element_set_bus(sink, bus);
    const GstStateChangeReturn r = gst_element_set_state(sink, GST_STATE_READY);
    GstMessage* m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
    if (m) {
      GError* e = nullptr;
      gst_message_parse_error(m, &e, nullptr);
      *error = e ? e->message : "";
      g_clear_error(&e);
      gst_message_unref(m);
    }
    gst_element_set_state(sink, GST_STATE_NULL);
    gst_element_set_bus(sink, nullptr);
    gst_object_unref(bus);
    return r;
  };
  GstElement* sink = gst_element_factory_make("vtkstreamsink", nullptr);
  ASSERT_NE(sink, nullptr) << "the plugin is not on the test registry";
  g_object_set(sink, "port", 0, "tls-certificate-file", c.file("server.pem").c_str(), "tls-key-file",
               c.file("other.key").c_str(), nullptr);
  std::string error;
  EXPECT_EQ(try_ready(sink, &error), GST_STATE_CHANGE_FAILURE);
  EXPECT_NE(error.find("tls-key-file " + c.file("other.key") + " does not belong"), std::string::npos) << error;

  g_object_set(sink, "tls-key-file", "", nullptr);
  error.clear();
  EXPECT_EQ(try_ready(sink, &error), GST_STATE_CHANGE_FAILURE);
  EXPECT_NE(error.find("tls-certificate-file and tls-key-file go together"), std::string::npos) << error;

  g_object_set(sink, "tls-key-file", c.file("server.key").c_str(), nullptr);
  ASSERT_NE(gst_element_set_state(sink, GST_STATE_READY), GST_STATE_CHANGE_FAILURE);
  gchar* link = nullptr;
  g_object_get(sink, "control-link", &link, nullptr);
  EXPECT_EQ(std::string(link ? link : "").rfind("https://127.0.0.1:", 0), 0u) << (link ? link : "");
  gchar* at = link ? std::strstr(link, "?token=") : nullptr;
  if (at) *at = '\0';
  GTlsDatabase* ca = tls_test_ca();
  EXPECT_EQ(https_get(std::string(link ? link : "") + "healthz", ca).status, 200u);
  g_object_unref(ca);
  g_free(link);
  gst_element_set_state(sink, GST_STATE_NULL);
  gst_object_unref(sink);
}

int main(int argc, char** argv) { return tls_test_main(argc, argv); }
