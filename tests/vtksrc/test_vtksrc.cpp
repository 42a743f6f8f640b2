// vtksrc driven through real pipelines (`vtksrc ! appsink`) with an in-process FrameWriter as the
// renderer. No sleeps: every wait is on appsink, the bus or the input ring, with a timeout.
#include <fcntl.h>
#include <gst/video/navigation.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>

#include "fake_renderer.h"
#include "gst_helpers.h"

extern char** environ;

using namespace std::chrono_literals;
using namespace vtktest;

namespace {

constexpr auto kPullTimeout = 5s;

class VtkSrcTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { init_gstreamer(); }

  // repeat-interval=0 unless a test wants keep-alive repeats: they would interleave with the
  // frames a test is waiting for.
  static std::string launch(const std::string& shm_name, const std::string& props = "") {
    return "vtksrc name=src shm-name=" + shm_name + " repeat-interval=0 " + props +
           " ! appsink name=sink sync=false";
  }

  static void play(Pipeline& p) {
    ASSERT_TRUE(p.ok()) << p.error();
    // Not waiting for the state change to complete: a live pipeline's sink only reaches PLAYING
    // with its first buffer, and some tests start without a renderer.
    ASSERT_NE(p.set_state(GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  }
};

struct FrameMeta {
  bool found = false;
  guint64 input_seq = 0, frame_number = 0, session_id = 0, render_time = 0;
  gboolean repeat = FALSE;
};

FrameMeta frame_meta(GstBuffer* buf) {
  FrameMeta m;
  GstCustomMeta* meta = gst_buffer_get_custom_meta(buf, "VtkStreamFrameMeta");
  if (!meta) return m;
  const GstStructure* s = gst_custom_meta_get_structure(meta);
  m.found = gst_structure_get_uint64(s, "input-seq", &m.input_seq) &&
            gst_structure_get_uint64(s, "frame-number", &m.frame_number) &&
            gst_structure_get_uint64(s, "session-id", &m.session_id) &&
            gst_structure_get_uint64(s, "render-time", &m.render_time) &&
            gst_structure_get_boolean(s, "repeat", &m.repeat);
  return m;
}

GstVideoInfo sample_info(GstSample* s) {
  GstVideoInfo info;
  gst_video_info_init(&info);
  EXPECT_TRUE(gst_video_info_from_caps(&info, gst_sample_get_caps(s)));
  return info;
}

// Byte at the start of picture row `y`, honouring the buffer's real stride.
int row_byte(GstSample* s, uint32_t y) {
  GstVideoInfo info = sample_info(s);
  GstVideoFrame frame;
  if (!gst_video_frame_map(&frame, &info, gst_sample_get_buffer(s), GST_MAP_READ)) return -1;
  const auto* data = static_cast<const uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0));
  int v = data[size_t(y) * GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0)];
  gst_video_frame_unmap(&frame);
  return v;
}

// Removes a shared-memory object a test created by hand, whatever happens in the test.
struct ShmUnlinker {
  std::string posix;
  ~ShmUnlinker() { shm_unlink(posix.c_str()); }
};

// ------------------------------------------------------------------------------------------

TEST_F(VtkSrcTest, CapsAndPixelsFollowTheRing) {
  struct Case {
    shm::PixelFormat format;
    const char* caps_format;
  };
  for (const Case& c : {Case{shm::PixelFormat::kRGBA, "RGBA"}, Case{shm::PixelFormat::kBGRA, "BGRA"},
                        Case{shm::PixelFormat::kRGB, "RGB"}}) {
    SCOPED_TRACE(c.caps_format);
    const std::string name = unique_name("caps");
    FakeRenderer r(name, 64, 48);
    ASSERT_TRUE(r.ok());
    // Bottom-up like a GL readback: vtksrc must deliver it upright.
    r.publish(64, 47, /*input_seq=*/0, /*tag=*/10, c.format, /*bottom_up=*/true);
    Pipeline p(launch(name));
    play(p);
    SamplePtr s = p.pull(kPullTimeout);
    ASSERT_TRUE(s);
    const GstStructure* st = gst_caps_get_structure(gst_sample_get_caps(s.get()), 0);
    EXPECT_TRUE(gst_structure_has_name(st, "video/x-raw"));
    EXPECT_STREQ(gst_structure_get_string(st, "format"), c.caps_format);
    int w = 0, h = 0, fn = -1, fd = -1;
    EXPECT_TRUE(gst_structure_get_int(st, "width", &w));
    EXPECT_TRUE(gst_structure_get_int(st, "height", &h));
    EXPECT_TRUE(gst_structure_get_fraction(st, "framerate", &fn, &fd));
    EXPECT_EQ(w, 64);
    EXPECT_EQ(h, 47);
    EXPECT_EQ(fn, 0);
    EXPECT_EQ(fd, 1);
    EXPECT_EQ(row_byte(s.get(), 0), 10);
    EXPECT_EQ(row_byte(s.get(), 46), 56);
    EXPECT_EQ(p.errors(), 0u);
  }
}

TEST_F(VtkSrcTest, TimestampsMapRendererClockToRunningTime) {
  const std::string name = unique_name("ts");
  FakeRenderer r(name, 32, 32);
  ASSERT_TRUE(r.ok());
  Pipeline p(launch(name));
  play(p);

  ObjectPtr<GstClock> clock(gst_pipeline_get_clock(GST_PIPELINE(p.get())));
  ASSERT_TRUE(clock);
  GstClockType type = GST_CLOCK_TYPE_REALTIME;
  if (GST_IS_SYSTEM_CLOCK(clock.get())) g_object_get(clock.get(), "clock-type", &type, nullptr);
  if (type != GST_CLOCK_TYPE_MONOTONIC) {
    GTEST_SKIP() << "pipeline clock is not CLOCK_MONOTONIC";
  }
  const GstClockTime base = gst_element_get_base_time(p.get());
  // Publish only once vtksrc listens: a frame already waiting when it starts is stamped as new
  // (see FrameWaitingBeforeStartIsStampedNow), and on a loaded machine its thread starts late.
  ASSERT_TRUE(p.log().wait_for(renderer_state("attached"), kPullTimeout));

  GstClockTime prev = GST_CLOCK_TIME_NONE;
  for (uint64_t i = 1; i <= 6; ++i) {
    const uint64_t t = r.publish(32, 32, /*input_seq=*/100 + i);
    SamplePtr s = p.pull(kPullTimeout);
    ASSERT_TRUE(s);
    GstBuffer* buf = gst_sample_get_buffer(s.get());
    const GstClockTime pts = GST_BUFFER_PTS(buf);
    ASSERT_TRUE(GST_CLOCK_TIME_IS_VALID(pts));
    // The system clock is CLOCK_MONOTONIC, so T maps to T - base_time (within scheduling noise
    // on a loaded test machine).
    EXPECT_NEAR(double(pts), double(t - base), double(20 * GST_MSECOND));
    if (GST_CLOCK_TIME_IS_VALID(prev)) {
      EXPECT_GT(pts, prev);
    }
    prev = pts;
    EXPECT_EQ(GST_BUFFER_OFFSET(buf), i);  // offset = renderer frame number
    FrameMeta m = frame_meta(buf);
    ASSERT_TRUE(m.found);
    EXPECT_EQ(m.input_seq, 100 + i);
    EXPECT_EQ(m.frame_number, i);
    EXPECT_EQ(m.session_id, r.writer().session_id());
    EXPECT_EQ(m.render_time, t);
    EXPECT_FALSE(m.repeat);
  }

  // Latency: live, small minimum, no maximum (the source never queues).
  ObjectPtr<GstElement> src = p.element("src");
  GstQuery* q = gst_query_new_latency();
  ASSERT_TRUE(gst_element_query(src.get(), q));
  gboolean live = FALSE;
  GstClockTime min = 0, max = 0;
  gst_query_parse_latency(q, &live, &min, &max);
  gst_query_unref(q);
  EXPECT_TRUE(live);
  EXPECT_LE(min, 20 * GST_MSECOND);
  EXPECT_FALSE(GST_CLOCK_TIME_IS_VALID(max));
}

// A frame that sat in the ring before vtksrc started listening keeps no meaningful time: it is
// stamped as if it had just arrived, so a syncing sink shows it rather than drop it as late.
TEST_F(VtkSrcTest, FrameWaitingBeforeStartIsStampedNow) {
  const std::string name = unique_name("stale");
  FakeRenderer r(name, 16, 16);
  ASSERT_TRUE(r.ok());
  r.publish(16, 16, 0, 0, shm::PixelFormat::kRGBA, false, shm::monotonic_ns() - 5 * GST_SECOND);
  Pipeline p(launch(name));
  ASSERT_TRUE(p.ok()) << p.error();
  // Running time is already 10 s when the pipeline starts (as for an element added to a running
  // pipeline), so an unclamped mapping would give about 5 s.
  ObjectPtr<GstClock> clock(gst_system_clock_obtain());
  gst_pipeline_use_clock(GST_PIPELINE(p.get()), clock.get());
  gst_element_set_start_time(p.get(), GST_CLOCK_TIME_NONE);
  const GstClockTime base = gst_clock_get_time(clock.get()) - 10 * GST_SECOND;
  gst_element_set_base_time(p.get(), base);
  play(p);
  SamplePtr s = p.pull(kPullTimeout);
  ASSERT_TRUE(s);
  const GstClockTime running_now = gst_clock_get_time(clock.get()) - base;
  const GstClockTime pts = GST_BUFFER_PTS(gst_sample_get_buffer(s.get()));
  EXPECT_LE(pts, running_now);
  // An unclamped mapping is 5 s off; a second of slack absorbs a heavily loaded machine.
  EXPECT_GE(pts, running_now - GST_SECOND);
}

TEST_F(VtkSrcTest, RenegotiatesWhenTheRendererResizes) {
  const std::string name = unique_name("resize");
  FakeRenderer r(name, 64, 48);
  ASSERT_TRUE(r.ok());
  Pipeline p(launch(name));
  play(p);

  r.publish(64, 48, 0, 1);
  SamplePtr a = p.pull(kPullTimeout);
  ASSERT_TRUE(a);
  r.publish(96, 72, 0, 2);
  SamplePtr b = p.pull(kPullTimeout);
  ASSERT_TRUE(b);
  r.publish(96, 72, 0, 3);
  SamplePtr c = p.pull(kPullTimeout);
  ASSERT_TRUE(c);

  GstVideoInfo ia = sample_info(a.get()), ib = sample_info(b.get());
  EXPECT_EQ(GST_VIDEO_INFO_WIDTH(&ia), 64);
  EXPECT_EQ(GST_VIDEO_INFO_WIDTH(&ib), 96);
  EXPECT_EQ(GST_VIDEO_INFO_HEIGHT(&ib), 72);
  EXPECT_FALSE(gst_caps_is_equal(gst_sample_get_caps(a.get()), gst_sample_get_caps(b.get())));
  EXPECT_TRUE(gst_caps_is_equal(gst_sample_get_caps(b.get()), gst_sample_get_caps(c.get())));
  EXPECT_GE(gst_buffer_get_size(gst_sample_get_buffer(b.get())), 96u * 72 * 4);
  EXPECT_EQ(row_byte(b.get(), 71), 73);  // picture content follows the new size too
  EXPECT_EQ(p.errors(), 0u);
}

TEST_F(VtkSrcTest, SurvivesRendererRestart) {
  const std::string name = unique_name("restart");
  Pipeline p(launch(name));
  play(p);
  // Nobody there yet.
  ASSERT_TRUE(p.log().wait_for(renderer_state("waiting"), kPullTimeout));

  auto r = std::make_unique<FakeRenderer>(name, 32, 32);
  ASSERT_TRUE(r->ok());
  const uint64_t first_session = r->writer().session_id();
  r->publish(32, 32);
  SamplePtr s1 = p.pull(kPullTimeout);
  ASSERT_TRUE(s1);
  MessagePtr attached = p.log().wait_for(renderer_state("attached"), kPullTimeout);
  ASSERT_TRUE(attached);
  EXPECT_EQ(message_session(attached.get()), first_session);

  r.reset();  // the renderer exits
  MessagePtr lost = p.log().wait_for(renderer_state("lost"), kPullTimeout);
  ASSERT_TRUE(lost);
  EXPECT_EQ(message_session(lost.get()), first_session);

  r = std::make_unique<FakeRenderer>(name, 48, 32);  // and comes back, at another size
  ASSERT_TRUE(r->ok());
  r->publish(48, 32, 5);
  SamplePtr s2 = p.pull(kPullTimeout);
  ASSERT_TRUE(s2);
  attached = p.log().wait_for(renderer_state("attached"), kPullTimeout);
  ASSERT_TRUE(attached);
  EXPECT_EQ(message_session(attached.get()), r->writer().session_id());
  EXPECT_NE(r->writer().session_id(), first_session);

  GstBuffer* b1 = gst_sample_get_buffer(s1.get());
  GstBuffer* b2 = gst_sample_get_buffer(s2.get());
  EXPECT_GT(GST_BUFFER_PTS(b2), GST_BUFFER_PTS(b1));
  EXPECT_TRUE(GST_BUFFER_FLAG_IS_SET(b2, GST_BUFFER_FLAG_DISCONT));
  GstVideoInfo i2 = sample_info(s2.get());
  EXPECT_EQ(GST_VIDEO_INFO_WIDTH(&i2), 48);
  FrameMeta m = frame_meta(b2);
  EXPECT_EQ(m.session_id, r->writer().session_id());
  EXPECT_EQ(m.input_seq, 5u);
  // One message per transition.
  EXPECT_EQ(p.log().count(renderer_state("lost")), 0u);  // consumed above, none extra
  EXPECT_EQ(p.errors(), 0u);
}

// Collects `n` input records from the writer, waiting on its input futex.
std::vector<shm::InputEvent> drain(shm::FrameWriter& w, size_t n) {
  std::vector<shm::InputEvent> got;
  const auto deadline = std::chrono::steady_clock::now() + kPullTimeout;
  while (got.size() < n && std::chrono::steady_clock::now() < deadline) {
    w.wait_input(200);
    w.drain_input(&got);
  }
  return got;
}

TEST_F(VtkSrcTest, NavigationEventsReachTheRenderer) {
  const std::string name = unique_name("nav");
  FakeRenderer r(name, 320, 240);
  ASSERT_TRUE(r.ok());
  r.publish(320, 240);
  Pipeline p(launch(name));
  play(p);
  ASSERT_TRUE(p.pull(kPullTimeout));  // caps negotiated: coordinates are in 320x240 pixels

  ObjectPtr<GstElement> sink = p.element("sink");
  ObjectPtr<GstPad> pad(gst_element_get_static_pad(sink.get(), "sink"));
  auto send = [&](GstEvent* ev) { EXPECT_TRUE(gst_pad_push_event(pad.get(), ev)); };
  const auto shift = GST_NAVIGATION_MODIFIER_SHIFT_MASK;
  const auto ctrl = GST_NAVIGATION_MODIFIER_CONTROL_MASK;
  const auto none = GST_NAVIGATION_MODIFIER_NONE;

  send(gst_navigation_event_new_mouse_move(32, 24, shift));
  send(gst_navigation_event_new_mouse_button_press(1, 160, 60, ctrl));
  send(gst_navigation_event_new_mouse_button_release(3, 160, 60, none));
  send(gst_navigation_event_new_mouse_scroll(80, 120, 0, 1.0, none));
  send(gst_navigation_event_new_key_press("Left", none));
  send(gst_navigation_event_new_key_release("Left", none));
  send(gst_navigation_event_new_touch_down(3, 320, 240, 1.0, none));
  send(gst_navigation_event_new_touch_motion(3, 400, -10, 1.0, none));  // clamped
  send(gst_navigation_event_new_touch_up(3, 0, 0, none));
  send(gst_navigation_event_new_touch_frame(none));
  // A server's own numbering and peer id ride in the navigation structure.
  GstEvent* tagged = gst_navigation_event_new_mouse_move(0, 0, none);
  gst_structure_set(gst_event_writable_structure(tagged), "vtkstream-seq", G_TYPE_UINT64,
                    G_GUINT64_CONSTANT(1000), "vtkstream-peer", G_TYPE_UINT, 7u, nullptr);
  send(tagged);
  send(gst_navigation_event_new_key_press("a", none));  // local numbering continues after it
  send(gst_event_new_custom(GST_EVENT_CUSTOM_UPSTREAM,
                            gst_structure_new("vtkstream-resize", "width", G_TYPE_INT, 640,
                                              "height", G_TYPE_INT, 360, nullptr)));

  std::vector<shm::InputEvent> got = drain(r.writer(), 13);
  ASSERT_EQ(got.size(), 13u);
  using K = shm::InputKind;
  auto kind = [](const shm::InputEvent& e) { return K(e.kind); };

  EXPECT_EQ(kind(got[0]), K::kPointerMove);
  EXPECT_FLOAT_EQ(got[0].x, 0.1f);
  EXPECT_FLOAT_EQ(got[0].y, 0.1f);
  EXPECT_EQ(got[0].modifiers, uint32_t(shm::kModShift));
  EXPECT_EQ(kind(got[1]), K::kPointerDown);
  EXPECT_EQ(got[1].button, 1);
  EXPECT_FLOAT_EQ(got[1].x, 0.5f);
  EXPECT_FLOAT_EQ(got[1].y, 0.25f);
  EXPECT_EQ(got[1].modifiers, uint32_t(shm::kModControl));
  EXPECT_EQ(kind(got[2]), K::kPointerUp);
  EXPECT_EQ(got[2].button, 3);
  EXPECT_EQ(kind(got[3]), K::kWheel);
  EXPECT_FLOAT_EQ(got[3].wheel_dy, -1.0f);  // GStreamer's "up" is the ring's negative
  EXPECT_FLOAT_EQ(got[3].x, 0.25f);
  EXPECT_EQ(kind(got[4]), K::kKeyDown);
  EXPECT_STREQ(got[4].key, "Left");
  EXPECT_EQ(kind(got[5]), K::kKeyUp);
  EXPECT_STREQ(got[5].key, "Left");
  EXPECT_EQ(kind(got[6]), K::kTouchDown);
  EXPECT_EQ(got[6].button, 3);
  EXPECT_FLOAT_EQ(got[6].x, 1.0f);
  EXPECT_FLOAT_EQ(got[6].y, 1.0f);
  EXPECT_EQ(kind(got[7]), K::kTouchMove);
  EXPECT_FLOAT_EQ(got[7].x, 1.0f);
  EXPECT_FLOAT_EQ(got[7].y, 0.0f);
  EXPECT_EQ(kind(got[8]), K::kTouchUp);
  EXPECT_EQ(kind(got[9]), K::kTouchFrame);
  EXPECT_EQ(kind(got[10]), K::kPointerMove);
  EXPECT_EQ(got[10].seq, 1000u);
  EXPECT_EQ(got[10].peer_id, 7u);
  EXPECT_EQ(kind(got[11]), K::kKeyDown);
  EXPECT_EQ(got[11].seq, 1001u);
  EXPECT_EQ(kind(got[12]), K::kResize);
  EXPECT_EQ(got[12].width, 640u);
  EXPECT_EQ(got[12].height, 360u);

  for (size_t i = 1; i < got.size(); ++i) {
    EXPECT_GT(got[i].seq, got[i - 1].seq) << "record " << i;
    EXPECT_GE(got[i].timestamp_ns, got[i - 1].timestamp_ns);
  }
  EXPECT_EQ(p.errors(), 0u);
}

TEST_F(VtkSrcTest, StopWhileWaitingIsPromptAndSilent) {
  // Waiting for a renderer that never comes.
  {
    const std::string name = unique_name("stop");
    Pipeline p(launch(name));
    play(p);
    ASSERT_TRUE(p.log().wait_for(renderer_state("waiting"), kPullTimeout));
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(p.set_state(GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
    EXPECT_EQ(p.errors(), 0u);
  }
  // Waiting for the next frame of an idle renderer.
  {
    const std::string name = unique_name("stop");
    FakeRenderer r(name, 16, 16);
    ASSERT_TRUE(r.ok());
    r.publish(16, 16);
    Pipeline p(launch(name));
    play(p);
    ASSERT_TRUE(p.pull(kPullTimeout));
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(p.set_state(GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
    EXPECT_EQ(p.errors(), 0u);
  }
}

TEST_F(VtkSrcTest, RepeatsTheLastPictureWhileIdle) {
  const std::string name = unique_name("repeat");
  FakeRenderer r(name, 16, 16);
  ASSERT_TRUE(r.ok());
  r.publish(16, 16, 9, 42);
  Pipeline p("vtksrc shm-name=" + name + " repeat-interval=100 ! appsink name=sink sync=false");
  play(p);
  SamplePtr first = p.pull(kPullTimeout);
  ASSERT_TRUE(first);
  GstClockTime prev = GST_BUFFER_PTS(gst_sample_get_buffer(first.get()));
  EXPECT_FALSE(frame_meta(gst_sample_get_buffer(first.get())).repeat);
  for (int i = 0; i < 3; ++i) {
    SamplePtr s = p.pull(kPullTimeout);
    ASSERT_TRUE(s);
    GstBuffer* b = gst_sample_get_buffer(s.get());
    FrameMeta m = frame_meta(b);
    EXPECT_TRUE(m.repeat);
    EXPECT_EQ(m.frame_number, 1u);
    EXPECT_EQ(m.input_seq, 9u);
    EXPECT_EQ(GST_BUFFER_OFFSET(b), 1u);
    EXPECT_EQ(row_byte(s.get(), 0), 42);  // same picture
    const GstClockTime gap = GST_BUFFER_PTS(b) - prev;
    EXPECT_GE(gap, 80 * GST_MSECOND);
    EXPECT_LE(gap, 1000 * GST_MSECOND);  // generous: a loaded machine wakes late, never early
    prev = GST_BUFFER_PTS(b);
  }
  // A real frame still comes through at once.
  r.publish(16, 16, 10, 7);
  SamplePtr fresh = p.pull(kPullTimeout);
  ASSERT_TRUE(fresh);
  FrameMeta m = frame_meta(gst_sample_get_buffer(fresh.get()));
  EXPECT_FALSE(m.repeat);
  EXPECT_EQ(m.frame_number, 2u);
}

// vtksrc-contract.h kRepeatNowEvent: the keep-alive repeat at once, not when the interval ends
// (a minute here), for a viewer joining an idle scene.
TEST_F(VtkSrcTest, RepeatsAtOnceWhenAskedUpstream) {
  const std::string name = unique_name("repeatnow");
  FakeRenderer r(name, 16, 16);
  ASSERT_TRUE(r.ok());
  r.publish(16, 16, 9, 42);
  Pipeline p("vtksrc shm-name=" + name + " repeat-interval=60000 ! appsink name=sink sync=false");
  play(p);
  ASSERT_TRUE(p.pull(kPullTimeout));
  GstElement* sink = gst_bin_get_by_name(GST_BIN(p.get()), "sink");
  ASSERT_TRUE(gst_element_send_event(sink, gst_event_new_custom(GST_EVENT_CUSTOM_UPSTREAM,
                                                                 gst_structure_new_empty("vtkstream-repeat-now"))));
  gst_object_unref(sink);
  SamplePtr s = p.pull(kPullTimeout);
  ASSERT_TRUE(s) << "no repeat after the request";
  FrameMeta m = frame_meta(gst_sample_get_buffer(s.get()));
  EXPECT_TRUE(m.repeat);
  EXPECT_EQ(m.frame_number, 1u);
  EXPECT_EQ(row_byte(s.get(), 0), 42);  // the same picture
}

TEST_F(VtkSrcTest, InvalidObjectWarnsOnceThenRecovers) {
  const std::string name = unique_name("invalid");
  ShmUnlinker cleanup{"/" + name};
  {
    int fd = shm_open(cleanup.posix.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
    ASSERT_GE(fd, 0);
    std::vector<uint8_t> garbage(8192, 0xab);
    ASSERT_EQ(write(fd, garbage.data(), garbage.size()), ssize_t(garbage.size()));
    close(fd);
  }
  Pipeline p(launch(name));
  play(p);
  MessagePtr warning =
      p.log().wait_for([](GstMessage* m) { return is_type(m, GST_MESSAGE_WARNING); }, kPullTimeout);
  ASSERT_TRUE(warning);
  GError* err = nullptr;
  gchar* debug = nullptr;
  gst_message_parse_warning(warning.get(), &err, &debug);
  EXPECT_TRUE(debug && std::strstr(debug, name.c_str())) << (debug ? debug : "(no debug)");
  g_clear_error(&err);
  g_free(debug);

  // A real renderer replaces the garbage under the same name.
  FakeRenderer r(name, 24, 24);
  ASSERT_TRUE(r.ok());
  r.publish(24, 24, 3);
  SamplePtr s = p.pull(kPullTimeout);
  ASSERT_TRUE(s);
  EXPECT_EQ(frame_meta(gst_sample_get_buffer(s.get())).input_seq, 3u);
  EXPECT_EQ(p.log().count([](GstMessage* m) { return is_type(m, GST_MESSAGE_WARNING); }), 0u);
  EXPECT_EQ(p.errors(), 0u);
}

TEST_F(VtkSrcTest, NonLivePrerollsAndCountsFromZero) {
  const std::string name = unique_name("nonlive");
  FakeRenderer r(name, 16, 16);
  ASSERT_TRUE(r.ok());
  const uint64_t t0 = r.publish(16, 16);
  Pipeline p(launch(name, "is-live=false"));
  ASSERT_TRUE(p.ok()) << p.error();
  ASSERT_NE(p.set_state(GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
  // Not live: the sink prerolls on the first frame.
  EXPECT_EQ(gst_element_get_state(p.get(), nullptr, nullptr, 5 * GST_SECOND),
            GST_STATE_CHANGE_SUCCESS);
  ASSERT_NE(p.set_state(GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  SamplePtr a = p.pull(kPullTimeout);
  ASSERT_TRUE(a);
  EXPECT_EQ(GST_BUFFER_PTS(gst_sample_get_buffer(a.get())), 0u);
  const uint64_t t1 = r.publish(16, 16, 0, 0, shm::PixelFormat::kRGBA, false, t0 + 40 * GST_MSECOND);
  SamplePtr b = p.pull(kPullTimeout);
  ASSERT_TRUE(b);
  EXPECT_EQ(GST_BUFFER_PTS(gst_sample_get_buffer(b.get())), t1 - t0);  // renderer's spacing
  EXPECT_EQ(p.errors(), 0u);
}

// This executable doubles as a renderer that can crash for real: `--fake-writer NAME` publishes
// one frame, says "ready" on stdout and waits to be killed.
int run_fake_writer(const char* name) {
  std::string err;
  auto w = shm::FrameWriter::create(name, 32, 32, &err);
  if (!w) {
    std::fprintf(stderr, "fake writer: %s\n", err.c_str());
    return 1;
  }
  if (uint8_t* p = w->begin_frame(32, 32, 32 * 4, shm::PixelFormat::kRGBA, 0)) {
    std::memset(p, 0x55, 32 * 32 * 4);
    w->publish(shm::monotonic_ns(), 1);
  }
  std::printf("ready\n");
  std::fflush(stdout);
  for (;;) pause();
}

TEST_F(VtkSrcTest, NoticesACrashedRendererAndItsReplacement) {
  const std::string name = unique_name("crash");
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&fa, out[0]);
  std::string self_exe = "/proc/self/exe";
  char* argv[] = {self_exe.data(), const_cast<char*>("--fake-writer"),
                  const_cast<char*>(name.c_str()), nullptr};
  pid_t pid = -1;
  ASSERT_EQ(posix_spawn(&pid, argv[0], &fa, nullptr, argv, environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  close(out[1]);
  // Killed and reaped whatever the test's outcome.
  struct Reaper {
    pid_t pid;
    ~Reaper() {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  } reaper{pid};
  pollfd pfd{out[0], POLLIN, 0};
  char buf[16] = {};
  ASSERT_EQ(poll(&pfd, 1, 10'000), 1);
  ASSERT_GT(read(out[0], buf, sizeof buf - 1), 0);
  close(out[0]);
  ASSERT_STREQ(buf, "ready\n");

  Pipeline p(launch(name));
  play(p);
  ASSERT_TRUE(p.pull(kPullTimeout));
  MessagePtr attached = p.log().wait_for(renderer_state("attached"), kPullTimeout);
  ASSERT_TRUE(attached);

  kill(pid, SIGKILL);  // no chance to mark the object closed: only the heartbeat tells
  // The shm library declares a writer dead after a 3 s silent heartbeat.
  MessagePtr lost = p.log().wait_for(renderer_state("lost"), 10s);
  ASSERT_TRUE(lost);
  EXPECT_EQ(message_session(lost.get()), message_session(attached.get()));

  // A restarted renderer takes over the name the dead one left behind.
  FakeRenderer r(name, 32, 32);
  ASSERT_TRUE(r.ok());
  r.publish(32, 32, 2);
  SamplePtr s = p.pull(kPullTimeout);
  ASSERT_TRUE(s);
  EXPECT_EQ(frame_meta(gst_sample_get_buffer(s.get())).session_id, r.writer().session_id());
  EXPECT_EQ(p.errors(), 0u);
}

TEST_F(VtkSrcTest, BadShmNameIsAnErrorNotACrash) {
  Pipeline p("vtksrc shm-name=../etc ! appsink name=sink");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.set_state(GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  EXPECT_TRUE(p.log().wait_for([](GstMessage* m) { return is_type(m, GST_MESSAGE_ERROR); }, 1s));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "--fake-writer") == 0) return run_fake_writer(argv[2]);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
