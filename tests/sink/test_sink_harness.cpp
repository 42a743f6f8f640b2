// vtkstreamsink driven by GstHarness (STYLE item 13): what its sink pad answers and accepts, raw
// video encoded (VP8, H.264), encoded video passed through, a change of input kind, and the
// renderer notices it turns into `vtkstreamsink-renderer` bus messages. The sink has no src pad:
// what it makes is observed on its internal RTP tee ("rtp", see media.h) and on /healthz.
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/check/gstharness.h>

#include <atomic>

#include "sink_test_util.h"
#include "vtkstream/vtksrc-contract.h"

namespace vtkstream::sinktest {
namespace {

namespace contract = vtkstream::contract;

constexpr const char* kRgba = "video/x-raw,format=RGBA,width=320,height=240,framerate=30/1";

// A harness around a vtkstreamsink on port 0; the sink gets a bus (and log) before it plays.
class SinkHarness {
 public:
  // `launch`: a gst_harness_new_parse description with the sink named "sink"; empty: the
  // element itself (gst_harness_new_with_element, so that port 0 is set before it plays).
  explicit SinkHarness(const std::string& launch = "") {
    if (launch.empty()) {
      sink_.reset(GST_ELEMENT(gst_object_ref_sink(gst_element_factory_make("vtkstreamsink", nullptr))));
      g_object_set(sink_.get(), "port", 0, "address", "127.0.0.1", nullptr);
      log_ = std::make_unique<BusLog>(sink_.get());
      h_ = gst_harness_new_with_element(sink_.get(), "sink", nullptr);
    } else {
      h_ = gst_harness_new_parse(launch.c_str());
      sink_.reset(gst_bin_get_by_name(GST_BIN(h_->element), "sink"));
      log_ = std::make_unique<BusLog>(h_->element);
    }
  }
  ~SinkHarness() {
    if (probe_) gst_pad_remove_probe(rtp_pad_.get(), probe_);
    gst_harness_teardown(h_);
    log_.reset();
  }
  GstHarness* h() const { return h_; }
  GstElement* sink() const { return sink_.get(); }
  BusLog& log() { return *log_; }

  // Counts RTP buffers leaving the sink's encoder (or payloader) on its RTP tee.
  void watch_rtp() {
    Ref<GstElement> tee(gst_bin_get_by_name(GST_BIN(sink_.get()), "rtp"));
    ASSERT_TRUE(tee) << "no RTP tee named rtp inside the sink";
    rtp_pad_.reset(gst_element_get_static_pad(tee.get(), "sink"));
    probe_ = gst_pad_add_probe(
        rtp_pad_.get(), GstPadProbeType(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
        [](GstPad*, GstPadProbeInfo*, gpointer d) {
          ++*static_cast<std::atomic<int>*>(d);
          g_main_context_wakeup(nullptr);
          return GST_PAD_PROBE_OK;
        },
        &rtp_buffers_, nullptr);
  }
  // The RTP caps' encoding-name once a buffer went through ("" after 15 s without).
  std::string rtp_encoding() {
    if (!run_until([&] { return rtp_buffers_ > 0; }, 15000)) return "";
    CapsPtr caps(gst_pad_get_current_caps(rtp_pad_.get()));
    const char* name = caps ? gst_structure_get_string(gst_caps_get_structure(caps.get(), 0), "encoding-name") : nullptr;
    return name ? name : "";
  }

  GstFlowReturn push_raw(int frames, int first = 0) {
    GstFlowReturn ret = GST_FLOW_OK;
    for (int i = first; i < first + frames && ret == GST_FLOW_OK; ++i) {
      GstBuffer* b = gst_buffer_new_allocate(nullptr, 320 * 240 * 4, nullptr);
      gst_buffer_memset(b, 0, static_cast<guint8>(i * 8), 320 * 240 * 4);
      GST_BUFFER_PTS(b) = GST_SECOND * i / 30;
      GST_BUFFER_DURATION(b) = GST_SECOND / 30;
      ret = gst_harness_push(h_, b);
    }
    return ret;
  }

 private:
  GstHarness* h_ = nullptr;
  Ref<GstElement> sink_;
  std::unique_ptr<BusLog> log_;
  Ref<GstPad> rtp_pad_;
  gulong probe_ = 0;
  std::atomic<int> rtp_buffers_{0};
};

// Encoded frames from a short real pipeline (appsink), with their caps.
struct Encoded {
  CapsPtr caps;
  std::vector<GstBuffer*> buffers;
  ~Encoded() {
    for (GstBuffer* b : buffers) gst_buffer_unref(b);
  }
};

void encode(const std::string& encoder, int frames, Encoded* out) {
  const std::string desc = "videotestsrc num-buffers=" + std::to_string(frames) +
                           " ! video/x-raw,width=160,height=120,framerate=30/1 ! " + encoder +
                           " ! appsink name=out sync=false";
  Ref<GstElement> p(GST_ELEMENT(gst_object_ref_sink(gst_parse_launch(desc.c_str(), nullptr))));
  ASSERT_TRUE(p) << desc;
  Ref<GstElement> appsink(gst_bin_get_by_name(GST_BIN(p.get()), "out"));
  ASSERT_NE(gst_element_set_state(p.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  while (GstSample* s = gst_app_sink_try_pull_sample(GST_APP_SINK(appsink.get()), 10 * GST_SECOND)) {
    if (!out->caps) out->caps.reset(gst_caps_ref(gst_sample_get_caps(s)));
    out->buffers.push_back(gst_buffer_ref(gst_sample_get_buffer(s)));
    gst_sample_unref(s);
  }
  gst_element_set_state(p.get(), GST_STATE_NULL);
  ASSERT_EQ(out->buffers.size(), static_cast<size_t>(frames)) << desc;
}

void push_time_segment(GstHarness* h) {
  GstSegment seg;
  gst_segment_init(&seg, GST_FORMAT_TIME);
  gst_pad_push_event(h->srcpad, gst_event_new_segment(&seg));
}

std::string healthz_codec(GstElement* sink) { return Json(http_get_body(http_url(sink, "healthz"))).str("codec"); }

TEST(SinkHarness, CapsQueryAnsweredWithTheTemplateBeforeTheFirstCaps) {
  SinkHarness s;
  CapsPtr templ(gst_pad_template_get_caps(
      gst_element_class_get_pad_template(GST_ELEMENT_GET_CLASS(s.sink()), "sink")));
  CapsPtr caps(gst_pad_peer_query_caps(s.h()->srcpad, nullptr));
  ASSERT_TRUE(caps);
  EXPECT_TRUE(gst_caps_is_equal(caps.get(), templ.get())) << gst_caps_to_string(caps.get());
  // A filter narrows it, the template's order first.
  CapsPtr filter(gst_caps_from_string("video/x-h264; audio/x-raw"));
  CapsPtr narrowed(gst_pad_peer_query_caps(s.h()->srcpad, filter.get()));
  ASSERT_EQ(gst_caps_get_size(narrowed.get()), 1u) << gst_caps_to_string(narrowed.get());
  EXPECT_TRUE(gst_structure_has_name(gst_caps_get_structure(narrowed.get(), 0), "video/x-h264"));
}

TEST(SinkHarness, AudioCapsAreRefused) {
  SinkHarness s;
  CapsPtr audio(gst_caps_from_string("audio/x-raw,format=S16LE,rate=48000,channels=2,layout=interleaved"));
  EXPECT_FALSE(gst_pad_peer_query_accept_caps(s.h()->srcpad, audio.get()));
  CapsPtr raw(gst_caps_from_string(kRgba));
  EXPECT_TRUE(gst_pad_peer_query_accept_caps(s.h()->srcpad, raw.get()));
  // A refused sticky event is stored on the harness's pad all the same (push_event says TRUE);
  // the next buffer fails.
  gst_pad_push_event(s.h()->srcpad, gst_event_new_caps(audio.get()));
  push_time_segment(s.h());
  GstBuffer* b = gst_buffer_new_allocate(nullptr, 1024, nullptr);
  EXPECT_EQ(gst_harness_push(s.h(), b), GST_FLOW_NOT_NEGOTIATED);
  EXPECT_EQ(s.log().count(element_message("vtkstreamsink-renderer")), 0u);  // no caps were taken
}

TEST(SinkHarness, LiveRawVideoIsEncodedToVp8ByDefault) {
  SinkHarness s;
  s.watch_rtp();
  gst_harness_set_src_caps_str(s.h(), kRgba);
  ASSERT_EQ(s.push_raw(10), GST_FLOW_OK);
  EXPECT_EQ(s.rtp_encoding(), "VP8");
  EXPECT_EQ(healthz_codec(s.sink()), "VP8");
  EXPECT_EQ(s.log().count(is_error()), 0u);
}

TEST(SinkHarness, LiveRawVideoIsEncodedToH264WithCodecH264) {
  SinkHarness s("vtkstreamsink name=sink port=0 address=127.0.0.1 codec=h264");
  ASSERT_TRUE(s.sink());
  s.watch_rtp();
  gst_harness_set_src_caps_str(s.h(), kRgba);
  ASSERT_EQ(s.push_raw(10), GST_FLOW_OK);
  EXPECT_EQ(s.rtp_encoding(), "H264");
  EXPECT_EQ(healthz_codec(s.sink()), "H264");
  EXPECT_EQ(s.log().count(is_error()), 0u);
}

TEST(SinkHarness, Vp8IsPassedThrough) {
  Encoded e;
  ASSERT_NO_FATAL_FAILURE(encode("vp8enc deadline=1 lag-in-frames=0", 5, &e));
  SinkHarness s("vtkstreamsink name=sink port=0 address=127.0.0.1 codec=h264");  // the input decides
  s.watch_rtp();
  gst_harness_set_src_caps(s.h(), gst_caps_ref(e.caps.get()));
  for (GstBuffer* b : e.buffers) ASSERT_EQ(gst_harness_push(s.h(), gst_buffer_ref(b)), GST_FLOW_OK);
  EXPECT_EQ(s.rtp_encoding(), "VP8");
  EXPECT_EQ(healthz_codec(s.sink()), "VP8");
  // Nothing was encoded again: the payloader sits right behind the input tee.
  Ref<GstElement> middle(gst_bin_get_by_name(GST_BIN(s.sink()), "encoder"));
  ASSERT_TRUE(middle);
  Ref<GstElement> enc(gst_bin_get_by_name(GST_BIN(middle.get()), "enc"));
  EXPECT_FALSE(enc);
  EXPECT_EQ(s.log().count(is_error()), 0u);
}

TEST(SinkHarness, H264IsPassedThrough) {
  Encoded e;
  ASSERT_NO_FATAL_FAILURE(
      encode("x264enc tune=zerolatency speed-preset=ultrafast ! video/x-h264,stream-format=avc,alignment=au", 5, &e));
  SinkHarness s;  // default codec vp8: the input decides
  s.watch_rtp();
  gst_harness_set_src_caps(s.h(), gst_caps_ref(e.caps.get()));
  for (GstBuffer* b : e.buffers) ASSERT_EQ(gst_harness_push(s.h(), gst_buffer_ref(b)), GST_FLOW_OK);
  EXPECT_EQ(s.rtp_encoding(), "H264");
  EXPECT_EQ(healthz_codec(s.sink()), "H264");
  EXPECT_EQ(s.log().count(is_error()), 0u);
}

// Raw first, then VP8 on the same run: refused. Through the harness: VP8 caps are no longer
// accepted and the next buffer is not-negotiated.
TEST(SinkHarness, ChangingTheKindOfInputMidStreamIsRefused) {
  Encoded e;
  ASSERT_NO_FATAL_FAILURE(encode("vp8enc deadline=1 lag-in-frames=0", 2, &e));
  SinkHarness s;
  CapsPtr raw(gst_caps_from_string(kRgba));
  gst_harness_set_src_caps(s.h(), gst_caps_ref(raw.get()));
  ASSERT_EQ(s.push_raw(3), GST_FLOW_OK);
  EXPECT_TRUE(gst_pad_peer_query_accept_caps(s.h()->srcpad, raw.get()));
  // Accepted as a query (so the CAPS event reaches the sink, which says what went wrong: see
  // MidStreamChangeErrorSaysWhat), refused as caps.
  EXPECT_TRUE(gst_pad_peer_query_accept_caps(s.h()->srcpad, e.caps.get()));
  gst_pad_push_event(s.h()->srcpad, gst_event_new_caps(e.caps.get()));
  EXPECT_EQ(gst_harness_push(s.h(), gst_buffer_ref(e.buffers[0])), GST_FLOW_NOT_NEGOTIATED);
}

// The same in a pipeline: the application gets an ERROR on the bus and the pipeline stops.
TEST(SinkHarness, ChangingTheKindOfInputMidStreamIsAnErrorInAPipeline) {
  Encoded e;
  ASSERT_NO_FATAL_FAILURE(encode("vp8enc deadline=1 lag-in-frames=0", 2, &e));
  Pipeline p(std::string("appsrc name=src is-live=true format=time caps=") + kRgba + " ! vtkstreamsink name=sink");
  ASSERT_TRUE(p.ok());
  ASSERT_NE(p.set_state(GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  GstElement* src = p.by_name("src");
  for (int i = 0; i < 3; ++i) {
    GstBuffer* b = gst_buffer_new_allocate(nullptr, 320 * 240 * 4, nullptr);
    GST_BUFFER_PTS(b) = GST_SECOND * i / 30;
    ASSERT_EQ(gst_app_src_push_buffer(GST_APP_SRC(src), b), GST_FLOW_OK);
  }
  ASSERT_TRUE(p.log().wait_for(element_message("vtkstreamsink-renderer", "state", "running")));
  g_object_set(src, "caps", e.caps.get(), nullptr);
  GstBuffer* vp8 = gst_buffer_copy(e.buffers[0]);
  GST_BUFFER_PTS(vp8) = GST_SECOND;
  gst_app_src_push_buffer(GST_APP_SRC(src), vp8);
  // The sink's ERROR says what happened; the source adds its own not-negotiated one, but the
  // sink posts one ERROR, not one per buffer.
  auto from_sink = [](GstMessage* m) {
    return GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR && g_strcmp0(GST_OBJECT_NAME(GST_MESSAGE_SRC(m)), "sink") == 0;
  };
  MessagePtr err = p.log().wait_for(from_sink, 5000);
  ASSERT_TRUE(err) << "no ERROR from the sink on the bus";
  EXPECT_NE(error_text(err.get()).find("changed"), std::string::npos) << error_text(err.get());
  EXPECT_EQ(p.log().count(from_sink), 0u) << "one ERROR, not one per buffer";
}

// The sink's own error says what happened (the input changed kind mid-stream), rather than
// the source's generic not-negotiated: sink_query accepts the other kind so that the CAPS event
// reaches sink_event (it did not before, and this test failed).
TEST(SinkHarness, MidStreamChangeErrorSaysWhat) {
  Encoded e;
  ASSERT_NO_FATAL_FAILURE(encode("vp8enc deadline=1 lag-in-frames=0", 2, &e));
  SinkHarness s;
  gst_harness_set_src_caps_str(s.h(), kRgba);
  ASSERT_EQ(s.push_raw(3), GST_FLOW_OK);
  gst_pad_push_event(s.h()->srcpad, gst_event_new_caps(e.caps.get()));
  gst_harness_push(s.h(), gst_buffer_ref(e.buffers[0]));
  MessagePtr err = s.log().wait_for(is_error(), 5000);
  ASSERT_TRUE(err) << "no ERROR from the sink";
  EXPECT_NE(error_text(err.get()).find("changed"), std::string::npos) << error_text(err.get());
}

void expect_renderer_after_lost(bool supervised, const char* state) {
  SinkHarness s(std::string("vtkstreamsink name=sink port=0 address=127.0.0.1 renderer-supervised=") +
                (supervised ? "true" : "false"));
  ASSERT_TRUE(s.sink());
  contract::RendererNotice lost;
  lost.state = contract::RendererState::kLost;
  lost.shm_name = "test-shm";
  ASSERT_TRUE(gst_pad_push_event(s.h()->srcpad, contract::renderer_notice_event(lost)));
  MessagePtr m = s.log().wait_for(element_message("vtkstreamsink-renderer"), 5000);
  ASSERT_TRUE(m) << "no vtkstreamsink-renderer message";
  EXPECT_STREQ(gst_structure_get_string(gst_message_get_structure(m.get()), "state"), state);
}

TEST(SinkHarness, RendererLostNoticeSaysRestartingWhenSupervised) { expect_renderer_after_lost(true, "restarting"); }

TEST(SinkHarness, RendererLostNoticeSaysWaitingWhenNotSupervised) { expect_renderer_after_lost(false, "waiting"); }

TEST(SinkHarness, RendererRunningAfterTheFirstCapsOfAnotherSource) {
  SinkHarness s;
  EXPECT_EQ(s.log().count(element_message("vtkstreamsink-renderer")), 0u);
  gst_harness_set_src_caps_str(s.h(), kRgba);
  MessagePtr m = s.log().wait_for(element_message("vtkstreamsink-renderer"), 5000);
  ASSERT_TRUE(m) << "no vtkstreamsink-renderer message";
  EXPECT_STREQ(gst_structure_get_string(gst_message_get_structure(m.get()), "state"), "running");
  EXPECT_NE(http_get_body(http_url(s.sink(), "healthz")).find("\"running\""), std::string::npos);
}

}  // namespace
}  // namespace vtkstream::sinktest
