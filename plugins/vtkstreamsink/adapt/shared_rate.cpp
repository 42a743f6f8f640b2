#include "shared_rate.h"

#include <gst/gst.h>

#include <vector>

#include "encoder_policy.h"
#include "media.h"
#include "peer.h"

namespace vtkstream::sink {

int apply_shared_rate(Peers& peers, std::optional<uint32_t> controller, Media& media) {
  std::vector<adapt::ViewerEstimate> viewers;
  for (auto& [id, p] : peers)
    if (const ViewerRate* r = p->rate()) viewers.push_back({id, r->target_kbps(), controller == id});
  int now = media.bitrate_kbps();
  if (const auto want = adapt::shared_encoder_kbps(viewers); want && now > 0 && adapt::worth_changing(now, *want))
    now = media.set_bitrate(*want);
  for (auto& [id, p] : peers) {
    const ViewerRate* r = p->rate();
    if (!r) continue;
    const bool steers = controller == id || (viewers.size() == 1 && !controller);
    std::string msg = estimate_message(r->target_kbps(), now, steers);
    if (msg == p->last_estimate()) continue;
    p->send(msg);
    p->last_estimate() = std::move(msg);
  }
  return now;
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
    json_builder_set_member_name(b, "estimate_kbps");
    json_builder_add_int_value(b, r->target_kbps());
    json_builder_set_member_name(b, "state");
    json_builder_add_string_value(b, r->controller().state().c_str());
    member(b, "recv_kbps", s.recv_kbps);
    member(b, "send_kbps", s.send_kbps);
    member(b, "loss", s.loss);
    member(b, "delay_ms", s.delay_ms);
    member(b, "page_delay_ms", s.page_delay_ms);
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
