#include "mjpeg_branch.h"

#include <gst/app/gstappsink.h>

#include "media.h"
#include "sink_context.h"
#include "vtkstream/vtksrc-contract.h"


namespace vtkstream::sink {

namespace {
// What the appsink's streaming thread uses; owned by the appsink's callbacks, so it outlives the
// MjpegBranch object while the bin is being torn down on the sink's context.
struct SampleTarget {
  GMainContext* ctx;
  std::weak_ptr<MjpegBranch::JpegFn> fn;
  InputInjector* input;  // lives as long as the element
  // The first picture's size and quality (MjpegBranch::kFirstQuality), then the full ones: the
  // capsfilter and jpegenc of the same bin, alive while its appsink calls us.
  GstElement* size = nullptr;
  GstElement* jpeg = nullptr;
  GstCaps* full_caps = nullptr;  // ours; null once the full size is back (or never left)
};

// After the small first picture: the full size and quality from the next one on, and that next
// one now rather than at an idle renderer's keep-alive repeat (vtksrc-contract.h).
void to_full_size(SampleTarget& t, GstElement* appsink) {
  if (!t.full_caps) return;
  g_object_set(t.size, "caps", t.full_caps, nullptr);
  g_object_set(t.jpeg, "quality", MjpegBranch::kQuality, nullptr);
  gst_clear_caps(&t.full_caps);
  GstPad* pad = gst_element_get_static_pad(appsink, "sink");
  gst_pad_push_event(pad, contract::repeat_now_event());  // upstream, to the source
  gst_object_unref(pad);
}
}  // namespace

std::unique_ptr<MjpegBranch> MjpegBranch::create(GstBin* sink, Media& media, InputInjector& input, JpegFn on_jpeg,
                                                 ErrorFn on_error, std::string* err) {
  std::unique_ptr<MjpegBranch> b(new MjpegBranch(sink, std::move(on_error)));
  b->ctx_ = g_main_context_ref(current_context());
  b->on_jpeg_ = std::make_shared<JpegFn>(std::move(on_jpeg));
  // Its own thread (queue), newest picture only. async=false: a sink added to a playing live
  // pipeline must not ask for preroll, or the pipeline loses its state, the source pauses and the
  // new branch waits forever for a second picture (seen with Firefox after WebRTC viewers left).
  // Encoded input (pass-through) is decoded first. decodebin's pad appears later, so nothing
  // is ghosted automatically (it would pick videoconvert's unlinked sink): we ghost the queue's.
  // JPEG's colours are JFIF's, full-range BT.601 (1:4:0:0), which every browser assumes; left to
  // itself videoconvert gives jpegenc limited range, and BT.709 at HD sizes, and the page showed
  // colour bars 20 to 40 levels off (tests/browser/gst/colour.test.mjs).
  // The first picture is a small one (kFirstMaxWidth, kFirstQuality) when the input is larger:
  // it is what a viewer waits for, over a link of unknown speed (docs/performance.md "The first
  // picture on a weak link"); every later one has the full size and quality.
  const std::string decode = media.input() == Media::Input::kRaw ? "" : "decodebin ! ";
  const std::string full = "video/x-raw,format=I420,colorimetry=(string)1:4:0:0";
  std::string first = full;
  const int w = media.width(), h = media.height();
  const bool small_first = media.input() == Media::Input::kRaw && w > kFirstMaxWidth && h > 0;
  if (small_first)
    first += ",width=" + std::to_string(kFirstMaxWidth) + ",height=" + std::to_string((h * kFirstMaxWidth / w) & ~1);
  const std::string desc = "queue name=q leaky=downstream max-size-buffers=1 max-size-bytes=0 max-size-time=0 ! " +
                           decode + "videoconvert ! videoscale ! capsfilter name=size caps=\"" + first +
                           "\" ! jpegenc name=jpeg quality=" + std::to_string(small_first ? kFirstQuality : kQuality) +
                           " ! appsink name=jpegsink sync=false async=false max-buffers=1 drop=true";
  GError* gerr = nullptr;
  GstElement* inner = gst_parse_bin_from_description(desc.c_str(), FALSE, &gerr);
  if (!inner || gerr) {
    *err = std::string("cannot build the MJPEG encoder: ") + (gerr ? gerr->message : "?");
    g_clear_error(&gerr);
    if (inner) gst_object_unref(gst_object_ref_sink(inner));
    return nullptr;
  }
  gst_bin_add(b->bin(), inner);
  GstElement* appsink = gst_bin_get_by_name(GST_BIN(inner), "jpegsink");
  GstAppSinkCallbacks cbs{};
  cbs.new_sample = [](GstAppSink* s, gpointer d) { return on_sample(GST_ELEMENT(s), d); };
  auto* target = new SampleTarget{g_main_context_ref(b->ctx_), b->on_jpeg_, &input};
  if (small_first) {
    target->size = gst_bin_get_by_name(GST_BIN(inner), "size");
    target->jpeg = gst_bin_get_by_name(GST_BIN(inner), "jpeg");
    target->full_caps = gst_caps_from_string(full.c_str());
    // The bin holds them as long as the appsink that calls us.
    gst_object_unref(target->size);
    gst_object_unref(target->jpeg);
  }
  gst_app_sink_set_callbacks(GST_APP_SINK(appsink), &cbs, target, [](gpointer d) {
    auto* t = static_cast<SampleTarget*>(d);
    g_main_context_unref(t->ctx);
    gst_clear_caps(&t->full_caps);
    delete t;
  });
  gst_object_unref(appsink);
  GstElement* q = gst_bin_get_by_name(GST_BIN(inner), "q");
  const bool ghosted = b->ghost_sink(q, err);
  gst_object_unref(q);
  if (!ghosted || !b->attach(media.input_tee(), err)) return nullptr;
  return b;
}

MjpegBranch::~MjpegBranch() {
  // The appsink may be inside a callback right now; after this nothing reaches on_jpeg_ (the
  // callback holds only a weak reference).
  on_jpeg_.reset();
  g_main_context_unref(ctx_);
}

GstFlowReturn MjpegBranch::on_sample(GstElement* sink, gpointer data) {
  auto* t = static_cast<SampleTarget*>(data);
  GstSample* sample = gst_app_sink_pull_sample(GST_APP_SINK(sink));
  if (!sample) return GST_FLOW_OK;
  GstBuffer* buf = gst_sample_get_buffer(sample);
  gpointer bytes = nullptr;
  gsize size = 0;
  gst_buffer_extract_dup(buf, 0, gst_buffer_get_size(buf), &bytes, &size);
  GBytes* jpeg = g_bytes_new_take(bytes, size);
  const uint64_t seq = contract::frame_input_seq(buf);
  const uint64_t pts = GST_BUFFER_PTS_IS_VALID(buf) ? GST_BUFFER_PTS(buf) : 0;
  gst_sample_unref(sample);
  std::weak_ptr<JpegFn> weak = t->fn;
  // The picture first, then its echo: a page measures input-to-photon from the echo.
  post_to(t->ctx, [weak, jpeg] {
    if (auto fn = weak.lock()) (*fn)(jpeg);
    g_bytes_unref(jpeg);
  });
  t->input->frame(seq, Transport::kMjpeg, std::nullopt, pts);
  to_full_size(*t, sink);
  return GST_FLOW_OK;
}

}  // namespace vtkstream::sink
