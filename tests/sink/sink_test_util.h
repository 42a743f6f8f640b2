// Shared pieces of the vtkstreamsink suite (test-vtkstreamsink): RAII for GStreamer references,
// a bus log that wakes the default main context, a sink outside any pipeline, a parsed pipeline
// around the sink, the WebSocket and HTTP side of a viewer, and /proc counts for leak checks.
// Every sink listens on port 0 of 127.0.0.1. Waiting is on events with timeouts (run_until on the
// default main context, which the bus sync handler and the WebSocket client both wake).
#pragma once

#include <gst/gst.h>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "test_main_context.h"
#include "ws_client.h"

namespace vtkstream::sinktest {

using test::Json;
using test::run_until;
using test::WsClient;

// ---- RAII ------------------------------------------------------------------------------------
struct ObjectUnref {
  void operator()(gpointer p) const {
    if (p) gst_object_unref(p);
  }
};
template <typename T>
using Ref = std::unique_ptr<T, ObjectUnref>;

struct MessageUnref {
  void operator()(GstMessage* m) const { gst_message_unref(m); }
};
using MessagePtr = std::unique_ptr<GstMessage, MessageUnref>;

struct CapsUnref {
  void operator()(GstCaps* c) const { gst_caps_unref(c); }
};
using CapsPtr = std::unique_ptr<GstCaps, CapsUnref>;

struct EventUnref {
  void operator()(GstEvent* e) const { gst_event_unref(e); }
};
using EventPtr = std::unique_ptr<GstEvent, EventUnref>;

struct GFree {
  void operator()(gpointer p) const { g_free(p); }
};
using CharPtr = std::unique_ptr<gchar, GFree>;

// ---- Bus -------------------------------------------------------------------------------------
// Collects every message posted on an element's bus from the posting thread (a sync handler),
// so nothing is lost to flushing on state changes, and wakes the default main context so that
// wait_for (which runs it, for the WebSocket client's sake) re-checks. An element without a bus
// (outside a pipeline) gets one of its own.
class BusLog {
 public:
  using Pred = std::function<bool(GstMessage*)>;
  explicit BusLog(GstElement* element);
  ~BusLog();
  BusLog(const BusLog&) = delete;
  BusLog& operator=(const BusLog&) = delete;

  // The first message matching `pred` not returned before (also one posted before the call);
  // nullptr after timeout_ms.
  MessagePtr wait_for(const Pred& pred, int timeout_ms = 10000);
  size_t count(const Pred& pred);
  void clear();

 private:
  static GstBusSyncReply on_message(GstBus*, GstMessage* msg, gpointer data);
  Ref<GstBus> bus_;
  std::mutex lock_;
  std::vector<GstMessage*> messages_;  // nullptr once returned by wait_for
};

BusLog::Pred is_type(GstMessageType t);
// An ERROR message (any source).
BusLog::Pred is_error();
// An element message with this structure name (and, if given, a string field equal to value).
BusLog::Pred element_message(const std::string& name, const std::string& field = "",
                             const std::string& value = "");
// The text of an ERROR message ("" for anything else).
std::string error_text(GstMessage* m);

// ---- Sink ------------------------------------------------------------------------------------
std::string get_string(GstElement* e, const char* property);

// A vtkstreamsink outside any pipeline, on 127.0.0.1 port 0, with its own bus and log; NULL again
// when it goes.
class StandaloneSink {
 public:
  StandaloneSink();
  ~StandaloneSink();
  GstElement* get() const { return sink_.get(); }
  BusLog& log() { return *log_; }
  GstStateChangeReturn set_state(GstState s) { return gst_element_set_state(sink_.get(), s); }

 private:
  Ref<GstElement> sink_;
  std::unique_ptr<BusLog> log_;
};

// gst_parse_launch(description) with a bus log; the vtkstreamsink in it must be named "sink"
// (port=0 address=127.0.0.1 are set on it here). NULL again when it goes.
class Pipeline {
 public:
  explicit Pipeline(const std::string& description);
  ~Pipeline();
  bool ok() const { return pipeline_ != nullptr && sink_ != nullptr; }
  GstElement* get() const { return pipeline_.get(); }
  GstElement* sink() const { return sink_.get(); }
  GstElement* by_name(const char* name) const;  // transfer none (the pipeline keeps it)
  BusLog& log() { return *log_; }
  GstStateChangeReturn set_state(GstState s) { return gst_element_set_state(pipeline_.get(), s); }
  // Sets `s` and waits (up to 10 s) until the pipeline is there; false on failure.
  bool go(GstState s);

 private:
  Ref<GstElement> pipeline_;
  Ref<GstElement> sink_;
  std::unique_ptr<BusLog> log_;
};

// ---- Viewer ----------------------------------------------------------------------------------
// ws://127.0.0.1:PORT/ws?token=T (the control token, or the view token), from a sink in READY+.
std::string ws_url(GstElement* sink, bool view_only = false);
// http://127.0.0.1:PORT/PATH with &token= / ?token= of the control token appended (auth on).
std::string http_url(GstElement* sink, const std::string& path_and_query);
// Says hello (codecs VP8 and H264 unless given) and returns the welcome's text ("" if none came).
std::string hello(WsClient& ws, const std::string& transport,
                  const std::string& codecs_json = R"(["VP8","H264"])");
// GET on a raw socket (5 s I/O timeout): status (-1 if none), head (status line and headers), body.
struct HttpResult {
  int status = -1;
  std::string head, body;
};
HttpResult http_get(const std::string& url);
// The same with another method and extra header lines (each ending in \r\n).
HttpResult http_request(const std::string& url, const char* method, const std::string& headers = "");
// The body of a 200 response, else "".
std::string http_get_body(const std::string& url);
// GET /mjpeg?peer=...&token=... on a raw socket and counts complete JPEG parts (FF D8 after a
// part's headers) until `parts` arrived or timeout_ms passed; returns the count.
int read_mjpeg_parts(const std::string& url, int parts, int timeout_ms = 15000);

// ---- Branches --------------------------------------------------------------------------------
// webrtcbin elements anywhere inside `bin`.
int webrtcbins(GstElement* bin);
// Waits until `bin` holds `n` webrtcbins: a branch leaves the sink asynchronously (at an idle
// moment of its tee pad, then on the sink's thread), and the sink says so with element-removed.
bool wait_webrtcbins(GstElement* bin, int n, int timeout_ms = 5000);

// ---- /proc -----------------------------------------------------------------------------------
int fd_count();
int threads_named(const std::string& name);
// Re-checks `done` every 50 ms (running the default main context meanwhile) until it holds or
// timeout_ms passed. Only for what has no event to wait on (/proc: fds closed, threads exited).
bool eventually(const std::function<bool()>& done, int timeout_ms);

}  // namespace vtkstream::sinktest
