// A stand-in for Janus on loopback, for the janus-rungs tests: an HTTP server that answers
// GET /janus/info as Janus does (the probe's only question), and UDP sockets on the mountpoints'
// ports (rung N: video port + 2N, RTCP port + 2N) that play the streaming plugin's side.
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>
#include <gtest/gtest.h>
#include <libsoup/soup.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "janus_forwarder.h"
#include "rtp_splice.h"

namespace vtkstream::sink::test {

constexpr int kRungs = 3;

// GET <api>/info answered as Janus 1.1.2 answers it; everything else 404.
class FakeJanusApi {
 public:
  explicit FakeJanusApi(guint port = 0) {
    server_ = soup_server_new(nullptr, nullptr);
    soup_server_add_handler(
        server_, "/janus/info",
        [](SoupServer*, SoupServerMessage* msg, const char*, GHashTable*, gpointer) {
          static const char kInfo[] = R"({"janus": "server_info", "name": "Janus WebRTC Server", "version_string": "1.1.2"})";
          soup_server_message_set_status(msg, SOUP_STATUS_OK, nullptr);
          soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_STATIC, kInfo, sizeof kInfo - 1);
        },
        nullptr, nullptr);
    GError* err = nullptr;
    GInetAddress* lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    GSocketAddress* addr = g_inet_socket_address_new(lo, guint16(port));
    EXPECT_TRUE(soup_server_listen(server_, addr, SoupServerListenOptions(0), &err)) << (err ? err->message : "");
    g_clear_error(&err);
    g_object_unref(addr);
    g_object_unref(lo);
    GSList* uris = soup_server_get_uris(server_);
    port_ = uris ? g_uri_get_port(static_cast<GUri*>(uris->data)) : 0;
    g_slist_free_full(uris, reinterpret_cast<GDestroyNotify>(g_uri_unref));
  }
  ~FakeJanusApi() {
    soup_server_disconnect(server_);
    g_object_unref(server_);
  }
  guint port() const { return port_; }

 private:
  SoupServer* server_;
  guint port_ = 0;
};

// What Janus's streaming plugin holds for one rung's mountpoint: its RTP and RTCP sockets. Counts
// RTP packets and VP8 keyframe starts; remembers where our RTCP reports come from (Janus sends its
// PLIs there).
struct Mountpoint {
  GSocket* rtp = nullptr;
  GSocket* rtcp = nullptr;
  GSource* watch = nullptr;
  GSource* rtcp_watch = nullptr;
  int packets = 0;
  int keyframes = 0;
  GSocketAddress* reporter = nullptr;  // the sink's RTCP socket, once it reported

  ~Mountpoint() {
    for (GSource* s : {watch, rtcp_watch})
      if (s) {
        g_source_destroy(s);
        g_source_unref(s);
      }
    for (GSocket* s : {rtp, rtcp})
      if (s) g_object_unref(s);
    if (reporter) g_object_unref(reporter);
  }

  static gboolean on_rtp(GSocket* s, GIOCondition, gpointer d) {
    auto* m = static_cast<Mountpoint*>(d);
    guint8 buf[2048];
    gssize n;
    while ((n = g_socket_receive(s, reinterpret_cast<gchar*>(buf), sizeof buf, nullptr, nullptr)) > 0) {
      ++m->packets;
      GstBuffer* b = gst_buffer_new_memdup(buf, gsize(n));
      if (rtp_starts_keyframe(b, Codec::kVP8)) ++m->keyframes;
      gst_buffer_unref(b);
    }
    return G_SOURCE_CONTINUE;
  }
  static gboolean on_rtcp(GSocket* s, GIOCondition, gpointer d) {
    auto* m = static_cast<Mountpoint*>(d);
    gchar buf[1500];
    GSocketAddress* from = nullptr;
    while (g_socket_receive_from(s, &from, buf, sizeof buf, nullptr, nullptr) > 0) {
      if (m->reporter) g_object_unref(m->reporter);
      m->reporter = from;
      from = nullptr;
    }
    return G_SOURCE_CONTINUE;
  }
  // A PLI (RFC 4585: PT 206, FMT 1) to the sink's RTCP socket, as Janus sends one for a viewer.
  bool send_pli() const {
    if (!reporter) return false;
    const guint8 pli[12] = {0x81, 206, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2};
    return g_socket_send_to(rtcp, reporter, reinterpret_cast<const gchar*>(pli), sizeof pli, nullptr, nullptr) == 12;
  }
};

inline GSocket* udp_on(int port) {
  GSocket* s = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, nullptr);
  GInetAddress* lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  GSocketAddress* a = g_inet_socket_address_new(lo, guint16(port));
  const bool ok = g_socket_bind(s, a, FALSE, nullptr);
  g_object_unref(a);
  g_object_unref(lo);
  if (!ok) {
    g_object_unref(s);
    return nullptr;
  }
  g_socket_set_blocking(s, FALSE);
  return s;
}

// The mountpoints of kRungs rungs on ports base + 2N (RTP) and base + 1 + 2N (RTCP): true when all
// could be bound. The caller tries another base when some port is taken.
inline bool bind_mountpoints(int base, std::array<std::unique_ptr<Mountpoint>, kRungs>* out) {
  for (int r = 0; r < kRungs; ++r) {
    auto m = std::make_unique<Mountpoint>();
    m->rtp = udp_on(base + 2 * r);
    m->rtcp = udp_on(base + 1 + 2 * r);
    if (!m->rtp || !m->rtcp) return false;
    m->watch = g_socket_create_source(m->rtp, G_IO_IN, nullptr);
    g_source_set_callback(m->watch, G_SOURCE_FUNC(Mountpoint::on_rtp), m.get(), nullptr);
    g_source_attach(m->watch, nullptr);
    m->rtcp_watch = g_socket_create_source(m->rtcp, G_IO_IN, nullptr);
    g_source_set_callback(m->rtcp_watch, G_SOURCE_FUNC(Mountpoint::on_rtcp), m.get(), nullptr);
    g_source_attach(m->rtcp_watch, nullptr);
    (*out)[r] = std::move(m);
  }
  return true;
}

// A /metrics sample of the forwarder's: `name`{janus=..., rung=N}.
inline double rung_metric(const std::vector<std::unique_ptr<JanusForwarder>>& all, const std::string& name, int rung) {
  for (const MetricFamily& f : JanusForwarder::families(all))
    if (f.name == name)
      for (const auto& s : f.samples)
        for (const auto& [k, v] : s.labels)
          if (k == "rung" && v == std::to_string(rung)) return s.value;
  return -1;
}


}  // namespace vtkstream::sink::test
