#include "rtcp_feedback.h"

#include <gst/rtp/gstrtcpbuffer.h>

#include "sink_context.h"

namespace vtkstream::sink {

bool RtcpFeedback::open(const std::string& host, int rtcp_port, KeyframeFn on_keyframe, std::string* err,
                        RefusedFn on_refused) {
  GInetAddress* addr = g_inet_address_new_from_string(host.c_str());
  if (!addr) {
    *err = "janus: RTCP host '" + host + "' is not a numeric address";
    return false;
  }
  janus_ = g_inet_socket_address_new(addr, guint16(rtcp_port));
  const GSocketFamily family = g_inet_address_get_family(addr);
  GInetAddress* any = g_inet_address_new_any(family);
  g_object_unref(addr);
  GError* gerr = nullptr;
  socket_ = g_socket_new(family, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &gerr);
  GSocketAddress* local = g_inet_socket_address_new(any, 0);
  g_object_unref(any);
  if (socket_) g_socket_set_blocking(socket_, FALSE);
  // Connected to Janus's RTCP port: the kernel then delivers only what comes from there (Janus
  // sends its PLI from that port), and the socket has the one local address that reaches Janus
  // instead of listening on every interface for anyone's keyframe requests.
  const bool ok = socket_ && g_socket_bind(socket_, local, FALSE, &gerr) && g_socket_connect(socket_, janus_, nullptr, &gerr);
  g_object_unref(local);
  if (!ok) {
    *err = std::string("janus: cannot open the RTCP socket: ") + (gerr ? gerr->message : "?");
    g_clear_error(&gerr);
    return false;
  }
  on_keyframe_ = std::move(on_keyframe);
  on_refused_ = std::move(on_refused);
  ssrc_ = g_random_int();
  watch_ = g_socket_create_source(socket_, G_IO_IN, nullptr);
  g_source_set_callback(watch_, G_SOURCE_FUNC(+[](GSocket* s, GIOCondition c, gpointer d) { return readable(s, c, d); }),
                        this, nullptr);
  g_source_attach(watch_, current_context());
  return true;
}

RtcpFeedback::~RtcpFeedback() {
  cancel_source(watch_);
  if (socket_) {
    g_socket_close(socket_, nullptr);
    g_object_unref(socket_);
  }
  if (janus_) g_object_unref(janus_);
}

void RtcpFeedback::announce() {
  if (!socket_) return;
  // An empty receiver report: V=2, RC=0, PT=201, length 1 (32-bit words after the first), SSRC.
  const guint8 rr[8] = {0x80, 201, 0, 1, guint8(ssrc_ >> 24), guint8(ssrc_ >> 16), guint8(ssrc_ >> 8), guint8(ssrc_)};
  // A full socket buffer or an ICMP error from a Janus that is down loses one report; the next
  // announcement repeats it.
  g_socket_send_to(socket_, janus_, reinterpret_cast<const gchar*>(rr), sizeof rr, nullptr, nullptr);
}

bool RtcpFeedback::asks_for_keyframe(const guint8* data, gsize size) {
  // gst_rtcp_buffer_validate_data checks the compound packet's structure (version, lengths).
  if (!gst_rtcp_buffer_validate_data_reduced(const_cast<guint8*>(data), guint(size))) return false;
  GstBuffer* buf = gst_buffer_new_memdup(data, size);
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  bool key = false;
  if (gst_rtcp_buffer_map(buf, GST_MAP_READ, &rtcp)) {
    GstRTCPPacket p;
    for (gboolean more = gst_rtcp_buffer_get_first_packet(&rtcp, &p); more && !key;
         more = gst_rtcp_packet_move_to_next(&p)) {
      if (gst_rtcp_packet_get_type(&p) != GST_RTCP_TYPE_PSFB) continue;
      const GstRTCPFBType t = gst_rtcp_packet_fb_get_type(&p);
      key = t == GST_RTCP_PSFB_TYPE_PLI || t == GST_RTCP_PSFB_TYPE_FIR;
    }
    gst_rtcp_buffer_unmap(&rtcp);
  }
  gst_buffer_unref(buf);
  return key;
}

gboolean RtcpFeedback::readable(GSocket* s, GIOCondition, gpointer data) {
  auto* self = static_cast<RtcpFeedback*>(data);
  guint8 buf[1500];
  // Drain what is there; anything that is not a keyframe request (Janus's own reports) is ignored.
  for (;;) {
    GError* err = nullptr;
    const gssize n = g_socket_receive(s, reinterpret_cast<gchar*>(buf), sizeof buf, nullptr, &err);
    if (n < 0) {
      // WOULD_BLOCK: drained. Or the ICMP error of a report that reached no Janus (the socket is
      // connected): reading it clears it, and the probe is what reports Janus down.
      const bool refused = g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
      g_error_free(err);
      if (refused && self->on_refused_) {
        self->on_refused_();
        continue;  // the error is cleared: read what else is there
      }
      break;
    }
    if (asks_for_keyframe(buf, gsize(n))) {
      ++self->requests_;
      if (self->on_keyframe_) self->on_keyframe_();
    }
  }
  return G_SOURCE_CONTINUE;
}

}  // namespace vtkstream::sink
