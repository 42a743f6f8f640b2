// JanusProbe (plugins/vtkstreamsink/janus/janus_probe.h) against HTTP servers on loopback that
// play a broken or hostile Janus: one whose /info answer never ends (the probe must stop reading
// and say down, not grow the server by gigabytes) and one that answers once and then trickles a
// byte at a time (the probe must count it as down after its timeout, not stay "up" forever).
// The servers are plain GSocketService on the test's own context, written by hand because the
// point is to misbehave in ways an HTTP server library would not.
#include <gio/gio.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <string>

#include "janus_probe.h"

namespace vtkstream::sink {
namespace {

const std::string kInfo = R"({"janus": "server_info", "version_string": "1.2.3"})";

class FakeJanus {
 public:
  enum Mode { kGood, kEndless, kTrickle, kRaw };  // kRaw: the body given is the whole response
  // The first `good` requests are answered properly, the rest as `then`.
  FakeJanus(int good, Mode then, std::string body = kInfo) : good_(good), then_(then), body_(std::move(body)) {
    service_ = g_socket_service_new();
    GInetAddress* lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    GSocketAddress* a = g_inet_socket_address_new(lo, 0);
    GSocketAddress* bound = nullptr;
    GError* err = nullptr;
    g_socket_listener_add_address(G_SOCKET_LISTENER(service_), a, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                  nullptr, &bound, &err);
    g_assert_no_error(err);
    port_ = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
    g_object_unref(bound);
    g_object_unref(a);
    g_object_unref(lo);
    g_signal_connect(service_, "incoming", G_CALLBACK(+[](GSocketService*, GSocketConnection* c, GObject*, gpointer d) {
                       static_cast<FakeJanus*>(d)->accept(c);
                       return TRUE;
                     }),
                     this);
  }
  ~FakeJanus() {
    g_socket_service_stop(service_);
    g_socket_listener_close(G_SOCKET_LISTENER(service_));
    g_object_unref(service_);
    for (Conn* c : conns_) c->gone = true;  // their callbacks and timers end with the connections
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/janus"; }
  int requests() const { return served_; }
  guint64 body_bytes_sent() const { return sent_; }

 private:
  struct Conn {
    FakeJanus* server;
    GSocketConnection* c;
    Mode mode;
    char request[4096];
    bool gone = false;
  };

  void accept(GSocketConnection* sc) {
    auto* c = new Conn{this, G_SOCKET_CONNECTION(g_object_ref(sc)), served_++ < good_ ? kGood : then_, {}};
    conns_.push_back(c);
    // Read the request before answering: closing with it unread would reset the connection.
    g_input_stream_read_async(g_io_stream_get_input_stream(G_IO_STREAM(sc)), c->request, sizeof c->request,
                              G_PRIORITY_DEFAULT, nullptr, +[](GObject* s, GAsyncResult* r, gpointer d) {
                                g_input_stream_read_finish(G_INPUT_STREAM(s), r, nullptr);
                                auto* c = static_cast<Conn*>(d);
                                if (!c->gone) c->server->answer(c);
                              }, c);
  }

  static GOutputStream* out(Conn* c) { return g_io_stream_get_output_stream(G_IO_STREAM(c->c)); }
  static bool write(Conn* c, const std::string& s) {
    return g_output_stream_write_all(out(c), s.data(), s.size(), nullptr, nullptr, nullptr);
  }

  void answer(Conn* c) {
    if (c->mode == kRaw) {
      write(c, body_);
      g_io_stream_close(G_IO_STREAM(c->c), nullptr, nullptr);
    } else if (c->mode == kGood) {
      write(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body_.size()) +
                   "\r\nConnection: close\r\n\r\n" + body_);
      g_io_stream_close(G_IO_STREAM(c->c), nullptr, nullptr);
    } else if (c->mode == kEndless) {
      write(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
      more(c);
    } else {  // kTrickle: a complete-looking start, then one byte every 100 ms, never the end
      write(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n");
      g_timeout_add(100, +[](gpointer d) -> gboolean {
        auto* c = static_cast<Conn*>(d);
        return !c->gone && write(c, " ") ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
      }, c);
    }
  }

  // One more 64 KiB chunk of the endless answer each time the last one is written.
  void more(Conn* c) {
    static const std::string chunk = "10000\r\n" + std::string(0x10000, ' ') + "\r\n";
    g_output_stream_write_all_async(out(c), chunk.data(), chunk.size(), G_PRIORITY_DEFAULT, nullptr,
                                    +[](GObject* s, GAsyncResult* r, gpointer d) {
                                      auto* c = static_cast<Conn*>(d);
                                      if (!g_output_stream_write_all_finish(G_OUTPUT_STREAM(s), r, nullptr, nullptr) ||
                                          c->gone)
                                        return;
                                      c->server->sent_ += 0x10000;
                                      c->server->more(c);
                                    }, c);
  }

  GSocketService* service_ = nullptr;
  int port_ = 0;
  int good_ = 0, served_ = 0;
  Mode then_;
  std::string body_;
  guint64 sent_ = 0;
  std::vector<Conn*> conns_;  // leaked on purpose: pending callbacks may still name them
};

// Runs the default context until `done` or `ms` (a timeout source wakes it; no sleeping).
template <typename F>
bool run_until(F done, guint ms) {
  bool timed_out = false;
  GSource* t = g_timeout_source_new(ms);
  g_source_set_callback(t, [](gpointer d) { *static_cast<bool*>(d) = true; return G_SOURCE_REMOVE; }, &timed_out, nullptr);
  g_source_attach(t, nullptr);
  while (!done() && !timed_out) g_main_context_iteration(nullptr, TRUE);
  g_source_destroy(t);
  g_source_unref(t);
  return done();
}

struct Seen {
  int ups = 0, downs = 0;
  std::string why;
};

TEST(JanusProbe, JanusAnsweringIsUp) {
  FakeJanus janus(1000, FakeJanus::kGood);
  Seen seen;
  JanusProbe probe(janus.url(), [&](bool up, const std::string& why) { (up ? seen.ups : seen.downs)++, seen.why = why; });
  ASSERT_TRUE(run_until([&] { return seen.ups > 0; }, 5000));
  EXPECT_EQ(seen.why, "Janus 1.2.3");
  EXPECT_EQ(seen.downs, 0);
}

TEST(JanusProbe, AnEndlessAnswerIsDownAndReadOnlyInPart) {
  FakeJanus janus(0, FakeJanus::kEndless);
  Seen seen;
  JanusProbe probe(janus.url(), [&](bool up, const std::string& why) { (up ? seen.ups : seen.downs)++, seen.why = why; });
  ASSERT_TRUE(run_until([&] { return seen.downs > 0; }, 5000)) << "the probe kept reading an endless answer";
  EXPECT_NE(seen.why.find("larger than 64 KiB"), std::string::npos) << seen.why;
  EXPECT_EQ(seen.ups, 0);
  // What the server managed to send: the probe's 64 KiB plus what the sockets' buffers held.
  EXPECT_LT(janus.body_bytes_sent(), 16u << 20);
}

TEST(JanusProbe, AJanusThatStopsFinishingItsAnswersGoesDown) {
  FakeJanus janus(1, FakeJanus::kTrickle);
  Seen seen;
  JanusProbe probe(janus.url(), [&](bool up, const std::string& why) { (up ? seen.ups : seen.downs)++, seen.why = why; });
  ASSERT_TRUE(run_until([&] { return seen.ups > 0; }, 5000));
  // The next probe comes after kUpIntervalMs and is given kTimeoutS in all, trickle or not.
  const guint bound = JanusProbe::kUpIntervalMs + JanusProbe::kTimeoutS * 1000 + 2000;
  ASSERT_TRUE(run_until([&] { return seen.downs > 0; }, bound)) << "a trickling answer kept Janus 'up'";
  EXPECT_EQ(seen.why, "no complete answer within 2 s");
}

// Counts CRITICALs of json-glib while alive (a GLib CRITICAL is a caller's bug, and fatal under
// G_DEBUG=fatal-criticals).
struct JsonCriticals {
  int n = 0;
  guint id = g_log_set_handler("Json", GLogLevelFlags(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING),
                               +[](const gchar*, GLogLevelFlags, const gchar*, gpointer d) { ++*static_cast<int*>(d); },
                               &n);
  ~JsonCriticals() { g_log_remove_handler("Json", id); }
};

TEST(JanusProbe, AnAnswerOfTheWrongShapeIsDownWithoutCriticals) {
  for (const char* body : {R"({"janus": {"x": 1}})", R"({"janus": ["server_info"]})", R"([1, 2])", "null"}) {
    FakeJanus janus(1000, FakeJanus::kGood, body);
    JsonCriticals criticals;
    Seen seen;
    JanusProbe probe(janus.url(), [&](bool up, const std::string& why) { (up ? seen.ups : seen.downs)++, seen.why = why; });
    ASSERT_TRUE(run_until([&] { return seen.downs > 0 || seen.ups > 0; }, 5000)) << body;
    EXPECT_EQ(seen.downs, 1) << body;
    EXPECT_EQ(seen.why, "the answer is not Janus's server_info") << body;
    EXPECT_EQ(criticals.n, 0) << body;
  }
}

TEST(JanusProbe, TheVersionReachesTheLogOnlyAsShortPrintableText) {
  // A version string that would write a second, forged line (in red) into the operator's log.
  FakeJanus janus(1000, FakeJanus::kGood,
                  R"({"janus": "server_info", "version_string": "1.1\nvtkstream-serve: \u001b[31mforged"})");
  JsonCriticals criticals;
  Seen seen;
  JanusProbe probe(janus.url(), [&](bool up, const std::string& why) { (up ? seen.ups : seen.downs)++, seen.why = why; });
  ASSERT_TRUE(run_until([&] { return seen.ups > 0; }, 5000));
  EXPECT_EQ(seen.why, "Janus 1.1?vtkstream-serve: ?[31mforged");
  // An array where the version belongs: still Janus, version unknown, and no CRITICAL.
  FakeJanus other(1000, FakeJanus::kGood, R"({"janus": "server_info", "version_string": [1]})");
  Seen seen2;
  JanusProbe probe2(other.url(), [&](bool up, const std::string& why) { (up ? seen2.ups : seen2.downs)++, seen2.why = why; });
  ASSERT_TRUE(run_until([&] { return seen2.ups > 0; }, 5000));
  EXPECT_EQ(seen2.why, "Janus ?");
  EXPECT_EQ(criticals.n, 0);
}

TEST(JanusProbe, ARedirectIsNotFollowed) {
  // The probe goes where it was told and nowhere else: a redirect (here to a real Janus-like
  // answer on another port, in the wild anywhere) is an answer that is not Janus's.
  FakeJanus elsewhere(1000, FakeJanus::kGood);
  FakeJanus janus(0, FakeJanus::kRaw,
                  "HTTP/1.1 302 Found\r\nLocation: " + elsewhere.url() + "/info\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  Seen seen;
  JanusProbe probe(janus.url(), [&](bool up, const std::string& why) { (up ? seen.ups : seen.downs)++, seen.why = why; });
  ASSERT_TRUE(run_until([&] { return seen.downs > 0 || seen.ups > 0; }, 5000));
  EXPECT_EQ(seen.downs, 1);
  EXPECT_EQ(seen.why, "HTTP 302");
  EXPECT_EQ(elsewhere.requests(), 0);
}

}  // namespace
}  // namespace vtkstream::sink

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
