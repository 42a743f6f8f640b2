// vtksrc sends each renderer transition downstream as an out-of-band custom event as well as an
// element message (a sink bin such as vtkstreamsink cannot see its siblings' bus messages). A
// pad probe on the sink plays that downstream element. The first notice goes out before any
// caps or segment; GStreamer must not complain about that. Part of test-vtksrc (its main()).
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "fake_renderer.h"
#include "gst_helpers.h"
#include "vtkstream/vtksrc-contract.h"

using namespace std::chrono_literals;
using namespace vtktest;
namespace contract = vtkstream::contract;
using contract::RendererState;

namespace {

constexpr auto kTimeout = 5s;

// Records the renderer notices that reach a pad, and whether caps had passed it before each.
class NoticeProbe {
 public:
  struct Seen {
    contract::RendererNotice notice;
    bool after_caps = false;
  };

  explicit NoticeProbe(GstPad* pad) : pad_(GST_PAD(gst_object_ref(pad))) {
    id_ = gst_pad_add_probe(pad_.get(), GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, &NoticeProbe::on_event,
                            this, nullptr);
  }
  ~NoticeProbe() { gst_pad_remove_probe(pad_.get(), id_); }

  // The first not yet returned notice with `state`, waiting for it on the probe's condition.
  std::optional<Seen> wait_for(RendererState state, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    std::optional<Seen> found;
    cond_.wait_for(lock, timeout, [&] {
      for (size_t i = next_; i < seen_.size(); ++i) {
        if (seen_[i].notice.state == state) {
          found = seen_[i];
          next_ = i + 1;
          return true;
        }
      }
      return false;
    });
    return found;
  }

 private:
  static GstPadProbeReturn on_event(GstPad*, GstPadProbeInfo* info, gpointer data) {
    auto* self = static_cast<NoticeProbe*>(data);
    GstEvent* ev = GST_PAD_PROBE_INFO_EVENT(info);
    std::lock_guard lock(self->mutex_);
    if (GST_EVENT_TYPE(ev) == GST_EVENT_CAPS) self->caps_seen_ = true;
    if (GST_EVENT_TYPE(ev) != GST_EVENT_CUSTOM_DOWNSTREAM_OOB) return GST_PAD_PROBE_OK;
    if (auto n = contract::parse_renderer_notice(gst_event_get_structure(ev))) {
      self->seen_.push_back({*n, self->caps_seen_});
      self->cond_.notify_all();
    }
    return GST_PAD_PROBE_OK;
  }

  ObjectPtr<GstPad> pad_;
  gulong id_ = 0;
  std::mutex mutex_;
  std::condition_variable cond_;
  std::vector<Seen> seen_;
  size_t next_ = 0;
  bool caps_seen_ = false;
};

// Collects GLib warnings and criticals from any thread (GstPad reports misordered or unexpected
// events that way) while it exists.
class GLibComplaints {
 public:
  GLibComplaints() {
    reset();
    previous_ = g_log_set_default_handler(&GLibComplaints::on_log, nullptr);
  }
  ~GLibComplaints() { g_log_set_default_handler(previous_, nullptr); }
  std::vector<std::string> seen() const {
    std::lock_guard lock(mutex_);
    return messages_;
  }
  void reset() {
    std::lock_guard lock(mutex_);
    messages_.clear();
  }

 private:
  static void on_log(const gchar* domain, GLogLevelFlags level, const gchar* message, gpointer) {
    if (!(level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))) return;
    std::lock_guard lock(mutex_);
    messages_.push_back(std::string(domain ? domain : "") + ": " + (message ? message : ""));
  }
  static inline std::mutex mutex_;
  static inline std::vector<std::string> messages_;
  GLogFunc previous_ = nullptr;
};

// The element message that goes with a notice event.
MessageLog::Pred notice_message(RendererState state) {
  return [state](GstMessage* m) {
    if (GST_MESSAGE_TYPE(m) != GST_MESSAGE_ELEMENT) return false;
    auto n = contract::parse_renderer_notice(gst_message_get_structure(m));
    return n && n->state == state;
  };
}

TEST(VtkSrcNotice, RendererTransitionsTravelDownstreamAsOutOfBandEvents) {
  init_gstreamer();
  GLibComplaints complaints;
  // The collector must see GStreamer's own criticals, or its silence below would prove nothing.
  gst_pad_push_event(nullptr, nullptr);
  ASSERT_EQ(complaints.seen().size(), 1u);
  complaints.reset();

  const std::string name = unique_name("notice");
  // A queue in between: out-of-band events overtake what it holds.
  Pipeline p("vtksrc name=src shm-name=" + name +
             " repeat-interval=0 ! queue ! appsink name=sink sync=false");
  ASSERT_TRUE(p.ok()) << p.error();
  ObjectPtr<GstElement> sink = p.element("sink");
  ObjectPtr<GstPad> pad(gst_element_get_static_pad(sink.get(), "sink"));
  NoticeProbe probe(pad.get());
  ASSERT_NE(p.set_state(GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);

  // Nobody there yet: announced before any caps exist.
  auto waiting = probe.wait_for(RendererState::kWaiting, kTimeout);
  ASSERT_TRUE(waiting);
  EXPECT_FALSE(waiting->after_caps);
  EXPECT_EQ(waiting->notice.shm_name, name);
  EXPECT_EQ(waiting->notice.session_id, 0u);
  EXPECT_TRUE(p.log().wait_for(notice_message(RendererState::kWaiting), kTimeout));

  auto renderer = std::make_unique<FakeRenderer>(name, 32, 24);
  ASSERT_TRUE(renderer->ok());
  const uint64_t session = renderer->writer().session_id();
  renderer->publish(32, 24);
  ASSERT_TRUE(p.pull(kTimeout));
  auto attached = probe.wait_for(RendererState::kAttached, kTimeout);
  ASSERT_TRUE(attached);
  EXPECT_EQ(attached->notice.session_id, session);
  EXPECT_EQ(attached->notice.shm_name, name);
  MessagePtr msg = p.log().wait_for(notice_message(RendererState::kAttached), kTimeout);
  ASSERT_TRUE(msg);
  EXPECT_EQ(message_session(msg.get()), session);

  renderer.reset();  // the renderer goes away
  auto lost = probe.wait_for(RendererState::kLost, kTimeout);
  ASSERT_TRUE(lost);
  EXPECT_EQ(lost->notice.session_id, session);
  EXPECT_TRUE(p.log().wait_for(notice_message(RendererState::kLost), kTimeout));

  EXPECT_EQ(p.set_state(GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  EXPECT_EQ(p.errors(), 0u);
  for (const std::string& m : complaints.seen()) ADD_FAILURE() << "GLib complained: " << m;
}

}  // namespace
