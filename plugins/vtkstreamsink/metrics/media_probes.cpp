#include "media_probes.h"

#include <deque>
#include <memory>
#include <mutex>
#include <utility>

#include "vtkstream/vtksrc-contract.h"

namespace vtkstream::sink {

namespace {

namespace contract = vtkstream::contract;

GstPadProbeReturn on_frame_in(GstPad*, GstPadProbeInfo*, gpointer d) {
  static_cast<SinkMetrics*>(d)->frames_in.add();
  return GST_PAD_PROBE_OK;
}

// The renderer stamps each frame with its CLOCK_MONOTONIC time (the same clock as
// g_get_monotonic_time, across processes); repeats re-send an old picture and are skipped.
void observe_age(SinkMetrics* m, GstBuffer* buf) {
  GstCustomMeta* meta = gst_buffer_get_custom_meta(buf, contract::kFrameMetaName);
  if (!meta) return;
  const GstStructure* s = gst_custom_meta_get_structure(meta);
  guint64 rendered_ns = 0;
  gboolean repeat = FALSE;
  gst_structure_get_boolean(s, contract::kMetaRepeat, &repeat);
  if (repeat || !gst_structure_get_uint64(s, contract::kMetaRenderTime, &rendered_ns) || rendered_ns == 0) return;
  const double age = (double(g_get_monotonic_time()) * 1000.0 - double(rendered_ns)) / 1e9;
  m->frame_age_seconds.observe(age);
}

GstPadProbeReturn on_payloader_input(GstPad*, GstPadProbeInfo* info, gpointer d) {
  auto* m = static_cast<SinkMetrics*>(d);
  m->frames_encoded.add();
  observe_age(m, GST_PAD_PROBE_INFO_BUFFER(info));
  return GST_PAD_PROBE_OK;
}

// Encode time: the encoder keeps each frame's PTS (no reordering in our low-latency settings),
// so the time between a PTS entering and leaving it is that frame's encode time.
struct EncodeClock {
  std::mutex lock;
  std::deque<std::pair<GstClockTime, gint64>> in;  // (pts, monotonic us), at most a few
  SinkMetrics* m = nullptr;
};

GstPadProbeReturn on_encoder_in(GstPad*, GstPadProbeInfo* info, gpointer d) {
  EncodeClock* c = static_cast<std::shared_ptr<EncodeClock>*>(d)->get();
  GstBuffer* buf = GST_PAD_PROBE_INFO_BUFFER(info);
  if (!GST_BUFFER_PTS_IS_VALID(buf)) return GST_PAD_PROBE_OK;
  std::lock_guard lock(c->lock);
  c->in.emplace_back(GST_BUFFER_PTS(buf), g_get_monotonic_time());
  while (c->in.size() > 16) c->in.pop_front();  // frames an encoder dropped are forgotten
  return GST_PAD_PROBE_OK;
}

GstPadProbeReturn on_encoder_out(GstPad*, GstPadProbeInfo* info, gpointer d) {
  EncodeClock* c = static_cast<std::shared_ptr<EncodeClock>*>(d)->get();
  GstBuffer* buf = GST_PAD_PROBE_INFO_BUFFER(info);
  if (!GST_BUFFER_PTS_IS_VALID(buf)) return GST_PAD_PROBE_OK;
  const gint64 now = g_get_monotonic_time();
  std::lock_guard lock(c->lock);
  while (!c->in.empty() && c->in.front().first < GST_BUFFER_PTS(buf)) c->in.pop_front();
  if (!c->in.empty() && c->in.front().first == GST_BUFFER_PTS(buf)) {
    c->m->encode_seconds.observe(double(now - c->in.front().second) / 1e6);
    c->in.pop_front();
  }
  return GST_PAD_PROBE_OK;
}

GstPadProbeReturn on_bytes(GstPad*, GstPadProbeInfo* info, gpointer d) {
  auto* bytes = static_cast<Counter*>(d);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList* list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
    gsize n = 0;
    for (guint i = 0; i < gst_buffer_list_length(list); ++i) n += gst_buffer_get_size(gst_buffer_list_get(list, i));
    bytes->add(n);
  } else {
    bytes->add(gst_buffer_get_size(GST_PAD_PROBE_INFO_BUFFER(info)));
  }
  return GST_PAD_PROBE_OK;
}

void probe_pad(GstElement* e, const char* pad_name, GstPadProbeCallback cb, gpointer data, GDestroyNotify destroy) {
  GstPad* pad = gst_element_get_static_pad(e, pad_name);
  if (pad) {
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, cb, data, destroy);
    gst_object_unref(pad);
  } else if (destroy) {
    destroy(data);
  }
}

}  // namespace

void count_frames_in(GstPad* pad, SinkMetrics* m) { gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, on_frame_in, m, nullptr); }

void count_bytes(GstPad* pad, Counter* bytes) {
  gst_pad_add_probe(pad, static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
                    on_bytes, bytes, nullptr);
}

void watch_middle(GstElement* middle, SinkMetrics* m) {
  GstBin* bin = GST_BIN(middle);
  if (GstElement* q = gst_bin_get_by_name(bin, "encqueue")) {
    // A leaky queue says "overrun" once per buffer it is about to drop (it must not be silent).
    g_signal_connect(q, "overrun", G_CALLBACK(+[](GstElement*, gpointer d) {
                       static_cast<SinkMetrics*>(d)->frames_dropped.add();
                     }),
                     m);
    gst_object_unref(q);
  }
  if (GstElement* enc = gst_bin_get_by_name(bin, "enc")) {
    // Both probes share the clock; whichever pad goes last frees it.
    auto clock = std::make_shared<EncodeClock>();
    clock->m = m;
    auto release = [](gpointer d) { delete static_cast<std::shared_ptr<EncodeClock>*>(d); };
    probe_pad(enc, "sink", on_encoder_in, new std::shared_ptr<EncodeClock>(clock), release);
    probe_pad(enc, "src", on_encoder_out, new std::shared_ptr<EncodeClock>(clock), release);
    gst_object_unref(enc);
  }
  if (GstElement* pay = gst_bin_get_by_name(bin, "pay")) {
    probe_pad(pay, "sink", on_payloader_input, m, nullptr);
    gst_object_unref(pay);
  }
  GstPad* src = gst_element_get_static_pad(middle, "src");
  if (src) {
    count_bytes(src, &m->encoded_bytes);
    gst_object_unref(src);
  }
}

}  // namespace vtkstream::sink
