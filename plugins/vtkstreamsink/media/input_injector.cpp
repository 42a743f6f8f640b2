#include "input_injector.h"

#include <gst/rtp/gstrtpbuffer.h>

#include "input_events.h"
#include "sink_context.h"
#include "vtkstream/vtksrc-contract.h"

namespace vtkstream::sink {

InputInjector::InputInjector(GstPad* sink_pad, GstElement* rtp_tee, SinkMetrics* metrics)
    : sink_pad_(GST_PAD(gst_object_ref(sink_pad))), rtp_pad_(gst_element_get_static_pad(rtp_tee, "sink")),
      metrics_(metrics) {
  probe_ = gst_pad_add_probe(rtp_pad_,
                             static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
                             on_rtp, this, nullptr);
}

InputInjector::~InputInjector() {
  gst_pad_remove_probe(rtp_pad_, probe_);
  stop();
  gst_object_unref(rtp_pad_);
  gst_object_unref(sink_pad_);
}

void InputInjector::start(GMainContext* ctx, EchoFn fn) {
  std::lock_guard lock(lock_);
  if (ctx_) g_main_context_unref(ctx_);
  ctx_ = g_main_context_ref(ctx);
  fn_ = std::make_shared<EchoFn>(std::move(fn));
}

void InputInjector::stop() {
  std::lock_guard lock(lock_);
  if (ctx_) g_main_context_unref(ctx_);
  ctx_ = nullptr;
  fn_.reset();
}

bool InputInjector::inject(uint32_t peer, const InputRecord& r, int width, int height) {
  const uint64_t global = echo_.record(peer, r.seq);
  GstEvent* ev = make_input_event(r, global, peer, width, height);
  if (!ev) return false;
  if (metrics_) {
    std::lock_guard lock(sent_lock_);
    sent_.emplace_back(global, g_get_monotonic_time());
    // Input a source never echoes (videotestsrc ignores navigation) must not pile up.
    while (sent_.size() > EchoTracker::kMaxPendingPerPeer) sent_.pop_front();
  }
  // Out of the sink pad to whatever is upstream (vtksrc's GstBaseSrc handles navigation events
  // arriving on its source pad).
  return gst_pad_push_event(sink_pad_, ev);
}

void InputInjector::photon(uint64_t seq) {
  if (seq == 0 || !metrics_) return;
  const int64_t now = g_get_monotonic_time();
  std::lock_guard lock(sent_lock_);
  while (!sent_.empty() && sent_.front().first <= seq) {
    metrics_->input_to_photon_seconds.observe(double(now - sent_.front().second) / 1e6);
    sent_.pop_front();
  }
}

void InputInjector::frame(uint64_t seq, Transport transport, std::optional<uint32_t> rtp, uint64_t pts) {
  if (seq == 0) return;
  photon(seq);
  auto echoes = echo_.frame(seq, transport);
  if (echoes.empty()) return;
  std::lock_guard lock(lock_);
  if (!ctx_) return;
  std::weak_ptr<EchoFn> weak = fn_;
  post_to(ctx_, [weak, echoes = std::move(echoes), rtp, pts] {
    if (auto fn = weak.lock()) (*fn)(echoes, rtp, pts);
  });
}

GstPadProbeReturn InputInjector::on_rtp(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* self = static_cast<InputInjector*>(data);
  GstBuffer* buf = nullptr;
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList* list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
    if (gst_buffer_list_length(list) > 0) buf = gst_buffer_list_get(list, 0);
  } else {
    buf = GST_PAD_PROBE_INFO_BUFFER(info);
  }
  if (!buf) return GST_PAD_PROBE_OK;
  const uint64_t seq = contract::frame_input_seq(buf);
  if (seq == 0) return GST_PAD_PROBE_OK;
  std::optional<uint32_t> rtp;
  GstRTPBuffer rtpbuf = GST_RTP_BUFFER_INIT;
  if (gst_rtp_buffer_map(buf, GST_MAP_READ, &rtpbuf)) {
    rtp = gst_rtp_buffer_get_timestamp(&rtpbuf);
    gst_rtp_buffer_unmap(&rtpbuf);
  }
  self->frame(seq, Transport::kWebRtc, rtp, GST_BUFFER_PTS_IS_VALID(buf) ? GST_BUFFER_PTS(buf) : 0);
  return GST_PAD_PROBE_OK;
}

}  // namespace vtkstream::sink
