#include "ws_message_guard.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace vtkstream::sink {

// Header length from its first two bytes (RFC 6455 5.2): 2, plus 2 or 8 for an extended
// length, plus 4 for a mask key.
size_t WsMessageGuard::header_size() const {
  if (hdr_len_ < 2) return 0;
  const uint8_t len7 = hdr_[1] & 0x7f;
  const size_t ext = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
  return 2 + ext + ((hdr_[1] & 0x80) ? 4 : 0);
}

void WsMessageGuard::header_complete() {
  const uint8_t opcode = hdr_[0] & 0x0f;
  const bool fin = (hdr_[0] & 0x80) != 0;
  const uint8_t len7 = hdr_[1] & 0x7f;
  uint64_t len = len7;
  if (len7 >= 126) {
    const size_t n = len7 == 126 ? 2 : 8;
    len = 0;
    for (size_t i = 0; i < n; ++i) len = (len << 8) | hdr_[2 + i];
  }
  payload_left_ = len;
  if (opcode & 0x08) {
    pass_ = true;  // control frames: never part of a message; libsoup caps their size itself
  } else if (tripped_) {
    pass_ = false;  // the message that tripped us, and anything after it, is dropped
  } else {
    // An opcode starts a message; a continuation (0) adds to the open one. Out-of-order frames
    // pass: libsoup answers those with a protocol error.
    if (opcode != 0 || !in_message_) total_ = 0;
    total_ = len > std::numeric_limits<uint64_t>::max() - total_ ? std::numeric_limits<uint64_t>::max() : total_ + len;
    in_message_ = !fin;
    if (total_ > max_) {
      tripped_ = true;
      tripped_total_ = total_;
      pass_ = false;
    } else {
      pass_ = true;
    }
  }
  hdr_emitted_ = 0;
  state_ = pass_ ? State::kEmitHeader : State::kPayload;
}

WsMessageGuard::Step WsMessageGuard::feed(const uint8_t* in, size_t in_n, uint8_t* out, size_t out_n) {
  Step s;
  for (;;) {
    switch (state_) {
      case State::kHeader: {
        if (s.consumed == in_n) return s;
        hdr_[hdr_len_++] = in[s.consumed++];
        const size_t need = header_size();
        if (need && hdr_len_ == need) header_complete();
        break;
      }
      case State::kEmitHeader: {
        if (s.produced == out_n) return s;
        const size_t n = std::min(hdr_len_ - hdr_emitted_, out_n - s.produced);
        std::memcpy(out + s.produced, hdr_ + hdr_emitted_, n);
        hdr_emitted_ += n;
        s.produced += n;
        if (hdr_emitted_ == hdr_len_) state_ = State::kPayload;
        break;
      }
      case State::kPayload: {
        if (payload_left_ == 0) {
          state_ = State::kHeader;
          hdr_len_ = 0;
          break;
        }
        if (s.consumed == in_n) return s;
        size_t n = static_cast<size_t>(std::min<uint64_t>(in_n - s.consumed, payload_left_));
        if (pass_) {
          if (s.produced == out_n) return s;
          n = std::min(n, out_n - s.produced);
          std::memcpy(out + s.produced, in + s.consumed, n);
          s.produced += n;
        }
        s.consumed += n;
        payload_left_ -= n;
        break;
      }
    }
  }
}

}  // namespace vtkstream::sink
