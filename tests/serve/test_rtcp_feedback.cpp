// RtcpFeedback (plugins/vtkstreamsink/janus/rtcp_feedback.h), the keyframe path from Janus: which
// RTCP packets count as keyframe requests, and over real UDP sockets on loopback, that announce()
// reaches the mountpoint's RTCP port as a receiver report and that a PLI sent back to where the
// report came from (what Janus does) reaches the callback.
#include <gio/gio.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <vector>

#include "rtcp_feedback.h"

namespace vtkstream::sink {
namespace {

using Bytes = std::vector<guint8>;

// Payload-specific feedback (RFC 4585): FMT, PT 206, sender and media SSRC, then FCI words.
Bytes psfb(guint8 fmt, int fci_words) {
  Bytes b = {guint8(0x80 | fmt), 206, 0, guint8(2 + fci_words), 0, 0, 0, 1, 0, 0, 0, 2};
  b.resize(b.size() + 4 * size_t(fci_words), 0);
  return b;
}
const Bytes kRR = {0x80, 201, 0, 1, 0, 0, 0, 9};

bool keyframe(const Bytes& b) { return RtcpFeedback::asks_for_keyframe(b.data(), b.size()); }

TEST(RtcpFeedback, PliAndFirAskForAKeyframe) {
  EXPECT_TRUE(keyframe(psfb(1, 0)));  // PLI
  EXPECT_TRUE(keyframe(psfb(4, 2)));  // FIR with one entry
  Bytes compound = kRR;               // what Janus sends: a report, then the PLI
  const Bytes pli = psfb(1, 0);
  compound.insert(compound.end(), pli.begin(), pli.end());
  EXPECT_TRUE(keyframe(compound));
}

TEST(RtcpFeedback, OtherPacketsAndGarbageDoNot) {
  EXPECT_FALSE(keyframe(kRR));
  Bytes nack = psfb(1, 1);
  nack[1] = 205;  // transport-layer feedback, generic NACK: a retransmission, not a keyframe
  EXPECT_FALSE(keyframe(nack));
  EXPECT_FALSE(keyframe(psfb(15, 1)));  // application-layer feedback (REMB)
  Bytes truncated = psfb(1, 0);
  truncated.resize(10);
  EXPECT_FALSE(keyframe(truncated));
  EXPECT_FALSE(keyframe(Bytes{1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_FALSE(keyframe(Bytes{}));
}

// Runs the default context until `done` or 5 s (a timeout source wakes it; no sleeping).
template <typename F>
bool run_until(F done) {
  bool timed_out = false;
  GSource* t = g_timeout_source_new(5000);
  g_source_set_callback(t, [](gpointer d) { *static_cast<bool*>(d) = true; return G_SOURCE_REMOVE; }, &timed_out, nullptr);
  g_source_attach(t, nullptr);
  while (!done() && !timed_out) g_main_context_iteration(nullptr, TRUE);
  g_source_destroy(t);
  g_source_unref(t);
  return done();
}

TEST(RtcpFeedback, AnnouncesItselfAndTurnsAPliIntoAKeyframeRequest) {
  // The mountpoint's RTCP port, as Janus would hold it.
  GError* err = nullptr;
  GSocket* janus = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &err);
  ASSERT_TRUE(janus) << err->message;
  GInetAddress* lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  GSocketAddress* any_port = g_inet_socket_address_new(lo, 0);
  ASSERT_TRUE(g_socket_bind(janus, any_port, FALSE, &err)) << err->message;
  g_object_unref(any_port);
  g_object_unref(lo);
  GSocketAddress* bound = g_socket_get_local_address(janus, nullptr);
  const int port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
  g_object_unref(bound);

  int requests = 0;
  RtcpFeedback fb;
  std::string why;
  ASSERT_TRUE(fb.open("127.0.0.1", port, [&] { ++requests; }, &why)) << why;
  fb.announce();
  // Janus's side: the report arrives, and its source is where the PLI goes.
  guint8 buf[64];
  GSocketAddress* from = nullptr;
  g_socket_set_timeout(janus, 5);
  const gssize n = g_socket_receive_from(janus, &from, reinterpret_cast<gchar*>(buf), sizeof buf, nullptr, &err);
  ASSERT_EQ(n, 8) << (err ? err->message : "");
  EXPECT_EQ(buf[1], 201);  // a receiver report
  const Bytes pli = psfb(1, 0);
  ASSERT_EQ(g_socket_send_to(janus, from, reinterpret_cast<const gchar*>(pli.data()), pli.size(), nullptr, &err),
            gssize(pli.size()));
  EXPECT_TRUE(run_until([&] { return requests == 1; }));
  EXPECT_EQ(fb.requests(), 1u);
  // A plain report back is not a request.
  ASSERT_EQ(g_socket_send_to(janus, from, reinterpret_cast<const gchar*>(kRR.data()), kRR.size(), nullptr, &err),
            gssize(kRR.size()));
  ASSERT_EQ(g_socket_send_to(janus, from, reinterpret_cast<const gchar*>(pli.data()), pli.size(), nullptr, &err),
            gssize(pli.size()));
  EXPECT_TRUE(run_until([&] { return requests == 2; }));
  EXPECT_EQ(fb.requests(), 2u);
  g_object_unref(from);
  g_object_unref(janus);
}

// A UDP socket on 127.0.0.1 at a port of the kernel's choosing, and that port.
GSocket* loopback_socket(int* port) {
  GSocket* s = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, nullptr);
  GInetAddress* lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  GSocketAddress* a = g_inet_socket_address_new(lo, 0);
  g_socket_bind(s, a, FALSE, nullptr);
  g_object_unref(a);
  g_object_unref(lo);
  GSocketAddress* bound = g_socket_get_local_address(s, nullptr);
  *port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
  g_object_unref(bound);
  g_socket_set_timeout(s, 5);
  return s;
}

TEST(RtcpFeedback, OnlyJanusCanAskForKeyframes) {
  // The socket is there for Janus's RTCP port alone: anyone else who finds it (it listened on
  // every interface) must not be able to make the encoder spend keyframes.
  int janus_port = 0, stranger_port = 0;
  GSocket* janus = loopback_socket(&janus_port);
  GSocket* stranger = loopback_socket(&stranger_port);
  int requests = 0;
  RtcpFeedback fb;
  std::string why;
  ASSERT_TRUE(fb.open("127.0.0.1", janus_port, [&] { ++requests; }, &why)) << why;
  fb.announce();
  guint8 buf[64];
  GSocketAddress* from = nullptr;
  ASSERT_EQ(g_socket_receive_from(janus, &from, reinterpret_cast<gchar*>(buf), sizeof buf, nullptr, nullptr), 8);
  const Bytes pli = psfb(1, 0);
  // The stranger's PLI is queued first, Janus's after it.
  ASSERT_EQ(g_socket_send_to(stranger, from, reinterpret_cast<const gchar*>(pli.data()), pli.size(), nullptr, nullptr),
            gssize(pli.size()));
  ASSERT_EQ(g_socket_send_to(janus, from, reinterpret_cast<const gchar*>(pli.data()), pli.size(), nullptr, nullptr),
            gssize(pli.size()));
  EXPECT_TRUE(run_until([&] { return requests >= 1; }));
  EXPECT_EQ(fb.requests(), 1u);
  g_object_unref(from);
  g_object_unref(stranger);
  g_object_unref(janus);
}

TEST(RtcpFeedback, AHostNameIsRefused) {
  RtcpFeedback fb;
  std::string why;
  EXPECT_FALSE(fb.open("localhost", 5005, [] {}, &why));
  EXPECT_NE(why.find("numeric"), std::string::npos) << why;
}

}  // namespace
}  // namespace vtkstream::sink

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
