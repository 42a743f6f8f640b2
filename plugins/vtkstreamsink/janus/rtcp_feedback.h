// Keyframes for viewers who join through Janus. Janus's streaming plugin, given a video RTCP port
// (videortcpport), sends its viewers' keyframe requests (PLI, and one when a viewer starts) back
// to the address its last RTCP packet came from. So we keep one UDP socket: it sends a minimal
// RTCP receiver report to that port now and then (how Janus learns, and relearns after a restart,
// where to send), and every PLI or FIR that arrives on it becomes a keyframe request of the shared
// encode (Media's keyframe guard still spaces them). Runs on the sink's context; reading the socket
// is a GSource there, so nothing blocks and no thread is added.
#pragma once

#include <gio/gio.h>

#include <functional>
#include <string>

namespace vtkstream::sink {

class RtcpFeedback {
 public:
  using KeyframeFn = std::function<void()>;
  using RefusedFn = std::function<void()>;
  // Resolves `host` (numeric) and binds an ephemeral port of its family. False with *err.
  // `on_refused` (optional): the host answered a report with ICMP port unreachable, i.e. nothing
  // listens on that RTCP port (the mountpoint is not configured, or Janus is restarting).
  bool open(const std::string& host, int rtcp_port, KeyframeFn on_keyframe, std::string* err,
            RefusedFn on_refused = nullptr);
  ~RtcpFeedback();

  // Sends the receiver report (Janus learns our address from it). Cheap; call it periodically.
  void announce();
  unsigned requests() const { return requests_; }  // PLI/FIR received

  // True when `data` is an RTCP compound packet holding a PLI or FIR (RFC 4585, 5104).
  static bool asks_for_keyframe(const guint8* data, gsize size);

 private:
  static gboolean readable(GSocket* s, GIOCondition cond, gpointer self);

  GSocket* socket_ = nullptr;
  GSocketAddress* janus_ = nullptr;
  GSource* watch_ = nullptr;
  KeyframeFn on_keyframe_;
  RefusedFn on_refused_;
  unsigned requests_ = 0;
  guint32 ssrc_ = 0;
};

}  // namespace vtkstream::sink
