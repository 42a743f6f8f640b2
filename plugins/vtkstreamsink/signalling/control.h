// Who steers (README "Server", docs/protocol.md "Control"): one controller at a time, decided
// here for all peers of a server. Transport-free; the Server feeds it joins, leaves, `control`
// messages, input and a clock tick, and broadcasts the state when a call says it changed.
// Unit-tested in tests/serve/test_control.cpp.
//
// Rules:
//  * an owner (control link) joining while nobody steers gets control (one owner = today's demo);
//  * an owner can always `take`; it also takes implicitly with any input while nobody steers and
//    with a deliberate input (press, wheel, key, touch start) while another owner steers; a viewer
//    granted control keeps it until an owner `take`s it, it `release`s it, leaves, or idles out;
//  * a viewer `request`s; the controller or any owner `grant`s (to a peer, or the oldest request);
//  * the controller's disconnect releases (to the longest-connected owner, if any); an idle controller (no input for idle_ms) is released
//    when somebody asked for control or when it is a viewer;
//  * input from anyone else is dropped; a dropped press, wheel, key or touch start gets an error,
//    at most one per burst (a burst ends after kErrorQuietMs without such a drop); moves,
//    releases and `rs` (resize) are dropped silently.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "auth.h"
#include "protocol.h"

namespace vtkstream::sink {

class ControlArbiter {
 public:
  static constexpr int64_t kErrorQuietMs = 2000;

  struct Result {
    bool changed = false;  // broadcast the state to every peer
    std::optional<ProtocolError> error;  // reply to the caller
  };
  enum class Verdict { kForward, kDrop, kDropWithError };
  struct InputResult {
    Verdict verdict = Verdict::kDrop;
    bool changed = false;
  };

  explicit ControlArbiter(int64_t idle_ms = 60000) : idle_ms_(idle_ms) {}

  // Each returns true when the state changed for the peers already there (broadcast it).
  bool join(uint32_t id, Role role, int64_t now_ms);
  bool leave(uint32_t id, int64_t now_ms);
  Result on_control(uint32_t id, const ControlRequest& req, int64_t now_ms);
  InputResult on_input(uint32_t id, InputRecord::Kind kind, int64_t now_ms);
  bool tick(int64_t now_ms);  // idle release

  std::optional<uint32_t> controller() const { return controller_; }
  const std::vector<uint32_t>& requests() const { return requests_; }
  std::optional<Role> role(uint32_t id) const;
  // The `control` message for peer `id`.
  std::string message_for(uint32_t id) const;

 private:
  bool give(uint32_t id, int64_t now_ms);
  void drop_request(uint32_t id);

  struct PeerState {
    Role role;
    int64_t last_drop_ms = INT64_MIN / 2;
  };
  int64_t idle_ms_;
  std::map<uint32_t, PeerState> peers_;
  std::optional<uint32_t> controller_;
  int64_t controller_since_ms_ = 0;  // last input (or the grant) of the controller
  std::vector<uint32_t> requests_;   // oldest first
};

// Whether an input kind is a deliberate act (press, wheel, key, touch start).
bool deliberate_input(InputRecord::Kind k);

}  // namespace vtkstream::sink
