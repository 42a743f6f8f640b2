// libFuzzer target: what a browser (or an attacker) can send the server. The input is a sequence
// of messages separated by newlines; each goes through the real parser and the per-peer handler,
// alternately as a WebSocket message and as a data-channel message, and the media side answers
// the handler's requests (an offer, candidates, a failure) the way the server would. Each message
// is also taken as a binary WebSocket message (WebSocket video's ack record) and, when it parses,
// fed to a viewer's flow control between frames the "encoder" offers.
#include <string>
#include <string_view>
#include <variant>

#include "handler.h"
#include "protocol.h"
#include "ws_video_flow.h"
#include "ws_video_wire.h"

using namespace vtkstream::sink;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view all(reinterpret_cast<const char*>(data), size);
  ServerInfo info;
  info.width = 1280;
  info.height = 720;
  Handler handler(1, &info);
  handler.set_controlling(size % 2 == 0);
  WsVideoFlow flow;
  int64_t now = 0;
  size_t start = 0, n = 0;
  while (start <= all.size()) {
    size_t end = all.find('\n', start);
    if (end == std::string_view::npos) end = all.size();
    std::string_view msg = all.substr(start, end - start);
    start = end + 1;
    (void)parse_input_record(msg);
    const auto rec = wsvideo::parse_record(reinterpret_cast<const uint8_t*>(msg.data()), msg.size());
    now += 33'000;
    (void)flow.offer(msg.size() % 4 == 0, msg.size(), n, now);
    if (const auto* ack = std::get_if<wsvideo::Ack>(&rec)) (void)flow.ack(ack->frame_id, now);
    // The window, with the allowance behind a keyframe (ws_video_flow.h).
    if (flow.in_flight() > WsVideoFlow::kMaxInFlight + WsVideoFlow::kBehindKeyframe) __builtin_trap();
    Actions acts = (n++ % 3 == 2) ? handler.on_channel_text(msg) : handler.on_text(msg);
    for (auto& a : acts) {
      if (std::holds_alternative<action::StartWebRtc>(a)) {
        handler.on_offer("v=0\r\n");
        handler.on_local_candidate(0, "candidate:1 1 UDP 1 198.51.100.1 5000 typ host");
        handler.on_local_candidate(0, "");
      } else if (std::holds_alternative<action::ApplyAnswer>(a) && n % 5 == 0) {
        handler.on_answer_rejected("fuzz");
      }
    }
    if (n % 7 == 0) handler.on_renderer(RendererStatus::kRestarting, "fuzz");
    if (n % 11 == 0) handler.on_webrtc_failed("fuzz");
  }
  return 0;
}
