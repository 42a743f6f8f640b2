#include "control.h"

#include <algorithm>

namespace vtkstream::sink {

bool deliberate_input(InputRecord::Kind k) {
  using K = InputRecord::Kind;
  return k == K::kPointerDown || k == K::kWheel || k == K::kKeyDown || k == K::kTouchDown;
}

std::optional<Role> ControlArbiter::role(uint32_t id) const {
  auto it = peers_.find(id);
  if (it == peers_.end()) return std::nullopt;
  return it->second.role;
}

void ControlArbiter::drop_request(uint32_t id) {
  requests_.erase(std::remove(requests_.begin(), requests_.end(), id), requests_.end());
}

bool ControlArbiter::give(uint32_t id, int64_t now_ms) {
  const bool changed = controller_ != id;
  controller_ = id;
  controller_since_ms_ = now_ms;
  const size_t before = requests_.size();
  drop_request(id);
  return changed || before != requests_.size();
}

bool ControlArbiter::join(uint32_t id, Role role, int64_t now_ms) {
  peers_[id] = PeerState{role};
  if (role == Role::kOwner && !controller_) return give(id, now_ms);
  return false;  // nothing changed for the others; the newcomer gets the state after its welcome
}

bool ControlArbiter::leave(uint32_t id, int64_t now_ms) {
  if (!peers_.erase(id)) return false;
  const size_t before = requests_.size();
  drop_request(id);
  bool changed = before != requests_.size();
  if (controller_ == id) {
    controller_.reset();
    changed = true;
    // Control goes back to the longest-connected owner, if one is here (the demo's tab that
    // reloads, or a second owner tab, steers at once).
    for (const auto& [pid, st] : peers_)
      if (st.role == Role::kOwner) {
        controller_ = pid;
        controller_since_ms_ = now_ms;
        break;
      }
  }
  return changed;
}

ControlArbiter::Result ControlArbiter::on_control(uint32_t id, const ControlRequest& req, int64_t now_ms) {
  Result r;
  auto me = peers_.find(id);
  if (me == peers_.end()) return r;
  const bool owner = me->second.role == Role::kOwner;
  using A = ControlRequest::Action;
  switch (req.action) {
    case A::kTake:
      if (!owner) {
        r.error = ProtocolError{ErrorCode::kForbidden, "a view-only link cannot take control; send request"};
        return r;
      }
      r.changed = give(id, now_ms);
      return r;
    case A::kRequest:
      if (controller_ == id) return r;
      if (owner) {  // an owner need not ask
        r.changed = give(id, now_ms);
        return r;
      }
      if (std::find(requests_.begin(), requests_.end(), id) == requests_.end()) {
        requests_.push_back(id);
        r.changed = true;
      }
      return r;
    case A::kRelease:
      if (controller_ == id) {
        controller_.reset();
        r.changed = true;
      } else {
        const size_t before = requests_.size();
        drop_request(id);  // withdraws a request
        r.changed = before != requests_.size();
      }
      return r;
    case A::kGrant: {
      if (!owner && controller_ != id) {
        r.error = ProtocolError{ErrorCode::kForbidden, "only the peer in control or an owner can grant control"};
        return r;
      }
      uint32_t target = req.peer;
      if (target == 0) {
        if (requests_.empty()) {
          r.error = ProtocolError{ErrorCode::kBadState, "nobody has requested control"};
          return r;
        }
        target = requests_.front();
      }
      if (!peers_.count(target)) {
        r.error = ProtocolError{ErrorCode::kBadField, "no peer " + std::to_string(target)};
        return r;
      }
      r.changed = give(target, now_ms);
      return r;
    }
  }
  return r;
}

ControlArbiter::InputResult ControlArbiter::on_input(uint32_t id, InputRecord::Kind kind, int64_t now_ms) {
  InputResult r;
  auto me = peers_.find(id);
  if (me == peers_.end()) return r;
  if (controller_ == id) {
    controller_since_ms_ = now_ms;
    r.verdict = Verdict::kForward;
    return r;
  }
  const bool controller_is_owner = controller_ && role(*controller_) == Role::kOwner;
  // An owner steers as soon as it acts: at once while nobody steers, with a deliberate act while
  // another owner steers; a viewer that was granted control keeps it until an explicit take.
  if (me->second.role == Role::kOwner && (!controller_ || (controller_is_owner && deliberate_input(kind)))) {
    r.changed = give(id, now_ms);
    r.verdict = Verdict::kForward;
    return r;
  }
  // Only deliberate acts earn an error (moves, releases and `rs` follow them or come on their own).
  if (!deliberate_input(kind)) return r;
  r.verdict = now_ms - me->second.last_drop_ms >= kErrorQuietMs ? Verdict::kDropWithError : Verdict::kDrop;
  me->second.last_drop_ms = now_ms;
  return r;
}

bool ControlArbiter::tick(int64_t now_ms) {
  if (!controller_ || idle_ms_ <= 0 || now_ms - controller_since_ms_ < idle_ms_) return false;
  if (requests_.empty() && role(*controller_) == Role::kOwner) return false;
  controller_.reset();
  return true;
}

std::string ControlArbiter::message_for(uint32_t id) const {
  ControlState s;
  s.controller = controller_;
  s.you = controller_ == id;
  s.role = role(id).value_or(Role::kViewer) == Role::kOwner ? "owner" : "viewer";
  s.requests = requests_;
  return serialize(s);
}

}  // namespace vtkstream::sink
