#include "ws_video_branch.h"

#include <gst/app/gstappsink.h>

#include <deque>
#include <mutex>
#include <utility>

#include "media.h"
#include "sink_context.h"
#include "vtkstream/vtksrc-contract.h"

namespace vtkstream::sink {

namespace {

std::string depay_for(Codec c) {
  // A byte stream of whole access units is what a VideoDecoder takes for H.264 without an
  // `avcC` description.
  if (c == Codec::kH264) return "rtph264depay ! video/x-h264,stream-format=byte-stream,alignment=au";
  return "rtpvp8depay wait-for-keyframe=true";
}

GstBuffer* first_buffer(GstPadProbeInfo* info) {
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList* list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
    return gst_buffer_list_length(list) > 0 ? gst_buffer_list_get(list, 0) : nullptr;
  }
  return GST_PAD_PROBE_INFO_BUFFER(info);
}

}  // namespace

// Owned by the appsink's callbacks (and shared with the pad probe), so it outlives the branch
// object while the bin is torn down.
struct WsVideoBranch::Target {
  GMainContext* ctx;
  std::weak_ptr<FrameFn> fn;
  InputInjector* input;  // lives as long as the element
  std::atomic<int> posted{0};
  std::atomic<bool> gap{false};
  // The RTP packets carry vtksrc's input sequence; the depayloader drops that meta, so the probe
  // before it remembers it by PTS (every packet of a frame has the frame's PTS).
  std::mutex lock;
  std::deque<std::pair<uint64_t, uint64_t>> seq_by_pts;  // (pts, input seq), newest last
  ~Target() { g_main_context_unref(ctx); }

  void note_rtp(GstBuffer* buf) {
    const uint64_t seq = contract::frame_input_seq(buf);
    if (!seq || !GST_BUFFER_PTS_IS_VALID(buf)) return;
    std::lock_guard l(lock);
    if (!seq_by_pts.empty() && seq_by_pts.back().first == GST_BUFFER_PTS(buf)) return;
    seq_by_pts.emplace_back(GST_BUFFER_PTS(buf), seq);
    while (seq_by_pts.size() > 64) seq_by_pts.pop_front();
  }
  uint64_t seq_for(GstBuffer* buf) {
    if (const uint64_t s = contract::frame_input_seq(buf)) return s;
    if (!GST_BUFFER_PTS_IS_VALID(buf)) return 0;
    std::lock_guard l(lock);
    uint64_t seq = 0;
    while (!seq_by_pts.empty() && seq_by_pts.front().first <= GST_BUFFER_PTS(buf)) {
      seq = seq_by_pts.front().second;
      seq_by_pts.pop_front();
    }
    return seq;
  }
};

std::unique_ptr<WsVideoBranch> WsVideoBranch::create(GstBin* sink, Media& media, GstElement* tee, InputInjector& input,
                                                     FrameFn on_frame, ErrorFn on_error, std::string* err) {
  std::unique_ptr<WsVideoBranch> b(new WsVideoBranch(sink, std::move(on_error)));
  b->on_frame_ = std::make_shared<FrameFn>(std::move(on_frame));
  // The queue only decouples the tee from this viewer's thread; it holds RTP packets, and a
  // packet dropped there costs a frame, so it is large (leaky only as a last resort; the
  // depayloader then waits for the next keyframe).
  const std::string desc =
      "queue name=q leaky=downstream max-size-buffers=4000 max-size-bytes=8388608 max-size-time=0 ! " +
      depay_for(media.codec()) + " ! appsink name=frames sync=false async=false";
  GError* gerr = nullptr;
  GstElement* inner = gst_parse_bin_from_description(desc.c_str(), FALSE, &gerr);
  if (!inner || gerr) {
    *err = std::string("cannot build the WebSocket video branch: ") + (gerr ? gerr->message : "?");
    g_clear_error(&gerr);
    if (inner) gst_object_unref(gst_object_ref_sink(inner));
    return nullptr;
  }
  gst_bin_add(b->bin(), inner);
  auto target = std::make_shared<Target>();
  target->ctx = g_main_context_ref(current_context());
  target->fn = b->on_frame_;
  target->input = &input;

  GstElement* q = gst_bin_get_by_name(GST_BIN(inner), "q");
  GstPad* qsrc = gst_element_get_static_pad(q, "src");
  gst_pad_add_probe(
      qsrc, static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
      [](GstPad*, GstPadProbeInfo* info, gpointer d) {
        if (GstBuffer* buf = first_buffer(info)) (*static_cast<std::shared_ptr<Target>*>(d))->note_rtp(buf);
        return GST_PAD_PROBE_OK;
      },
      new std::shared_ptr<Target>(target), [](gpointer d) { delete static_cast<std::shared_ptr<Target>*>(d); });
  gst_object_unref(qsrc);

  GstElement* appsink = gst_bin_get_by_name(GST_BIN(inner), "frames");
  GstAppSinkCallbacks cbs{};
  cbs.new_sample = [](GstAppSink* s, gpointer d) {
    std::shared_ptr<Target> tp = *static_cast<std::shared_ptr<Target>*>(d);
    Target& t = *tp;
    GstSample* sample = gst_app_sink_pull_sample(s);
    if (!sample) return GST_FLOW_OK;
    GstBuffer* buf = gst_sample_get_buffer(sample);
    const uint64_t input_seq = t.seq_for(buf);
    t.input->photon(input_seq);  // the sink-wide input-to-photon figure; echoes are per viewer
    if (t.posted.load() >= kMaxPosted) {
      t.gap = true;
      gst_sample_unref(sample);
      return GST_FLOW_OK;
    }
    gpointer bytes = nullptr;
    gsize size = 0;
    gst_buffer_extract_dup(buf, 0, gst_buffer_get_size(buf), &bytes, &size);
    Frame f{g_bytes_new_take(bytes, size), !GST_BUFFER_FLAG_IS_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT), input_seq,
            GST_BUFFER_PTS_IS_VALID(buf) ? GST_BUFFER_PTS(buf) : 0, t.gap.exchange(false)};
    gst_sample_unref(sample);
    ++t.posted;
    post_to(t.ctx, [weak = t.fn, f, tp]() mutable {
      --tp->posted;
      if (auto fn = weak.lock()) (*fn)(f);
      g_bytes_unref(f.data);
    });
    return GST_FLOW_OK;
  };
  gst_app_sink_set_callbacks(GST_APP_SINK(appsink), &cbs, new std::shared_ptr<Target>(target),
                             [](gpointer d) { delete static_cast<std::shared_ptr<Target>*>(d); });
  gst_object_unref(appsink);
  const bool ghosted = b->ghost_sink(q, err);
  gst_object_unref(q);
  if (!ghosted || !b->attach(tee, err)) return nullptr;
  return b;
}

WsVideoBranch::~WsVideoBranch() {
  // After this nothing reaches on_frame_ (the callbacks hold only a weak reference).
  on_frame_.reset();
}

}  // namespace vtkstream::sink
