// Is the Janus server up? Asks its HTTP API (GET BASE/info, which any Janus with the HTTP
// transport answers with {"janus": "server_info", ...}) on the sink's context, asynchronously, and
// says so when the answer changes. While Janus answers it asks again every kUpIntervalMs; while it
// does not, after a backoff that doubles from kFirstRetryMs to kMaxRetryMs, so a Janus that is
// down costs a request every few seconds and one that comes back is seen within kMaxRetryMs.
//
// Why a probe and not only the RTP: UDP to a dead port fails silently, so without it nothing
// would tell the operator (or /metrics) that the audience is gone.
#pragma once

#include <libsoup/soup.h>

#include <functional>
#include <memory>
#include <string>

namespace vtkstream::sink {

class JanusProbe {
 public:
  // Runs on the sink's context: the new state, and why (the error, or Janus's version).
  using ChangedFn = std::function<void(bool up, const std::string& why)>;
  // `base` is the HTTP API's base URL, e.g. http://127.0.0.1:8088/janus. Sink context.
  JanusProbe(std::string base, ChangedFn changed);
  ~JanusProbe();
  JanusProbe(const JanusProbe&) = delete;
  JanusProbe& operator=(const JanusProbe&) = delete;

  bool up() const { return up_; }
  unsigned failures() const { return failures_; }  // failed probes since the start

  static constexpr int kUpIntervalMs = 1000;
  static constexpr int kFirstRetryMs = 250;
  static constexpr int kMaxRetryMs = 4000;
  static constexpr int kTimeoutS = 2;  // a request that takes longer, in all, counts as down
  static constexpr unsigned kMaxAnswerBytes = 64 * 1024;  // Janus's /info is about 2 KB

 private:
  struct Request;
  void ask();
  static void read_more(Request* r);
  // Reports the request's outcome (unless the probe is gone) and frees it; takes `err`.
  static void finish(Request* r, bool ok, GError* err, const std::string& why = {});
  void answered(bool ok, const std::string& why);
  void schedule(int ms);

  std::string info_url_;
  ChangedFn changed_;
  SoupSession* session_ = nullptr;
  GCancellable* inflight_ = nullptr;  // the request in flight (owned by it), if any
  GSource* timer_ = nullptr;
  bool up_ = false;
  bool known_ = false;  // the first answer is reported whatever it says
  int retry_ms_ = kFirstRetryMs;
  unsigned failures_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace vtkstream::sink
