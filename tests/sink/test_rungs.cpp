// Rungs in a real pipeline (media/rung_encode.h, media/rung_switch.h): a lower rung's encode
// exists only while a viewer is on it, a viewer moved onto it gets its smaller picture, and the
// RTP the viewer receives stays one stream across moves (consecutive sequence numbers and VP8
// picture ids, one SSRC), every packet of every rung carrying the playout-delay header extension
// with min = max = 0 (media/playout_delay_ext.h). The viewer is a real Branch (queue ! appsink) moved by the same
// RungSwitch a WebRTC viewer uses.
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <set>
#include <vector>

#include "live_media.h"
#include "branch.h"
#include "media.h"
#include "playout_delay_ext.h"
#include "rtp_splice.h"
#include "rung_switch.h"
#include "test_main_context.h"

using namespace vtkstream::sink;
using vtkstream::sink::test::has_child_named;
using vtkstream::sink::test::LiveMedia;
using vtkstream::test::run_until;

namespace {

struct Packet {
  uint16_t seq;
  int picture_id;
  guint32 ssrc;
  bool keyframe_start;
  int playout_min_ms = -1;  // -1: the packet had no playout-delay extension
  int playout_max_ms = -1;
};

// A viewer: queue ! appsink in a branch of its own, recording every RTP packet it receives.
class TestViewer : public Branch {
 public:
  TestViewer(GstBin* parent, GstElement* tee) : Branch(parent, "test-viewer", [](const std::string&) {}) {
    GstElement* q = gst_element_factory_make("queue", nullptr);
    sink_ = gst_element_factory_make("appsink", nullptr);
    g_object_set(sink_, "sync", FALSE, "emit-signals", FALSE, "max-buffers", 0u, nullptr);
    gst_bin_add_many(bin(), q, sink_, nullptr);
    gst_element_link(q, sink_);
    GstAppSinkCallbacks cb{};
    cb.new_sample = [](GstAppSink* s, gpointer d) -> GstFlowReturn {
      Received& self = **static_cast<std::shared_ptr<Received>*>(d);
      GstSample* sample = gst_app_sink_pull_sample(s);
      GstBuffer* buf = gst_sample_get_buffer(sample);
      Packet p{};
      RtpPosition pos;
      rtp_position(buf, Codec::kVP8, &pos);
      p.seq = pos.seq;
      p.picture_id = pos.picture_id;
      GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
      if (gst_rtp_buffer_map(buf, GST_MAP_READ, &rtp)) {
        p.ssrc = gst_rtp_buffer_get_ssrc(&rtp);
        gpointer data = nullptr;
        guint size = 0;
        guint lo = 0, hi = 0;
        if (gst_rtp_buffer_get_extension_onebyte_header(&rtp, kPlayoutDelayExtId, 0, &data, &size) &&
            parse_playout_delay(static_cast<const guint8*>(data), size, &lo, &hi)) {
          p.playout_min_ms = int(lo);
          p.playout_max_ms = int(hi);
        }
        gst_rtp_buffer_unmap(&rtp);
      }
      p.keyframe_start = rtp_starts_keyframe(buf, Codec::kVP8);
      gst_sample_unref(sample);
      {
        std::lock_guard l(self.lock);
        self.packets.push_back(p);
      }
      g_main_context_wakeup(nullptr);
      return GST_FLOW_OK;
    };
    // The branch's elements go away on the pipeline's terms, after this object: the callback may
    // still run on the streaming thread then, so what it writes is shared with it and freed by
    // appsink when it drops the callbacks (with `this` as user data, ASan caught the callback
    // writing into a destroyed viewer, and the plain build crashed 2 runs in 15 under load).
    gst_app_sink_set_callbacks(GST_APP_SINK(sink_), &cb, new std::shared_ptr<Received>(received_),
                               [](gpointer d) { delete static_cast<std::shared_ptr<Received>*>(d); });
    std::string err;
    EXPECT_TRUE(ghost_sink(q, &err) && attach(tee, &err)) << err;
    GstPad* ghost = gst_element_get_static_pad(bin_, "sink");
    switch_ = std::make_unique<RungSwitch>(ghost, tee_pad(), 0, Codec::kVP8, [this](int rung) { released_.push_back(rung); });
    gst_object_unref(ghost);
  }
  ~TestViewer() override {
    int rung = 0;
    adopt_tee_pad(switch_->stop(&rung));
  }
  RungSwitch& rungs() { return *switch_; }
  // The sticky event of `type` that reached the viewer's sink, if any.
  bool received(GstEventType type) {
    GstPad* pad = gst_element_get_static_pad(sink_, "sink");
    GstEvent* ev = gst_pad_get_sticky_event(pad, type, 0);
    gst_object_unref(pad);
    if (ev) gst_event_unref(ev);
    return ev != nullptr;
  }
  std::vector<Packet> packets() {
    std::lock_guard l(received_->lock);
    return received_->packets;
  }
  size_t count() {
    std::lock_guard l(received_->lock);
    return received_->packets.size();
  }
  std::vector<int> released_;

 private:
  struct Received {
    std::mutex lock;
    std::vector<Packet> packets;
  };
  GstElement* sink_;
  std::shared_ptr<Received> received_ = std::make_shared<Received>();
  std::unique_ptr<RungSwitch> switch_;
};

int tees_in(GstElement* pipe) {
  int n = 0;
  GstIterator* it = gst_bin_iterate_elements(GST_BIN(pipe));
  GValue v = G_VALUE_INIT;
  while (gst_iterator_next(it, &v) == GST_ITERATOR_OK) {
    GstElementFactory* f = gst_element_get_factory(GST_ELEMENT(g_value_get_object(&v)));
    if (f && g_strcmp0(GST_OBJECT_NAME(f), "tee") == 0) ++n;
    g_value_reset(&v);
  }
  g_value_unset(&v);
  gst_iterator_free(it);
  return n;
}

bool has_element(GstElement* pipe, const char* name) {
  GstElement* e = gst_bin_get_by_name(GST_BIN(pipe), name);
  if (e) gst_object_unref(e);
  return e != nullptr;
}


// The packets after the first keyframe start are one stream: consecutive numbers, one SSRC,
// picture ids that never go back by more than a frame's worth of packets.
void expect_one_stream(const std::vector<Packet>& ps) {
  ASSERT_FALSE(ps.empty());
  std::set<guint32> ssrcs;
  for (size_t i = 1; i < ps.size(); ++i) {
    EXPECT_EQ(uint16_t(ps[i - 1].seq + 1), ps[i].seq) << "sequence gap at packet " << i;
    const int d = (ps[i].picture_id - ps[i - 1].picture_id + 0x8000) & 0x7fff;
    EXPECT_TRUE(d == 0 || d == 1) << "picture id " << ps[i - 1].picture_id << " -> " << ps[i].picture_id << " at " << i;
  }
  for (const Packet& p : ps) ssrcs.insert(p.ssrc);
  EXPECT_EQ(ssrcs.size(), 1u);
  size_t without = 0;
  for (const Packet& p : ps) without += p.playout_min_ms != 0 || p.playout_max_ms != 0;
  EXPECT_EQ(without, 0u) << "packets without playout-delay 0/0, of " << ps.size();
}

}  // namespace

TEST(Rungs, CreatedOnDemandRemovedWhenUnusedOneStreamAcrossMoves) {
  LiveMedia live("video/x-raw,format=I420,width=640,height=480,framerate=30/1", "ball");
  GstElement* pipe = live.pipe;
  auto& media = live.media;
  std::string err;
  MediaConfig cfg;
  cfg.bitrate_kbps = 1000;
  ASSERT_TRUE(live.start(cfg, &err)) << err;
  ASSERT_EQ(media->ladder(5000).size(), 3u);

  const int base_tees = tees_in(pipe);  // input and rtp
  EXPECT_EQ(base_tees, 2);
  EXPECT_EQ(media->rung_encodes(), 0u) << "no viewer needs a lower rung";
  EXPECT_EQ(media->rung_tee(2), nullptr);

  {
    TestViewer viewer(GST_BIN(pipe), media->rtp_tee());
    ASSERT_TRUE(run_until([&] { return viewer.count() >= 20; }, 20000)) << "the top rung sent nothing";

    // Onto the lowest rung: it is created for us and the move completes at its first keyframe.
    GstElement* tee = media->acquire_rung(2, &err);
    ASSERT_NE(tee, nullptr) << err;
    EXPECT_EQ(media->rung_encodes(), 1u);
    EXPECT_EQ(tees_in(pipe), base_tees + 1);
    EXPECT_TRUE(has_element(pipe, "rung-2"));
    ASSERT_TRUE(viewer.rungs().move_to(tee, 2));
    media->force_keyframe(2);
    ASSERT_TRUE(run_until([&] { return viewer.rungs().rung() == 2 && !viewer.released_.empty(); }, 20000))
        << "the move to rung 2 did not complete";
    EXPECT_EQ(viewer.released_, std::vector<int>{0}) << "the top rung's pad was given back";
    int w = 0, h = 0;
    ASSERT_TRUE(run_until([&] { media->rung_size(2, &w, &h); return h > 0; }, 20000));
    EXPECT_EQ(h, 240) << "rung 2 encodes at most 240 lines";
    EXPECT_EQ(w, 320) << "with the input's aspect";
    EXPECT_GE(viewer.rungs().last_gap_ms(), 0);
    g_printerr("move to rung 2: %.1f ms from request to its first keyframe packet\n", viewer.rungs().last_gap_ms());

    // Back to the top rung; rung 2 loses its last user and goes.
    const size_t before = viewer.count();
    ASSERT_TRUE(viewer.rungs().move_to(media->acquire_rung(0, &err), 0));
    media->force_keyframe(0);
    ASSERT_TRUE(run_until([&] { return viewer.rungs().rung() == 0 && viewer.released_.size() == 2; }, 20000));
    for (int r : viewer.released_) media->release_rung(r);
    EXPECT_EQ(media->rung_encodes(), 0u) << "nobody is on rung 2 any more";
    ASSERT_TRUE(run_until([&] { return tees_in(pipe) == base_tees; }, 5000)) << "rung 2's tee stayed";
    EXPECT_FALSE(has_element(pipe, "rung-2"));
    ASSERT_TRUE(run_until([&] { return viewer.count() >= before + 20; }, 20000)) << "nothing after moving back";

    // From the first keyframe on, the viewer saw one stream across both moves.
    std::vector<Packet> ps = viewer.packets();
    size_t first_key = 0;
    while (first_key < ps.size() && !ps[first_key].keyframe_start) ++first_key;
    ASSERT_LT(first_key, ps.size());
    expect_one_stream(std::vector<Packet>(ps.begin() + long(first_key), ps.end()));
    EXPECT_EQ(viewer.rungs().moves(), 2);
  }
  // The viewer's teardown runs on this context.
  EXPECT_TRUE(run_until([&] { return !has_child_named(pipe, "test-viewer"); }, 5000));
}

// The extension's bytes for other delays: 12 bits each in 10 ms units, min first.
TEST(PlayoutDelayExt, WritesTwelveBitsEachInTenMsUnits) {
  GstRTPHeaderExtension* ext = make_playout_delay_ext();
  EXPECT_EQ(gst_rtp_header_extension_get_id(ext), kPlayoutDelayExtId);
  EXPECT_STREQ(gst_rtp_header_extension_get_uri(ext), kPlayoutDelayUri);
  g_object_set(ext, "min-ms", 120u, "max-ms", 40950u, nullptr);
  guint8 data[3] = {};
  GstBuffer* out = gst_buffer_new();
  ASSERT_EQ(gst_rtp_header_extension_write(ext, out, GST_RTP_HEADER_EXTENSION_ONE_BYTE, out, data, sizeof data), 3);
  EXPECT_EQ(data[0], 0x00);  // 12 = 0x00c, 4095 = 0xfff
  EXPECT_EQ(data[1], 0xcf);
  EXPECT_EQ(data[2], 0xff);
  guint lo = 0, hi = 0;
  ASSERT_TRUE(parse_playout_delay(data, sizeof data, &lo, &hi));
  EXPECT_EQ(lo, 120u);
  EXPECT_EQ(hi, 40950u);
  gst_buffer_unref(out);
  gst_object_unref(ext);
}

int children_of(GstElement* pipe) {
  return static_cast<int>(GST_BIN(pipe)->numchildren);
}

// The child whose name starts with `prefix`, watched: *where is cleared when it is finalized.
void watch_child(GstElement* pipe, const char* prefix, gpointer* where) {
  *where = nullptr;
  GstIterator* it = gst_bin_iterate_elements(GST_BIN(pipe));
  GValue v = G_VALUE_INIT;
  while (gst_iterator_next(it, &v) == GST_ITERATOR_OK) {
    GObject* o = G_OBJECT(g_value_get_object(&v));
    if (g_str_has_prefix(GST_OBJECT_NAME(o), prefix)) {
      *where = o;
      g_object_add_weak_pointer(o, where);
    }
    g_value_reset(&v);
  }
  g_value_unset(&v);
  gst_iterator_free(it);
}

// A rung acquired and released before any viewer was linked to its tee (a viewer that left
// before its move completed) is torn down like any other: the sink's children return to their
// count before it, every time.
TEST(Rungs, ReleasedWithoutViewerIsRemoved) {
  LiveMedia live("video/x-raw,format=I420,width=640,height=480,framerate=30/1");
  GstElement* pipe = live.pipe;
  auto& media = live.media;
  std::string err;
  ASSERT_TRUE(live.start(MediaConfig{}, &err)) << err;
  // Nobody reads this pipeline's bus: its messages would keep their sources alive. (Set after
  // the start: a pipeline going to READY unflushes its bus.)
  GstBus* bus = gst_element_get_bus(pipe);
  gst_bus_set_flushing(bus, TRUE);
  gst_object_unref(bus);
  const int base = children_of(pipe);
  for (int round = 0; round < 5; ++round) {
    GstElement* tee = media->acquire_rung(1, &err);
    ASSERT_NE(tee, nullptr) << err;
    EXPECT_GT(children_of(pipe), base);
    // Let it encode (the released rung has packets on the way), then its last user leaves.
    std::atomic<int> packets{0};
    GstPad* tee_sink = gst_element_get_static_pad(tee, "sink");
    const gulong probe = gst_pad_add_probe(
        tee_sink, GstPadProbeType(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
        [](GstPad*, GstPadProbeInfo*, gpointer d) {
          ++*static_cast<std::atomic<int>*>(d);
          g_main_context_wakeup(nullptr);
          return GST_PAD_PROBE_OK;
        },
        &packets, nullptr);
    ASSERT_TRUE(run_until([&] { return packets > 0; }, 20000)) << "round " << round << ": the rung sent nothing";
    gst_pad_remove_probe(tee_sink, probe);
    gst_object_unref(tee_sink);
    gpointer rung_bin = nullptr, rung_tee = nullptr;
    watch_child(pipe, "rung1-", &rung_bin);
    watch_child(pipe, "rung-1", &rung_tee);
    ASSERT_NE(rung_bin, nullptr);
    ASSERT_NE(rung_tee, nullptr);
    media->release_rung(1);
    EXPECT_EQ(media->rung_encodes(), 0u);
    ASSERT_TRUE(run_until([&] { return children_of(pipe) == base; }, 5000))
        << "round " << round << ": the released rung stayed (" << children_of(pipe) << " children, " << base
        << " before)";
    EXPECT_EQ(rung_tee, nullptr) << "round " << round << ": the rung's tee was never freed";
    EXPECT_EQ(rung_bin, nullptr) << "round " << round << ": the rung's bin was never freed";
    if (rung_bin) g_object_remove_weak_pointer(G_OBJECT(rung_bin), &rung_bin);
    if (rung_tee) g_object_remove_weak_pointer(G_OBJECT(rung_tee), &rung_tee);
  }
  // A viewer that leaves before its move to the rung completed (the move's pad pending on the
  // rung's tee, dropped by the switch's stop) releases it the same way.
  const int base_viewer = base + 1;
  for (int round = 0; round < 5; ++round) {
    auto viewer = std::make_unique<TestViewer>(GST_BIN(pipe), media->rtp_tee());
    ASSERT_TRUE(run_until([&] { return viewer->count() >= 1; }, 20000)) << "the top rung sent nothing";
    EXPECT_EQ(children_of(pipe), base_viewer);
    GstElement* tee = media->acquire_rung(1, &err);
    ASSERT_NE(tee, nullptr) << err;
    gpointer rung_bin = nullptr, rung_tee = nullptr;
    watch_child(pipe, "rung1-", &rung_bin);
    watch_child(pipe, "rung-1", &rung_tee);
    ASSERT_TRUE(viewer->rungs().move_to(tee, 1));
    viewer.reset();  // before the rung's first keyframe could complete the move
    media->release_rung(1);  // what its switch's `released` does for the pending rung
    EXPECT_EQ(media->rung_encodes(), 0u);
    ASSERT_TRUE(run_until([&] { return children_of(pipe) == base; }, 5000))
        << "round " << round << ": " << children_of(pipe) << " children, " << base << " before";
    EXPECT_EQ(rung_tee, nullptr) << "round " << round << ": the rung's tee was never freed";
    EXPECT_EQ(rung_bin, nullptr) << "round " << round << ": the rung's bin was never freed";
    if (rung_bin) g_object_remove_weak_pointer(G_OBJECT(rung_bin), &rung_bin);
    if (rung_tee) g_object_remove_weak_pointer(G_OBJECT(rung_tee), &rung_tee);
  }
}

// An error inside a rung's encoder (routed as the sink routes it: Branch::route_error) marks the
// rung failed, says so once, refuses new users, and tells whoever moves the viewers.
TEST(Rungs, AFailedRungIsReportedAndRefused) {
  LiveMedia live("video/x-raw,format=I420,width=320,height=240,framerate=30/1");
  GstElement* pipe = live.pipe;
  auto& media = live.media;
  std::string err;
  ASSERT_TRUE(live.start(MediaConfig{}, &err)) << err;
  std::vector<int> failed;
  media->on_rung_failed([&](int r) { failed.push_back(r); });
  GstElement* tee = media->acquire_rung(1, &err);
  ASSERT_NE(tee, nullptr) << err;
  // An element of the rung's own bin posts an error, as a broken encoder would.
  GstElement* rung_bin = nullptr;
  GstIterator* it = gst_bin_iterate_elements(GST_BIN(pipe));
  GValue v = G_VALUE_INIT;
  while (gst_iterator_next(it, &v) == GST_ITERATOR_OK) {
    GstElement* e = GST_ELEMENT(g_value_get_object(&v));
    if (g_str_has_prefix(GST_OBJECT_NAME(e), "rung1-")) rung_bin = GST_ELEMENT(gst_object_ref(e));
    g_value_reset(&v);
  }
  g_value_unset(&v);
  gst_iterator_free(it);
  ASSERT_NE(rung_bin, nullptr);
  GError* gerr = g_error_new_literal(GST_STREAM_ERROR, GST_STREAM_ERROR_ENCODE, "test: the encoder broke");
  GstMessage* msg = gst_message_new_error(GST_OBJECT(rung_bin), gerr, "test");
  g_error_free(gerr);
  EXPECT_TRUE(Branch::route_error(msg)) << "the rung's owner did not claim its error";
  EXPECT_TRUE(Branch::route_error(msg));  // a second report of the same failure
  gst_message_unref(msg);
  // Both reports were posted to this context before the marker: once it ran, so did they.
  bool marker = false;
  vtkstream::test::post_to_main([&] { marker = true; });
  ASSERT_TRUE(run_until([&] { return marker; }, 5000));
  EXPECT_EQ(failed, std::vector<int>{1}) << "reported once";
  EXPECT_FALSE(media->rung_usable(1));
  EXPECT_TRUE(media->rung_usable(2));
  EXPECT_EQ(media->acquire_rung(1, &err), nullptr);
  EXPECT_NE(err.find("failed"), std::string::npos) << err;
  media->release_rung(1);  // the last user leaves: it goes
  EXPECT_EQ(media->rung_encodes(), 0u);
  gst_object_unref(rung_bin);
  gst_element_set_state(pipe, GST_STATE_NULL);
  media->reset();
  EXPECT_TRUE(media->rung_usable(1)) << "a restarted sink tries it again";
}

// H.264 at 4:2:0 needs an even width: a 16:9 input's 240-line rung is 426.7 pixels wide, and an
// odd 427 made x264enc refuse its caps, so with H264 the lowest rung failed for every 16:9 input.
TEST(Rungs, H264RungOf16By9InputEncodes) {
  LiveMedia live("video/x-raw,format=I420,width=640,height=360,framerate=30/1");
  GstElement* pipe = live.pipe;
  auto& media = live.media;
  std::string err;
  std::atomic<int> errors{0};
  GstBus* bus = gst_element_get_bus(pipe);
  gst_bus_set_sync_handler(
      bus,
      [](GstBus*, GstMessage* m, gpointer d) {
        if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) {
          ++*static_cast<std::atomic<int>*>(d);
          g_main_context_wakeup(nullptr);
        }
        return GST_BUS_DROP;
      },
      &errors, nullptr);
  gst_object_unref(bus);
  MediaConfig cfg;
  cfg.codec = Codec::kH264;
  ASSERT_TRUE(live.start(cfg, &err)) << err;
  GstElement* tee = media->acquire_rung(2, &err);
  ASSERT_NE(tee, nullptr) << err;
  // A packet out of rung 2's tee: its encoder took the scaled caps.
  std::atomic<int> packets{0};
  GstPad* tsink = gst_element_get_static_pad(tee, "sink");
  gst_pad_add_probe(
      tsink, GST_PAD_PROBE_TYPE_BUFFER,
      [](GstPad*, GstPadProbeInfo*, gpointer d) {
        ++*static_cast<std::atomic<int>*>(d);
        g_main_context_wakeup(nullptr);
        return GST_PAD_PROBE_OK;
      },
      &packets, nullptr);
  gst_object_unref(tsink);
  run_until([&] { return packets > 0 || errors > 0; }, 20000);
  EXPECT_EQ(errors.load(), 0) << "rung 2's encoder failed";
  EXPECT_GT(packets.load(), 0) << "rung 2 sent nothing";
  int w = 0, h = 0;
  media->rung_size(2, &w, &h);
  EXPECT_EQ(h, 240);
  EXPECT_EQ(w % 2, 0) << w << "x" << h;
  EXPECT_LE(std::abs(w - 427), 1) << "the input's aspect";
  media->release_rung(2);
}

// A viewer moved before its first rung sent it anything (a still scene: the top rung is quiet
// until the renderer's next frame) never got that rung's stream-start, caps and segment; the new
// rung's were dropped as duplicates, so its packets reached webrtcbin with no caps at all.
TEST(Rungs, MoveBeforeAnyPacketStillStartsTheStream) {
  LiveMedia live("video/x-raw,format=I420,width=640,height=480,framerate=30/1");
  GstElement* pipe = live.pipe;
  auto& media = live.media;
  std::string err;
  GstElement* quiet = gst_element_factory_make("tee", "quiet");  // a rung that sends nothing
  g_object_set(quiet, "allow-not-linked", TRUE, nullptr);
  gst_bin_add(GST_BIN(pipe), quiet);
  ASSERT_TRUE(live.start(MediaConfig{}, &err)) << err;
  {
    TestViewer viewer(GST_BIN(pipe), quiet);
    GstElement* tee = media->acquire_rung(2, &err);
    ASSERT_NE(tee, nullptr) << err;
    ASSERT_TRUE(viewer.rungs().move_to(tee, 2));
    ASSERT_TRUE(run_until([&] { return viewer.count() >= 5; }, 20000)) << "nothing from rung 2";
    EXPECT_TRUE(viewer.received(GST_EVENT_STREAM_START)) << "packets without a stream-start";
    EXPECT_TRUE(viewer.received(GST_EVENT_CAPS)) << "packets without caps";
    EXPECT_TRUE(viewer.received(GST_EVENT_SEGMENT)) << "packets without a segment";
    for (int r : viewer.released_) media->release_rung(r);
  }
  EXPECT_TRUE(run_until([&] { return !has_child_named(pipe, "test-viewer"); }, 5000));
  media->release_rung(2);
}

TEST(Rungs, PassThroughHasOneRung) {
  GstElement* pipe = gst_pipeline_new(nullptr);
  Media media(GST_BIN(pipe));
  GstCaps* caps = gst_caps_from_string("video/x-vp8,width=640,height=480,framerate=30/1");
  std::string err;
  ASSERT_TRUE(media.on_caps(caps, &err)) << err;
  gst_caps_unref(caps);
  EXPECT_EQ(media.ladder(5000).size(), 1u);
  EXPECT_EQ(media.acquire_rung(1, &err), nullptr);
  EXPECT_NE(err.find("no rung 1"), std::string::npos) << err;
  EXPECT_EQ(media.rung_encodes(), 0u);
  EXPECT_EQ(media.acquire_rung(0, &err), media.rtp_tee());
  media.reset();
  gst_object_unref(pipe);
}

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
