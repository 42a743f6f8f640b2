// Regressions found by an adversarial pass over vtkstreamsink (fixed in 6d8946a "Sink: fixes from
// an adversarial pass"). Each test names the fix it guards and how it failed before.
#include <gst/app/gstappsrc.h>

#include <atomic>

#include "sink_test_util.h"

namespace vtkstream::sinktest {
namespace {

constexpr const char* kSmall = "video/x-raw,width=320,height=240,framerate=15/1";

// Says hello on the MJPEG transport and counts the JPEG parts of /mjpeg?peer=ID&token=T.
int mjpeg_parts(GstElement* sink, WsClient& ws, int parts) {
  Json welcome(hello(ws, "mjpeg"));
  EXPECT_EQ(welcome.str("codec"), "MJPEG");
  const std::string path = welcome.str("mjpeg");  // "/mjpeg?peer=ID"
  EXPECT_EQ(path.rfind("/mjpeg?peer=", 0), 0u) << path;
  if (path.empty()) return 0;
  return read_mjpeg_parts(http_url(sink, path.substr(1)), parts);
}

// Before the fix (media/mjpeg_branch.cpp MjpegBranch::create): for encoded input the MJPEG
// branch is "queue ! decodebin ! videoconvert ! jpegenc ! appsink", parsed with ghost pads made
// automatically; decodebin's src pad appears only later, so the ghosted sink pad was
// videoconvert's, not the queue's: the decoder never saw a byte and /mjpeg sent no part.
TEST(SinkFallback, MjpegWorksForVp8PassThrough) {
  Pipeline p(std::string("videotestsrc is-live=true ! ") + kSmall + " ! vp8enc deadline=1 ! vtkstreamsink name=sink");
  ASSERT_TRUE(p.ok());
  ASSERT_NE(p.set_state(GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  ASSERT_TRUE(p.log().wait_for(element_message("vtkstreamsink-renderer", "state", "running")));
  WsClient ws;
  ASSERT_TRUE(ws.connect(ws_url(p.sink())));
  EXPECT_GE(mjpeg_parts(p.sink(), ws, 2), 2);
  EXPECT_EQ(p.log().count(is_error()), 0u);
}

// The same fix, and H.264 needs a decoder (avdec_h264, gstreamer1.0-libav): without either the
// response stayed open with no part (a failing branch now ends it).
TEST(SinkFallback, MjpegWorksForH264PassThrough) {
  Pipeline p(std::string("videotestsrc is-live=true ! ") + kSmall +
             " ! videoconvert ! x264enc tune=zerolatency speed-preset=ultrafast ! vtkstreamsink name=sink");
  ASSERT_TRUE(p.ok());
  ASSERT_NE(p.set_state(GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  ASSERT_TRUE(p.log().wait_for(element_message("vtkstreamsink-renderer", "state", "running")));
  WsClient ws;
  ASSERT_TRUE(ws.connect(ws_url(p.sink())));
  EXPECT_GE(mjpeg_parts(p.sink(), ws, 2), 2);
  EXPECT_EQ(p.log().count(is_error()), 0u);
}

// Before the fix (media/encoder_factory.cpp check_encoder, called from start_web_side in
// gstvtkstreamsink.cpp): the codec offered to browsers was the `codec` property (VP8) whatever
// the custom encoder produced, so /healthz said VP8 and a browser listing only H264 got no-codec.
TEST(SinkFallback, CustomH264EncoderDecidesTheCodec) {
  Pipeline p(std::string("videotestsrc is-live=true ! ") + kSmall + " ! vtkstreamsink name=sink");
  ASSERT_TRUE(p.ok());
  g_object_set(p.sink(), "encoder",
               "videoconvert ! x264enc name=enc tune=zerolatency speed-preset=ultrafast ! "
               "video/x-h264,profile=constrained-baseline ! rtph264pay name=pay pt=96",
               nullptr);
  ASSERT_NE(p.set_state(GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  ASSERT_TRUE(p.log().wait_for(element_message("vtkstreamsink-renderer", "state", "running")));
  EXPECT_EQ(Json(http_get_body(http_url(p.sink(), "healthz"))).str("codec"), "H264");
  {
    WsClient ws;
    ASSERT_TRUE(ws.connect(ws_url(p.sink())));
    ws.send(R"({"type":"hello","version":1,"codecs":["VP8"],"transport":"webrtc"})");
    EXPECT_EQ(Json(ws.wait_for("error")).str("code"), "no-codec");
  }
  WsClient ws;
  ASSERT_TRUE(ws.connect(ws_url(p.sink())));
  Json welcome(hello(ws, "webrtc", R"(["H264"])"));
  EXPECT_EQ(welcome.str("codec"), "H264");
  EXPECT_EQ(p.log().count(is_error()), 0u);
}

// Before the fix (Media::set_live in media/media.cpp, upstream_is_live in gstvtkstreamsink.cpp,
// the keep-alive fakesink moved onto the input tee): nothing synced to the clock, so a source that
// is not live ran as fast as the cores allowed (hundreds of buffers per second, 200% CPU).
TEST(SinkFallback, NonLiveSourceIsPacedToItsFramerate) {
  Pipeline p(
      "videotestsrc is-live=false ! video/x-raw,width=320,height=240,framerate=30/1 ! identity name=counter ! "
      "vtkstreamsink name=sink");
  ASSERT_TRUE(p.ok());
  std::atomic<int> buffers{0};
  Ref<GstPad> pad(gst_element_get_static_pad(p.by_name("counter"), "src"));
  gst_pad_add_probe(
      pad.get(), GST_PAD_PROBE_TYPE_BUFFER,
      [](GstPad*, GstPadProbeInfo*, gpointer d) {
        ++*static_cast<std::atomic<int>*>(d);
        g_main_context_wakeup(nullptr);
        return GST_PAD_PROBE_OK;
      },
      &buffers, nullptr);
  ASSERT_NE(p.set_state(GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  ASSERT_TRUE(run_until([&] { return buffers > 0; }, 10000));
  const int n0 = buffers;
  const gint64 t0 = g_get_monotonic_time();
  // The measurement window itself (2 s of wall time), not a wait for an event.
  run_until([] { return false; }, 2000);
  const double elapsed = double(g_get_monotonic_time() - t0) / G_USEC_PER_SEC;
  const int n = buffers - n0;
  const double expected = 30.0 * elapsed;
  EXPECT_GE(n, expected / 1.5) << n << " buffers in " << elapsed << " s";
  EXPECT_LE(n, expected * 1.5) << n << " buffers in " << elapsed << " s";
  EXPECT_EQ(p.log().count(is_error()), 0u);
}

// EOS from upstream: sent to the live source, which pushes it downstream. Not sent to the
// pipeline (what gst-launch-1.0 -e does): with a WebRTC peer the sink bin contains webrtcbin's
// sources, so GstBin forwards the EOS into them and blocks on nicesrc's stream lock (see report).
void start_live(Pipeline& p) {
  ASSERT_TRUE(p.ok());
  ASSERT_NE(p.set_state(GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  ASSERT_TRUE(p.log().wait_for(element_message("vtkstreamsink-renderer", "state", "running")));
}

// Guards the EOS rule in handle_message (gstvtkstreamsink.cpp: the keep-alive sink's EOS is the
// sink's, and only it): an application waiting for EOS must get it.
TEST(SinkEos, EosFromUpstreamReachesTheBus) {
  Pipeline p(std::string("videotestsrc name=src is-live=true ! ") + kSmall + " ! vtkstreamsink name=sink");
  ASSERT_NO_FATAL_FAILURE(start_live(p));
  ASSERT_TRUE(gst_element_send_event(p.by_name("src"), gst_event_new_eos()));
  EXPECT_TRUE(p.log().wait_for(is_type(GST_MESSAGE_EOS), 10000));
}

// The same with viewers attached: a WebRTC peer (its webrtcbin may never finish EOS) and an
// MJPEG viewer (its encoder branch hangs off the input tee too); neither may hold EOS back.
TEST(SinkEos, EosFromUpstreamReachesTheBusWithPeers) {
  Pipeline p(std::string("videotestsrc name=src is-live=true ! ") + kSmall + " ! vtkstreamsink name=sink");
  ASSERT_NO_FATAL_FAILURE(start_live(p));
  WsClient rtc, mjpeg;
  ASSERT_TRUE(rtc.connect(ws_url(p.sink())));
  ASSERT_FALSE(hello(rtc, "webrtc", R"(["VP8"])").empty());
  ASSERT_FALSE(rtc.wait_for("offer").empty());
  ASSERT_TRUE(mjpeg.connect(ws_url(p.sink())));
  EXPECT_GE(mjpeg_parts(p.sink(), mjpeg, 1), 1);  // the MJPEG branch is really there
  ASSERT_TRUE(gst_element_send_event(p.by_name("src"), gst_event_new_eos()));
  EXPECT_TRUE(p.log().wait_for(is_type(GST_MESSAGE_EOS), 10000));
}

// Before the fix (the keep-alive fakesink on the input tee, media.cpp Media::Media): it sat
// behind the RTP tee, which only gets a feed once the first caps built the encoder, so an EOS
// before any caps reached no sink and the application waited forever.
TEST(SinkEos, EosBeforeAnyCapsReachesTheBus) {
  Pipeline p("appsrc name=src is-live=true format=time ! vtkstreamsink name=sink");
  ASSERT_TRUE(p.ok());
  ASSERT_NE(p.set_state(GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  ASSERT_EQ(gst_app_src_end_of_stream(GST_APP_SRC(p.by_name("src"))), GST_FLOW_OK);
  EXPECT_TRUE(p.log().wait_for(is_type(GST_MESSAGE_EOS), 10000));
  EXPECT_EQ(p.log().count(is_error()), 0u);
}

}  // namespace
}  // namespace vtkstream::sinktest
