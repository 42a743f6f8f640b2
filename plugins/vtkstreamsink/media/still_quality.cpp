#include "still_quality.h"

#include <algorithm>

#include "encoder_pads.h"
#include "vtkstream/vtksrc-contract.h"

GST_DEBUG_CATEGORY_STATIC(still_quality_debug);
#define GST_CAT_DEFAULT still_quality_debug

namespace vtkstream::sink {

namespace contract = vtkstream::contract;

StillQuality* StillQuality::attach(GstPad* input, GstElement* encoder, std::shared_ptr<EncoderRate> rate) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(still_quality_debug, "vtkstreamsink-still", 0, "higher quality for stills");
    g_once_init_leave(&once, 1);
  }
  const bool quantizer = has_int_property(encoder, "max-quantizer");
  if (!input || (!quantizer && !rate)) return nullptr;
  GstPad* enc_sink = gst_element_get_static_pad(encoder, "sink");
  if (!enc_sink) return nullptr;
  if (has_int_property(encoder, "max-intra-bitrate")) {
    int pct = 0;
    g_object_get(encoder, "max-intra-bitrate", &pct, nullptr);
    if (pct == 0) g_object_set(encoder, "max-intra-bitrate", kMaxIntraPercent, nullptr);
  }
  auto* self = new StillQuality(encoder, quantizer, std::move(rate));
  auto release = [](gpointer p) { static_cast<StillQuality*>(p)->release(); };
  gst_pad_add_probe(input, GST_PAD_PROBE_TYPE_BUFFER, [](GstPad*, GstPadProbeInfo* info, gpointer p) {
    static_cast<StillQuality*>(p)->on_input(GST_PAD_PROBE_INFO_BUFFER(info));
    return GST_PAD_PROBE_OK;
  }, self, release);
  gst_pad_add_probe(enc_sink, GST_PAD_PROBE_TYPE_BUFFER, [](GstPad*, GstPadProbeInfo* info, gpointer p) {
    static_cast<StillQuality*>(p)->on_encode(GST_PAD_PROBE_INFO_BUFFER(info));
    return GST_PAD_PROBE_OK;
  }, self, release);
  gst_object_unref(enc_sink);
  return self;
}

void StillQuality::release() {
  if (refs_.fetch_sub(1) == 1) delete this;
}

void StillQuality::on_input(GstBuffer* buf) {
  if (!contract::frame_is_still(buf)) return;
  const uint64_t seq = contract::frame_input_seq(buf);
  // A still with seq 0 (a renderer that never got input) is still a still; keep 0 for "none".
  still_seq_.store(seq ? seq : UINT64_MAX, std::memory_order_relaxed);
}

void StillQuality::on_encode(GstBuffer* buf) {
  const uint64_t still = still_seq_.load(std::memory_order_relaxed);
  const uint64_t seq = contract::frame_input_seq(buf);
  const bool is_still = still != 0 && (seq ? seq : UINT64_MAX) == still;
  // First the rate (the target read below is then the requested one, not a size's ceiling).
  if (rate_) rate_->set_still(is_still);
  if (!quantizer_ || is_still == boosted_) return;
  if (is_still) {
    // vp8enc/vp9enc: bit/s. Read at each still: the congestion controller moves it.
    int target_bps = 0;
    if (has_int_property(encoder_, "target-bitrate")) g_object_get(encoder_, "target-bitrate", &target_bps, nullptr);
    if (target_bps > 0 && target_bps < kBoostMinKbps * 1000) {  // 0: vp8enc's own choice, unknown
      GST_INFO("still (input seq %" G_GUINT64_FORMAT "): not boosted at %d kbit/s", static_cast<guint64>(seq),
               target_bps / 1000);
      return;  // boosted_ stays false: the next still is judged again
    }
    g_object_get(encoder_, "max-quantizer", &saved_max_, nullptr);
    g_object_set(encoder_, "max-quantizer", std::min(saved_max_, kStillMaxQuantizer), nullptr);
    GST_INFO("still (input seq %" G_GUINT64_FORMAT "): max-quantizer %d -> %d", static_cast<guint64>(seq),
             saved_max_, std::min(saved_max_, kStillMaxQuantizer));
  } else {
    g_object_set(encoder_, "max-quantizer", saved_max_, nullptr);
    GST_INFO("new picture (input seq %" G_GUINT64_FORMAT "): max-quantizer back to %d",
             static_cast<guint64>(seq), saved_max_);
  }
  boosted_ = is_still;
}

}  // namespace vtkstream::sink
