#include "whep_sessions.h"

#include <gst/sdp/sdp.h>

#include "auth.h"
#include "media.h"
#include "sink_context.h"
#include "whep_offer.h"

GST_DEBUG_CATEGORY_STATIC(sink_whep_debug);
#define GST_CAT_DEFAULT sink_whep_debug

namespace vtkstream::sink {

struct WhepSessions::Session {
  uint32_t peer = 0;
  std::string resource;
  std::unique_ptr<WebRtcBranch> branch;
  std::string answer;
  std::vector<std::pair<unsigned, std::string>> candidates;
  bool gathered = false;
  bool connected = false;
  int64_t created_us = 0;
  Done done;  // until answered
  GSource* gather_timer = nullptr;
  GSource* stream_timer = nullptr;  // until answered
  ~Session() {
    cancel_source(gather_timer);
    cancel_source(stream_timer);
  }
};

WhepSessions::WhepSessions(Env env) : env_(std::move(env)) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(sink_whep_debug, "vtkstreamsink-whep", 0, "vtkstreamsink WHEP viewers");
    g_once_init_leave(&once, 1);
  }
}

WhepSessions::~WhepSessions() {
  *alive_ = false;
  clear();
}

void WhepSessions::offer(const std::string& sdp, Done done) {
  SinkMetrics& metrics = env_.media->metrics();
  const WhepOffer checked = check_whep_offer(sdp, env_.media->codec());
  if (!checked.ok) {
    metrics.whep_refused.add();
    done({400, checked.reason + "\n", ""});
    return;
  }
  std::string why;
  const std::optional<uint32_t> peer = env_.admit(&why);
  if (!peer) {
    metrics.whep_refused.add();
    done({503, why + "\n", ""});
    return;
  }
  auto s = std::make_unique<Session>();
  s->peer = *peer;
  s->resource = generate_token();
  s->created_us = g_get_monotonic_time();
  s->done = std::move(done);
  const std::string res = s->resource;
  WebRtcBranch::Callbacks cb = callbacks(res);
  std::string err;
  s->branch = WebRtcBranch::create_answerer(env_.sink, *env_.media, s->peer, env_.media->codec(), *env_.ice, sdp,
                                            std::move(cb), &err);
  if (!s->branch) {
    metrics.whep_refused.add();
    g_printerr("%s: WHEP: %s\n", env_.log_name.c_str(), err.c_str());
    Done d = std::move(s->done);
    d({500, err + "\n", ""});
    return;
  }
  s->gather_timer = add_timeout(kGatherTimeoutMs, [this, res, alive = std::weak_ptr<bool>(alive_)] {
    if (Session* s = alive.lock() ? session(res) : nullptr) {
      cancel_source(s->gather_timer);
      GST_INFO("WHEP peer %u: answering before ICE gathering completed", s->peer);
      s->gathered = true;
      maybe_reply(*s);
    }
    return false;
  });
  s->stream_timer = add_timeout(kStreamWaitMs, [this, res, alive = std::weak_ptr<bool>(alive_)] {
    Session* s = alive.lock() ? session(res) : nullptr;
    if (!s) return false;
    cancel_source(s->stream_timer);
    if (s->answer.empty()) {
      env_.media->metrics().whep_refused.add();
      remove(res, "no video to send yet (the source has produced no frame); try again");
    }
    return false;
  });
  metrics.whep_sessions.add();
  const uint32_t id = s->peer;
  sessions_.emplace(res, std::move(s));
  GST_INFO("WHEP peer %u: offer accepted", id);
  if (env_.changed) env_.changed(id, true);
}

WhepSessions::Session* WhepSessions::session(const std::string& res) {
  auto it = sessions_.find(res);
  return it == sessions_.end() ? nullptr : it->second.get();
}

// The branch's callbacks for the session `res`; each finds its session again, which may be gone.
WebRtcBranch::Callbacks WhepSessions::callbacks(const std::string& res) {
  std::weak_ptr<bool> alive = alive_;
  auto find = [this, res, alive]() -> Session* { return alive.lock() ? session(res) : nullptr; };
  WebRtcBranch::Callbacks cb;
  cb.answer = [this, find](const std::string& answer) {
    if (Session* s = find()) {
      cancel_source(s->stream_timer);
      s->answer = answer;
      maybe_reply(*s);
    }
  };
  cb.candidate = [this, find](unsigned mline, const std::string& c) {
    if (Session* s = find()) {
      if (c.empty()) s->gathered = true;
      else s->candidates.emplace_back(mline, c);
      maybe_reply(*s);
    }
  };
  cb.connected = [find] {
    if (Session* s = find()) {
      s->connected = true;
      s->branch->watch_rtcp();
    }
  };
  cb.failed = [this, find, res, alive](const std::string& why) {
    Session* s = find();
    if (!s) return;
    GST_INFO("WHEP peer %u: WebRTC failed: %s", s->peer, why.c_str());
    if (s->done) {
      env_.media->metrics().whep_refused.add();
      Done d = std::move(s->done);
      s->done = nullptr;
      d({400, "the offer could not be answered: " + why + "\n", ""});
    }
    // Not inside the branch's own callback: removing destroys the branch.
    post_to(current_context(), [this, res, alive] {
      if (alive.lock()) remove(res, "WebRTC failed");
    });
  };
  return cb;
}

void WhepSessions::maybe_reply(Session& s) {
  if (!s.done || s.answer.empty() || !s.gathered) return;
  cancel_source(s.gather_timer);
  Done d = std::move(s.done);
  s.done = nullptr;
  d({201, with_candidates(s.answer, s.candidates), s.resource});
}

// The answer as webrtcbin made it, plus every candidate gathered since, on its m-line, and
// a=end-of-candidates (RFC 8840): the viewer gets no trickle from us.
std::string WhepSessions::with_candidates(const std::string& answer,
                                          const std::vector<std::pair<unsigned, std::string>>& candidates) {
  GstSDPMessage* msg = nullptr;
  if (gst_sdp_message_new_from_text(answer.c_str(), &msg) != GST_SDP_OK || !msg) return answer;
  for (const auto& [mline, cand] : candidates) {
    if (mline >= gst_sdp_message_medias_len(msg)) continue;
    GstSDPMedia* m = const_cast<GstSDPMedia*>(gst_sdp_message_get_media(msg, mline));
    const std::string value = g_str_has_prefix(cand.c_str(), "candidate:") ? cand.substr(10) : cand;
    bool present = false;
    for (guint i = 0; i < gst_sdp_media_attributes_len(m) && !present; ++i) {
      const GstSDPAttribute* a = gst_sdp_media_get_attribute(m, i);
      present = g_strcmp0(a->key, "candidate") == 0 && value == (a->value ? a->value : "");
    }
    if (!present) gst_sdp_media_add_attribute(m, "candidate", value.c_str());
  }
  for (guint i = 0; i < gst_sdp_message_medias_len(msg); ++i) {
    GstSDPMedia* m = const_cast<GstSDPMedia*>(gst_sdp_message_get_media(msg, i));
    if (!gst_sdp_media_get_attribute_val(m, "end-of-candidates")) gst_sdp_media_add_attribute(m, "end-of-candidates", nullptr);
  }
  gchar* text = gst_sdp_message_as_text(msg);
  std::string out = text;
  g_free(text);
  gst_sdp_message_free(msg);
  return out;
}

bool WhepSessions::end(const std::string& resource) {
  if (sessions_.find(resource) == sessions_.end()) return false;
  remove(resource, "DELETE");
  return true;
}

void WhepSessions::abandon(const std::string& resource) { remove(resource, "the request went away"); }

size_t WhepSessions::connected() const {
  size_t n = 0;
  for (const auto& [res, s] : sessions_) n += s->connected;
  return n;
}

void WhepSessions::tick(int64_t now_us) {
  std::vector<std::pair<std::string, const char*>> late;
  for (const auto& [res, s] : sessions_) {
    if (!s->connected && !s->done && env_.connect_timeout_s > 0 &&
        now_us - s->created_us >= int64_t(env_.connect_timeout_s) * G_USEC_PER_SEC)
      late.emplace_back(res, "did not connect in time");
    else if (s->connected && env_.rtcp_timeout_s > 0 && s->branch->last_rtcp_us() > 0 &&
             now_us - s->branch->last_rtcp_us() >= int64_t(env_.rtcp_timeout_s) * G_USEC_PER_SEC)
      late.emplace_back(res, "no RTCP from the viewer");
  }
  for (const auto& [res, why] : late) {
    g_printerr("%s: WHEP session ended: %s\n", env_.log_name.c_str(), why);
    remove(res, why);
  }
}

void WhepSessions::remove(const std::string& resource, const char* why) {
  auto it = sessions_.find(resource);
  if (it == sessions_.end()) return;
  std::unique_ptr<Session> s = std::move(it->second);
  sessions_.erase(it);
  GST_INFO("WHEP peer %u: ended (%s)", s->peer, why);
  if (s->done) s->done({503, std::string("session ended: ") + why + "\n", ""});
  const uint32_t peer = s->peer;
  s.reset();  // removes the branch
  if (env_.changed) env_.changed(peer, false);
}

void WhepSessions::clear() {
  while (!sessions_.empty()) remove(sessions_.begin()->first, "shutting down");
}

}  // namespace vtkstream::sink
