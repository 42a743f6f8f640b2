// Who gets one of the server's --max-peers slots. A view-only link is meant to be shared widely,
// so view-only peers alone must not be able to fill the server and lock the owner out: they may
// hold at most max_peers - owner_slots slots, and the rest stays free for control-link peers.
// The reserve never takes the last slot from the view link (with --max-peers 2 and the default
// reserve of 4, one view-only peer may still join). Owners may take any free slot.
// Transport-free; unit-tested in tests/serve/test_access.cpp.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "auth.h"

namespace vtkstream::sink {

struct Slots {
  size_t max_peers = 32;
  size_t owner_slots = 4;  // kept for the control link
};

// How many slots view-only peers may hold together.
size_t view_slots(const Slots& s);

// Why a peer of `role` may not join while `peers` are connected, `view_peers` of them
// view-only; std::nullopt when it may.
std::optional<std::string> refuse_peer(Role role, size_t peers, size_t view_peers, const Slots& s);

}  // namespace vtkstream::sink
