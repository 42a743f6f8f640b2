// WHEP viewers (docs/protocol.md "WHEP"): one WebRtcBranch each, answering the viewer's offer.
// They watch only (no data channel, no input), take a view-only slot like other view-only peers
// (the web service decides, admit()), and live until DELETE on their resource, a WebRTC failure,
// when they never connect, the connect timeout, or once connected, RTCP silence; an offer made
// while no video flows is answered 503 after kStreamWaitMs. Everything runs on the sink's context.
//
// Trickle ICE is not offered (PATCH answers 405): the answer waits until our ICE gathering is
// complete and carries every candidate (a moment on a host's own addresses; longer with STUN or
// TURN servers, bounded by kGatherTimeoutMs). The viewer's own candidates need not reach us:
// its connectivity checks reveal its address (a peer-reflexive candidate).
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "protocol.h"
#include "webrtc_branch.h"

namespace vtkstream::sink {

class Media;

class WhepSessions {
 public:
  static constexpr int kGatherTimeoutMs = 10000;
  // The answer waits for the video to reach the new branch (webrtc_answer.cpp); a source that has
  // produced no frame by then (a renderer not started yet) gets 503 and Retry-After.
  static constexpr int kStreamWaitMs = 5000;
  // Browsers send receiver reports every second or so, GStreamer every few seconds; a viewer
  // silent this long has gone without DELETE (tab closed, network lost).
  static constexpr int kRtcpTimeoutS = 20;

  struct Env {
    GstBin* sink;
    Media* media;
    const IceConfig* ice;
    // A new peer id, or the reason there is no slot (too many peers, shutting down).
    std::function<std::optional<uint32_t>(std::string* why)> admit;
    std::function<void(uint32_t peer, bool joined)> changed;  // for the bus and /metrics
    int connect_timeout_s = 30;  // answered but not connected within: dropped; 0 = never
    int rtcp_timeout_s = kRtcpTimeoutS;  // connected, but no RTCP from the viewer for: dropped
    std::string log_name = "vtkstreamsink";
  };
  struct Reply {
    unsigned status = 500;
    std::string body;          // the answer (201) or the reason
    std::string resource;      // 201: the resource id (Location is /whep/ID)
  };
  using Done = std::function<void(const Reply&)>;

  explicit WhepSessions(Env env);
  ~WhepSessions();
  WhepSessions(const WhepSessions&) = delete;
  WhepSessions& operator=(const WhepSessions&) = delete;

  // A POSTed offer. `done` runs once, later or at once, on the sink's context.
  void offer(const std::string& sdp, Done done);
  // DELETE: false when there is no such resource.
  bool end(const std::string& resource);
  // The HTTP request behind an unanswered offer went away: drop its session.
  void abandon(const std::string& resource);
  size_t count() const { return sessions_.size(); }
  size_t connected() const;
  // Drops sessions that did not connect in time (the sink's 1 s tick).
  void tick(int64_t now_us);
  void clear();

 private:
  struct Session;
  void remove(const std::string& resource, const char* why);
  void maybe_reply(Session& s);
  WebRtcBranch::Callbacks callbacks(const std::string& resource);
  Session* session(const std::string& resource);  // nullptr once gone
  static std::string with_candidates(const std::string& answer, const std::vector<std::pair<unsigned, std::string>>& c);

  Env env_;
  std::map<std::string, std::unique_ptr<Session>> sessions_;  // by resource id
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace vtkstream::sink
