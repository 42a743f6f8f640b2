// Peer's WebSocket video (docs/protocol.md "WebSocket video"): the hub of the viewer's rung
// (ws_video_hubs.h; moves in peer_ws_rungs.cpp) hands the cached GOP and then each encoded frame here, the flow control (ws_video_flow.h) decides whether it goes out,
// and the page's binary acks move the window and feed this viewer's congestion controller.
#include <gst/gst.h>

#include "media.h"
#include "peer.h"
#include "sink_context.h"
#include "ws_video_wire.h"

GST_DEBUG_CATEGORY_STATIC(sink_ws_video_debug);
#define GST_CAT_DEFAULT sink_ws_video_debug

namespace vtkstream::sink {

namespace {
// Acks reach the congestion controller in batches, as often as a WebRTC page reports its stats.
constexpr int64_t kReportUs = 300'000;

// A start used to build a branch (a queue thread, a depayloader) whose removal finished later on
// this context, so a page switching ws-video on and off in a burst built thousands of them
// before any went away: 5000 switches blocked the sink's context for 32 s (every viewer
// stalled), with 5000 threads and +200 MB. Stops stay immediate; starts come at most this often.
constexpr int64_t kMinWsStartUs = 250'000;

// Whether the kernel takes more bytes on this socket now. Acks alone cannot bound what we hold:
// a page can ack frames it never read (ids are 1, 2, 3, ...), and libsoup queues every message
// it cannot write yet without a limit, so a page that stops reading while it acks would grow
// that queue forever. When the socket is full the frame is skipped like one that finds the
// window full. (libsoup has no public count of its queued bytes; the socket's state is the
// next best thing: libsoup writes a message at once when it can, so it queues at most what
// did not fit.)
bool socket_takes_more(SoupWebsocketConnection* ws) {
  GOutputStream* out = g_io_stream_get_output_stream(soup_websocket_connection_get_io_stream(ws));
  if (!G_IS_POLLABLE_OUTPUT_STREAM(out) || !g_pollable_output_stream_can_poll(G_POLLABLE_OUTPUT_STREAM(out)))
    return true;
  return g_pollable_output_stream_is_writable(G_POLLABLE_OUTPUT_STREAM(out));
}
}  // namespace

void Peer::want_ws_video(bool on, Codec codec) {
  if (!on) {
    cancel_source(ws_start_source_);
    stop_ws_video();
    return;
  }
  if (ws_on_ || ws_pending_ || ws_start_source_) return;
  const int64_t wait_us = ws_started_us_ + kMinWsStartUs - g_get_monotonic_time();
  if (wait_us <= 0) {
    start_ws_video(codec);
    return;
  }
  ws_start_source_ = add_timeout(static_cast<guint>(wait_us / 1000 + 1), [this, codec] {
    cancel_source(ws_start_source_);
    start_ws_video(codec);
    return false;
  });
}

void Peer::start_ws_video(Codec codec) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(sink_ws_video_debug, "vtkstreamsink-wsvideo", 0, "vtkstreamsink WebSocket video");
    g_once_init_leave(&once, 1);
  }
  if (ws_on_ || !env_.injector || !env_.ws_hubs) return;
  // Before the first caps the encode's codec is a guess (pass-through input decides it), and a
  // depayloader for the wrong one on the RTP tee refuses the caps of the encode linked later:
  // the whole pipeline failed (pre-encoded H.264, a page faster than the caps). It starts at
  // the caps instead (media_ready), with the codec they say.
  if (env_.media->input() == Media::Input::kNone) {
    ws_pending_ = true;
    return;
  }
  ws_pending_ = false;
  codec = env_.media->codec();
  ws_codec_ = codec;
  ws_flow_ = std::make_unique<WsVideoFlow>();
  ws_started_us_ = g_get_monotonic_time();
  env_.echo->set_transport(id_, Transport::kWs);
  // Every viewer starts on the top rung (its GOP is cached; rung 0 always exists); the rung policy
  // moves it once its estimate or pin says so (move_to_rung).
  ws_rung_ = 0;
  ws_next_rung_.reset();
  std::string err;
  ws_on_ = ws_subscribe(0, true, &err);
  if (!ws_on_) {
    GST_WARNING("peer %u: %s", id_, err.c_str());
    send(error_message({ErrorCode::kInternal, err}));
    ws_flow_.reset();
    return;
  }
  ws_report_us_ = g_get_monotonic_time();
  if (env_.adaptive && !rate_) rate_ = std::make_unique<ViewerRate>(id_, env_.rate_limits);
  GST_INFO("peer %u: WebSocket video on (%s)", id_, codec_name(codec));
  if (env_.rate_changed) env_.rate_changed(id_);  // a pinned or weak viewer goes to its rung now
}

void Peer::media_ready() {
  if (ws_pending_) start_ws_video(env_.media->codec());
}

void Peer::stop_ws_video() {
  ws_pending_ = false;
  if (ws_flow_ && ws_on_) {
    ws_unsubscribe(ws_rung_);
    if (ws_next_rung_) ws_unsubscribe(*ws_next_rung_);
  }
  ws_next_rung_.reset();
  if (!ws_flow_) return;
  ws_on_ = false;
  ws_flow_.reset();
  ws_min_rtt_us_.reset();
  if (!session_) rate_.reset();
  env_.echo->set_transport(id_, mjpeg() ? Transport::kMjpeg : Transport::kWebRtc);
  GST_INFO("peer %u: WebSocket video off", id_);
}

void Peer::ws_frame(const WsVideoBranch::Frame& f) {
  if (!ws_flow_ || soup_websocket_connection_get_state(ws_) != SOUP_WEBSOCKET_STATE_OPEN) return;
  const int64_t now = g_get_monotonic_time();
  // This viewer's echo only (EchoTracker::frame_for).
  const uint64_t echo = env_.echo->frame_for(id_, f.input_seq, Transport::kWs);
  if (f.after_gap) ws_flow_->lost();  // frames we never saw: wait for a keyframe
  if (!socket_takes_more(ws_)) {
    ws_flow_->skipped_full(g_bytes_get_size(f.data));  // the page's decoder needs a keyframe next
    env_.media->metrics().ws_frames_skipped.add();
    GST_LOG("peer %u: WebSocket video frame skipped (socket full)", id_);
    return;
  }
  const WsVideoFlow::Offer o = ws_flow_->offer(f.keyframe, g_bytes_get_size(f.data), echo, now);
  if (o.want_keyframe) env_.media->force_keyframe(ws_rung_);
  if (!o.send) {
    env_.media->metrics().ws_frames_skipped.add();
    GST_LOG("peer %u: WebSocket video frame skipped (%zu in flight)", id_, ws_flow_->in_flight());
    return;
  }
  ws_send(f.keyframe, false, o.frame_id, o.seq, f.pts_ns, f.data);
}

// The current GOP to a viewer who just joined (ws_gop_cache.h), at once: it counts as one frame in
// flight (WsVideoFlow::replay), so the live frame after it goes out as usual.
void Peer::ws_replay(const std::deque<GopCache::Frame>& gop) {
  if (gop.empty() || soup_websocket_connection_get_state(ws_) != SOUP_WEBSOCKET_STATE_OPEN) return;
  size_t bytes = 0;
  for (const GopCache::Frame& f : gop) bytes += g_bytes_get_size(f.data);
  uint32_t id = ws_flow_->replay(gop.size(), bytes, g_get_monotonic_time());
  for (const GopCache::Frame& f : gop) ws_send(f.keyframe, true, id++, 0, f.pts_ns, f.data);
  GST_INFO("peer %u: WebSocket video joined with the cached GOP (%zu frames, %zu bytes)", id_, gop.size(), bytes);
}

void Peer::ws_send(bool keyframe, bool cached, uint32_t frame_id, uint64_t seq, uint64_t pts_ns, GBytes* data) {
  gsize n = 0;
  const auto* bytes = static_cast<const uint8_t*>(g_bytes_get_data(data, &n));
  wsvideo::FrameHeader h;
  h.codec = wsvideo::codec_id(ws_codec_);
  h.keyframe = keyframe;
  h.cached = cached;
  h.frame_id = frame_id;
  h.seq = seq;
  h.pts_us = pts_ns / 1000;
  int w = 0, ht = 0;
  env_.media->rung_size(ws_rung_, &w, &ht);  // the rung's picture, which the page's decoder gets
  h.width = static_cast<uint16_t>(w);
  h.height = static_cast<uint16_t>(ht);
  const std::vector<uint8_t> msg = wsvideo::encode_frame(h, bytes, n);
  soup_websocket_connection_send_binary(ws_, msg.data(), msg.size());
  env_.media->metrics().ws_sent_bytes.add(msg.size());
}

void Peer::on_binary(const uint8_t* data, size_t n) {
  const auto rec = wsvideo::parse_record(data, n);
  if (const auto* bad = std::get_if<wsvideo::BadRecord>(&rec)) {
    // Only this viewer's socket ends; the reason says why (the page shows it, people read it).
    const std::string reason = "bad binary message: " + bad->reason;
    log_limit_once("binary", "closing: " + reason);
    if (soup_websocket_connection_get_state(ws_) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close(ws_, SOUP_WEBSOCKET_CLOSE_UNSUPPORTED_DATA, reason.substr(0, 120).c_str());
    return;
  }
  if (!ws_flow_) return;  // a late ack after the video stopped
  const int64_t now = g_get_monotonic_time();
  const WsVideoFlow::AckResult r = ws_flow_->ack(std::get<wsvideo::Ack>(rec).frame_id, now);
  if (r.want_keyframe) env_.media->force_keyframe(ws_rung_);
  if (r.rtt_us && (!ws_min_rtt_us_ || *r.rtt_us < *ws_min_rtt_us_)) ws_min_rtt_us_ = r.rtt_us;
  if (r.known && now - ws_report_us_ >= kReportUs) ws_report(now);
}

// WebRTC's own statistics steer a viewer that has both (the page's `stats`); acks steer the rest.
void Peer::ws_report(int64_t now_us) {
  ws_report_us_ = now_us;
  std::optional<double> rtt;
  if (ws_min_rtt_us_) rtt = double(*ws_min_rtt_us_) / 1e6;
  ws_min_rtt_us_.reset();
  if (!rate_ || session_) return;
  rate_->on_ws({now_us, ws_flow_->bytes_offered(), ws_flow_->bytes_acked(), rtt, ws_flow_->frames_sent(),
                ws_flow_->frames_skipped()},
               [this] { estimate_changed(); });
}

}  // namespace vtkstream::sink
