// Small RAII and waiting helpers for tests that drive vtksrc through real pipelines.
// Header-only so each test executable stays one file plus this.
#pragma once

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "unique_name.h"

namespace vtktest {

// gst_init is idempotent; every fixture calls this in SetUpTestSuite.
inline void init_gstreamer() { gst_init(nullptr, nullptr); }

struct GstUnref {
  void operator()(gpointer p) const {
    if (p) gst_object_unref(p);
  }
};
template <typename T>
using ObjectPtr = std::unique_ptr<T, GstUnref>;

struct SampleUnref {
  void operator()(GstSample* s) const { gst_sample_unref(s); }
};
using SamplePtr = std::unique_ptr<GstSample, SampleUnref>;

struct MessageUnref {
  void operator()(GstMessage* m) const { gst_message_unref(m); }
};
using MessagePtr = std::unique_ptr<GstMessage, MessageUnref>;

// Fresh shared-memory name per use, so parallel or crashed runs never collide (tests/common).
using vtkstream::test::unique_name;

// Records every bus message from the posting thread (a sync handler), so nothing is lost to
// bus flushing on state changes, and lets a test wait for one without polling.
class MessageLog {
 public:
  explicit MessageLog(GstElement* pipeline) : bus_(gst_element_get_bus(pipeline)) {
    gst_bus_set_sync_handler(bus_.get(), &MessageLog::on_message, this, nullptr);
  }
  using Pred = std::function<bool(GstMessage*)>;

  // Waits until a message matching `pred` was posted (also one posted before the call), and
  // returns a ref to it, or nullptr on timeout. Each message is returned at most once.
  MessagePtr wait_for(const Pred& pred, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    MessagePtr found;
    cond_.wait_for(lock, timeout, [&] {
      for (size_t i = 0; i < messages_.size(); ++i) {
        if (messages_[i] && pred(messages_[i])) {
          found.reset(messages_[i]);
          messages_[i] = nullptr;
          return true;
        }
      }
      return false;
    });
    return found;
  }

  size_t count(const Pred& pred) {
    std::lock_guard lock(mutex_);
    size_t n = 0;
    for (GstMessage* m : messages_)
      if (m && pred(m)) ++n;
    return n;
  }

  ~MessageLog() {
    gst_bus_set_sync_handler(bus_.get(), nullptr, nullptr, nullptr);
    for (GstMessage* m : messages_)
      if (m) gst_message_unref(m);
  }

 private:
  static GstBusSyncReply on_message(GstBus*, GstMessage* msg, gpointer data) {
    auto* self = static_cast<MessageLog*>(data);
    std::lock_guard lock(self->mutex_);
    // GST_BUS_DROP hands the message's reference to us: keep that one (no extra ref).
    self->messages_.push_back(msg);
    self->cond_.notify_all();
    return GST_BUS_DROP;  // nobody watches the bus asynchronously in these tests
  }
  std::mutex mutex_;
  std::condition_variable cond_;
  ObjectPtr<GstBus> bus_;
  std::vector<GstMessage*> messages_;
};

inline bool is_type(GstMessage* m, GstMessageType t) { return GST_MESSAGE_TYPE(m) == t; }

// A vtksrc-renderer element message with the given state ("waiting", "attached", "lost").
inline MessageLog::Pred renderer_state(const char* state) {
  std::string want = state;
  return [want](GstMessage* m) {
    if (GST_MESSAGE_TYPE(m) != GST_MESSAGE_ELEMENT) return false;
    const GstStructure* s = gst_message_get_structure(m);
    if (!s || !gst_structure_has_name(s, "vtksrc-renderer")) return false;
    const char* got = gst_structure_get_string(s, "state");
    return got && want == got;
  };
}

inline guint64 message_session(GstMessage* m) {
  guint64 sid = 0;
  gst_structure_get_uint64(gst_message_get_structure(m), "session-id", &sid);
  return sid;
}

// `vtksrc ... ! appsink` built from a launch line, with the bus recorded.
class Pipeline {
 public:
  explicit Pipeline(const std::string& launch) {
    GError* err = nullptr;
    pipeline_.reset(gst_parse_launch(launch.c_str(), &err));
    if (err) {  // also a missing element: the partial pipeline is of no use to a test
      error_ = err->message;
      g_error_free(err);
      if (pipeline_) gst_object_unref(gst_object_ref_sink(pipeline_.release()));
    }
    if (pipeline_) {
      gst_object_ref_sink(pipeline_.get());
      log_ = std::make_unique<MessageLog>(pipeline_.get());
    }
  }
  ~Pipeline() {
    if (pipeline_) gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
  }
  bool ok() const { return pipeline_ != nullptr; }
  const std::string& error() const { return error_; }
  GstElement* get() const { return pipeline_.get(); }
  MessageLog& log() { return *log_; }

  ObjectPtr<GstElement> element(const char* name) const {
    return ObjectPtr<GstElement>(gst_bin_get_by_name(GST_BIN(pipeline_.get()), name));
  }
  GstStateChangeReturn set_state(GstState s) { return gst_element_set_state(pipeline_.get(), s); }

  SamplePtr pull(std::chrono::milliseconds timeout, const char* sink = "sink") const {
    auto s = element(sink);
    return SamplePtr(gst_app_sink_try_pull_sample(GST_APP_SINK(s.get()),
                                                  GST_MSECOND * timeout.count()));
  }

  size_t errors() {
    return log_->count([](GstMessage* m) { return is_type(m, GST_MESSAGE_ERROR); });
  }

 private:
  ObjectPtr<GstElement> pipeline_;
  std::unique_ptr<MessageLog> log_;
  std::string error_;
};

}  // namespace vtktest
