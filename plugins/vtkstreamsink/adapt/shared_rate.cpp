#include "shared_rate.h"

#include <gst/gst.h>

#include <climits>
#include <vector>

#include "encoder_policy.h"
#include "media.h"
#include "peer.h"

namespace vtkstream::sink {

int RungPlanner::rung_of(uint32_t peer) const {
  const auto it = states_.find(peer);
  return it != states_.end() ? it->second.rung : -1;
}

void RungPlanner::apply(Peers& peers, std::optional<uint32_t> controller, Media& media, int64_t now_us) {
  const std::vector<adapt::Rung> ladder = media.ladder(max_kbps_);
  std::map<uint32_t, adapt::ViewerRungInput> inputs;
  for (auto& [id, p] : peers) {
    if (!p->on_rungs()) continue;  // WebRTC or WebSocket video
    // Without adaptation a viewer has no estimate: it stays on the top rung unless it pins one.
    const int kbps = p->rate() ? p->rate()->target_kbps() : INT_MAX / 2;
    inputs[id] = {kbps, p->pinned_rung()};
  }
  states_ = adapt::assign_rungs(ladder, states_, inputs, now_us);
  std::vector<bool> usable;
  for (size_t r = 0; r < ladder.size(); ++r) usable.push_back(media.rung_usable(static_cast<int>(r)));
  for (auto& [id, st] : states_) st.rung = adapt::usable_rung(st.rung, usable);
  for (auto& [id, st] : states_) {
    Peer& p = *peers.at(id);
    p.move_to_rung(st.rung);
    // Its estimate grows no higher than its rung's encoder can send, where nothing tests it; a
    // pinned viewer's rung is its own choice, not the estimate's, so it bounds nothing.
    const int ceiling = st.rung >= 0 && st.rung < static_cast<int>(ladder.size()) ? ladder[st.rung].max_kbps : 0;
    if (ViewerRate* r = p.rate()) r->set_ceiling(p.pinned_rung() || ceiling <= 0 ? std::nullopt : std::optional<int>(ceiling));
  }
  const std::map<int, int> wanted = adapt::rung_bitrates(ladder, states_, inputs);
  for (const auto& [rung, kbps] : wanted) {
    const int now = media.rung_bitrate_kbps(rung);
    if (kbps > 0 && now > 0 && kbps < INT_MAX / 4 && adapt::worth_changing(now, kbps)) media.set_rung_bitrate(rung, kbps);
  }
  // A rung no viewer of ours (WebRTC or WebSocket video) is on may still be encoded for others (Janus's mountpoints, WHEP
  // viewers): the estimate of a weak viewer who left is nobody's now, so it goes back to the rate
  // it started at (it kept the last viewer's rate for good, e.g. 150 kbit/s for Janus's audience).
  for (int rung = 0; rung < static_cast<int>(ladder.size()); ++rung) {
    const int now = media.rung_bitrate_kbps(rung);
    const int start = media.rung_start_kbps(rung);
    if (!wanted.count(rung) && now > 0 && start > 0 && now != start) media.set_rung_bitrate(rung, start);
  }
  std::vector<int> heights;
  for (const adapt::Rung& r : ladder) heights.push_back(r.max_height);
  for (auto& [id, st] : states_) {
    Peer& p = *peers.at(id);
    const int rung = p.rung_now();  // what it receives now (a move ends at a keyframe)
    if (const ViewerRate* r = p.rate()) {
      const bool steers = controller == id || (states_.size() == 1 && !controller);
      // The encoder's rate as it runs now: the picture's size may cap what the estimate allows.
      std::string msg = estimate_message(r->target_kbps(), media.rung_applied_kbps(rung), steers);
      if (msg != p.last_estimate()) {
        p.send(msg);
        p.last_estimate() = std::move(msg);
      }
    }
    RungInfo info{rung, static_cast<int>(ladder.size()), 0, 0, media.rung_bitrate_kbps(rung), p.pinned_rung().has_value(),
                  heights};
    media.rung_size(rung, &info.width, &info.height);
    info.render_width = media.width();
    info.render_height = media.height();
    std::string msg = rung_message(info);
    if (msg != p.last_rung()) {
      p.send(msg);
      p.last_rung() = std::move(msg);
    }
  }
}

namespace {

void member(JsonBuilder* b, const char* name, std::optional<double> v) {
  json_builder_set_member_name(b, name);
  if (v) json_builder_add_double_value(b, *v);
  else json_builder_add_null_value(b);
}

}  // namespace

void add_rate_health(JsonBuilder* b, const Peers& peers, std::optional<uint32_t> controller, const Media& media) {
  json_builder_set_member_name(b, "encoder_kbps");
  json_builder_add_int_value(b, media.bitrate_kbps());
  json_builder_set_member_name(b, "encoder_applied_kbps");  // capped by the picture's size now
  json_builder_add_int_value(b, media.applied_bitrate_kbps());
  json_builder_set_member_name(b, "rung_encodes");  // lower rungs encoding now
  json_builder_add_int_value(b, static_cast<gint64>(media.rung_encodes()));
  json_builder_set_member_name(b, "viewers");
  json_builder_begin_array(b);
  for (const auto& [id, p] : peers) {
    const ViewerRate* r = p->rate();
    if (!r) continue;
    const adapt::Signals& s = r->controller().signals();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "peer");
    json_builder_add_int_value(b, id);
    json_builder_set_member_name(b, "role");
    json_builder_add_string_value(b, role_name(p->role()));
    json_builder_set_member_name(b, "controlling");
    json_builder_add_boolean_value(b, controller == id);
    if (p->on_rungs()) {
      json_builder_set_member_name(b, "transport");  // what the page shows: "ws" or "webrtc"
      json_builder_add_string_value(b, p->ws_video() ? "ws" : "webrtc");
      json_builder_set_member_name(b, "rung");
      json_builder_add_int_value(b, p->rung_now());
      json_builder_set_member_name(b, "rung_kbps");  // the bitrate of this viewer's rung's encoder
      json_builder_add_int_value(b, media.rung_bitrate_kbps(p->rung_now()));
      json_builder_set_member_name(b, "rung_applied_kbps");  // what it runs at: capped by the picture's size
      json_builder_add_int_value(b, media.rung_applied_kbps(p->rung_now()));
      json_builder_set_member_name(b, "rung_moves");
      json_builder_add_int_value(b, p->rung_moves());
    }
    if (WebRtcBranch* w = const_cast<Peer&>(*p).session()) {
      json_builder_set_member_name(b, "last_move_gap_ms");
      json_builder_add_double_value(b, w->last_move_gap_ms());
    }
    json_builder_set_member_name(b, "estimate_kbps");
    json_builder_add_int_value(b, r->target_kbps());
    json_builder_set_member_name(b, "state");
    json_builder_add_string_value(b, r->controller().state().c_str());
    member(b, "recv_kbps", s.recv_kbps);
    member(b, "send_kbps", s.send_kbps);
    member(b, "loss", s.loss);
    member(b, "delay_ms", s.delay_ms);
    member(b, "page_delay_ms", s.page_delay_ms);
    member(b, "net_queue_ms", s.net_queue_ms);
    member(b, "rtt_ms", s.rtt_ms);
    json_builder_set_member_name(b, "freezes");
    json_builder_add_int_value(b, static_cast<gint64>(s.freezes));
    json_builder_set_member_name(b, "frames_dropped");
    json_builder_add_int_value(b, static_cast<gint64>(s.dropped));
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
}

}  // namespace vtkstream::sink
