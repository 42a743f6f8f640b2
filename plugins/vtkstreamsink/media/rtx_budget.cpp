#include "rtx_budget.h"

#include <gst/rtp/rtp.h>

#include <algorithm>
#include <cstring>

GST_DEBUG_CATEGORY_STATIC(rtx_budget_debug);
#define GST_CAT_DEFAULT rtx_budget_debug

namespace vtkstream::sink {

namespace {

using Ptr = std::shared_ptr<RtxBudget>;

GstPadProbeReturn on_packet(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto& budget = *static_cast<Ptr*>(data);
  GstBuffer* buf = GST_PAD_PROBE_INFO_BUFFER(info);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!buf || !gst_rtp_buffer_map(buf, GST_MAP_READ, &rtp)) return GST_PAD_PROBE_OK;
  const bool rtx = gst_rtp_buffer_get_payload_type(&rtp) != RtxBudget::kMediaPayloadType;
  gst_rtp_buffer_unmap(&rtp);
  if (!rtx || budget->take(gst_buffer_get_size(buf), g_get_monotonic_time())) return GST_PAD_PROBE_OK;
  return GST_PAD_PROBE_DROP;
}

void on_element(GstBin*, GstBin*, GstElement* e, gpointer data) {
  GstElementFactory* f = gst_element_get_factory(e);
  if (!f || std::strcmp(GST_OBJECT_NAME(f), "rtprtxsend") != 0) return;
  g_object_set(e, "max-size-time", RtxBudget::kHistoryMs, nullptr);
  GstPad* src = gst_element_get_static_pad(e, "src");
  if (!src) return;
  gst_pad_add_probe(src, GST_PAD_PROBE_TYPE_BUFFER, on_packet, new Ptr(*static_cast<Ptr*>(data)),
                    [](gpointer d) { delete static_cast<Ptr*>(d); });
  gst_object_unref(src);
  GST_INFO("retransmission budget on %s", GST_OBJECT_NAME(e));
}

}  // namespace

std::shared_ptr<RtxBudget> RtxBudget::attach(GstElement* webrtcbin, int start_kbps) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(rtx_budget_debug, "vtkstreamsink-rtx", 0, "vtkstreamsink retransmission budget");
    g_once_init_leave(&once, 1);
  }
  auto b = std::make_shared<RtxBudget>();
  b->set_estimate_kbps(start_kbps);
  g_signal_connect_data(webrtcbin, "deep-element-added", G_CALLBACK(on_element), new Ptr(b),
                        [](gpointer d, GClosure*) { delete static_cast<Ptr*>(d); }, GConnectFlags(0));
  return b;
}

bool RtxBudget::take(size_t bytes, int64_t now_us) {
  const double rate = kShare * kbps_.load() * 1000 / 8;  // bytes per second
  std::lock_guard lock(lock_);
  const double depth = std::max(rate * 0.2, 3000.0);     // 200 ms of budget, at least two packets
  if (last_us_) tokens_ = std::min(depth, tokens_ + rate * double(now_us - last_us_) / 1e6);
  else tokens_ = depth;
  last_us_ = now_us;
  if (tokens_ >= double(bytes)) {
    tokens_ -= double(bytes);
    return true;
  }
  dropped_.fetch_add(1);
  return false;
}

}  // namespace vtkstream::sink
