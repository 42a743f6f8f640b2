// TLS under hostile clients, against the real vtkstream-serve (certificate made at test time by
// tests/common/make_test_cert.sh, tls_fixture.h): clients that stall in the handshake must not delay others or
// grow the server, and protocols older than TLS 1.2 are refused. argv[1]: the server binary,
// argv[2]: the certificate script.
#include <gnutls/gnutls.h>
#include <gst/gst.h>
#include <gtest/gtest.h>
#include <libsoup/soup.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "test_main_context.h"
#include "tls_fixture.h"

using namespace vtkstream::test;

namespace {

// Seconds an https GET of `url` takes (trusting only the test CA), or -1 when it fails.
double https_seconds(const std::string& url) {
  GTlsDatabase* ca = tls_test_ca();
  SoupSession* session = soup_session_new_with_options("tls-database", ca, "timeout", 60, nullptr);
  SoupMessage* msg = soup_message_new("GET", url.c_str());
  const gint64 t0 = g_get_monotonic_time();
  GBytes* body = soup_session_send_and_read(session, msg, nullptr, nullptr);
  const double s = double(g_get_monotonic_time() - t0) / G_USEC_PER_SEC;
  const bool ok = body && soup_message_get_status(msg) == 200;
  if (body) g_bytes_unref(body);
  g_object_unref(msg);
  g_object_unref(session);
  if (ca) g_object_unref(ca);
  return ok ? s : -1;
}

// A /proc/PID/status field in its unit (kB for VmRSS), or -1.
long proc_status(pid_t pid, const std::string& field) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(f, line);)
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  return -1;
}

// Opens `n` TCP connections to the server and sends `bytes` on each; the caller closes them.
std::vector<GSocketConnection*> stall(const std::string& https_url, int n, const std::string& bytes) {
  const std::string hostport = tls_host_port(https_url);
  GSocketClient* client = g_socket_client_new();
  std::vector<GSocketConnection*> conns;
  for (int i = 0; i < n; ++i) {
    GSocketConnection* c = g_socket_client_connect_to_host(client, hostport.c_str(), 443, nullptr, nullptr);
    if (!c) break;
    g_socket_send(g_socket_connection_get_socket(c), bytes.data(), bytes.size(), nullptr, nullptr);
    conns.push_back(c);
  }
  g_object_unref(client);
  return conns;
}

void close_all(std::vector<GSocketConnection*>& conns) {
  for (GSocketConnection* c : conns) g_object_unref(c);
  conns.clear();
}

// The start of a ClientHello that never gets its remaining bytes (its record says 512).
const std::string kPartialHello = std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) + std::string(20, 'A');

class TlsHardening : public TlsServerTest {};

// 200 clients that send part of a ClientHello and go silent (within the default 10 s header
// timeout): before the acceptor waited for the whole ClientHello, each took a handshake thread;
// an honest request then waited ~17 s and RSS grew by ~400 MB (docs/security.md).
TEST_F(TlsHardening, PartialClientHellosDelayNobodyAndCostNoMemory) {
  // A header timeout far above the bound below: a GET stuck behind the stalled clients would
  // wait for their timeout, so the bound can be generous for a loaded machine and still fail.
  start({"--http-header-timeout", "30"});
  const std::string health = server_->url() + "healthz";
  ASSERT_GE(https_seconds(health), 0);
  const long rss0 = proc_status(server_->pid(), "VmRSS"), threads0 = proc_status(server_->pid(), "Threads");
  auto conns = stall(server_->url(), 200, kPartialHello);
  ASSERT_EQ(conns.size(), 200u);
  const double s = https_seconds(health);
  const long rss1 = proc_status(server_->pid(), "VmRSS"), threads1 = proc_status(server_->pid(), "Threads");
  std::printf("200 partial ClientHellos: honest https GET in %.2f s; RSS %ld -> %ld kB; threads %ld -> %ld\n", s,
              rss0, rss1, threads0, threads1);
  EXPECT_GE(s, 0);
  EXPECT_LT(s, 10.0);               // generous for a loaded machine; was ~17 s with a 10 s timeout
  EXPECT_LT(rss1 - rss0, 32 * 1024);  // kB; was ~+400 MB
  EXPECT_LE(threads1 - threads0, 16);
  close_all(conns);
}

// The bytes a GnuTLS client sends first: a complete ClientHello (its pull says "nothing yet").
std::string client_hello() {
  struct Io {
    gnutls_session_t session;
    std::string out;
  } io{};
  gnutls_certificate_credentials_t cred = nullptr;
  gnutls_certificate_allocate_credentials(&cred);
  gnutls_init(&io.session, GNUTLS_CLIENT);
  gnutls_set_default_priority(io.session);
  gnutls_credentials_set(io.session, GNUTLS_CRD_CERTIFICATE, cred);
  gnutls_transport_set_ptr(io.session, &io);
  gnutls_transport_set_push_function(io.session, [](gnutls_transport_ptr_t p, const void* d, size_t n) -> ssize_t {
    static_cast<Io*>(p)->out.append(static_cast<const char*>(d), n);
    return ssize_t(n);
  });
  gnutls_transport_set_pull_function(io.session, [](gnutls_transport_ptr_t p, void*, size_t) -> ssize_t {
    gnutls_transport_set_errno(static_cast<Io*>(p)->session, EAGAIN);
    return -1;
  });
  EXPECT_EQ(gnutls_handshake(io.session), GNUTLS_E_AGAIN);
  gnutls_deinit(io.session);
  gnutls_certificate_free_credentials(cred);
  return io.out;
}

// Whether `c` has bytes to read within `ms` (the server answered its ClientHello).
bool answered(GSocketConnection* c, int ms) {
  GSocket* s = g_socket_connection_get_socket(c);
  g_socket_set_timeout(s, 0);
  return g_socket_condition_timed_wait(s, G_IO_IN, gint64(ms) * 1000, nullptr, nullptr);
}

// 40 clients that send a whole ClientHello and then go silent hold handshake threads until the
// header timeout: at most 16 are served at once (the rest wait for a slot), and an honest
// client is served within about one header timeout.
TEST_F(TlsHardening, StalledHandshakesTakeAtMostSixteenSlots) {
  start({"--http-header-timeout", "4"});
  const std::string health = server_->url() + "healthz";
  ASSERT_GE(https_seconds(health), 0);
  const std::string hello = client_hello();
  ASSERT_GT(hello.size(), 5u);
  auto conns = stall(server_->url(), 40, hello);
  ASSERT_EQ(conns.size(), 40u);
  // Each answered connection got its ServerHello at once; 2 s is a bound for a loaded machine
  // within which the 4 s timeout frees no slot.
  const gint64 until = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
  int served = 0;
  for (GSocketConnection* c : conns)
    served += answered(c, int(std::max<gint64>(0, until - g_get_monotonic_time()) / 1000));
  const double s = https_seconds(health);
  std::printf("40 stalled handshakes: %d answered at once; honest https GET in %.2f s\n", served, s);
  EXPECT_GE(served, 1);
  EXPECT_LE(served, 16);
  EXPECT_GE(s, 0);
  EXPECT_LT(s, 4.0 + 3.0);  // one header timeout, and slack
  close_all(conns);
}

// openssl s_client with one protocol version, sending a request; returns what it printed.
std::string s_client(const std::string& https_url, const char* version) {
  const std::string hostport = tls_host_port(https_url);
  const std::string cmd = "printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' | openssl s_client -connect " + hostport + " " +
                          version + " -cipher DEFAULT@SECLEVEL=0 -CAfile " + tls_certs().file("ca.pem") +
                          " -ign_eof 2>&1";
  gchar* out = nullptr;
  const gchar* argv[] = {"/bin/sh", "-c", cmd.c_str(), nullptr};
  g_spawn_sync(nullptr, const_cast<gchar**>(argv), nullptr, G_SPAWN_DEFAULT, nullptr, nullptr, &out, nullptr, nullptr,
               nullptr);
  std::string r = out ? out : "";
  g_free(out);
  return r;
}

TEST_F(TlsHardening, ProtocolsOlderThanTls12AreRefused) {
  start();
  for (const char* old : {"-tls1", "-tls1_1"}) {
    const std::string out = s_client(server_->url(), old);
    EXPECT_EQ(out.find("HTTP/1.0 200"), std::string::npos) << old << ":\n" << out;
  }
  for (const char* ok : {"-tls1_2", "-tls1_3"}) {
    const std::string out = s_client(server_->url(), ok);
    EXPECT_NE(out.find("HTTP/1.0 200"), std::string::npos) << ok << ":\n" << out;
  }
}

}  // namespace

int main(int argc, char** argv) { return tls_test_main(argc, argv); }
