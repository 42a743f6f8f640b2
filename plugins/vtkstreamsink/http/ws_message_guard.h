// Limits whole WebSocket messages, not frames, on the raw bytes a client sends, before libsoup
// sees them.
//
// Why by hand: libsoup 3.2.3 (Debian 12) checks max-incoming-payload-size per frame only and
// appends every continuation frame to the message it is assembling, without a cap (a total
// limit, max-total-message-size, came only in libsoup 3.7.1). Measured before this guard: a
// 64 MB message sent as 1024 fragments of 64 KiB was buffered whole (+65 MB RSS), handed to the
// parser (too-large) and the socket stayed open. This guard reads only frame headers (RFC
// 6455 section 5.2) as the bytes pass, keeps a running total per message and, once the total
// would pass the limit, drops that frame and every data frame after it; control frames (close,
// ping, pong) still pass so that the closing handshake completes. Nothing is buffered but one
// frame header (at most 14 bytes), so memory stays bounded whatever the client sends.
//
// Pure bytes in, bytes out: ws_upgrade.cpp wraps it in a GConverter under libsoup's connection.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vtkstream::sink {

class WsMessageGuard {
 public:
  explicit WsMessageGuard(uint64_t max_message_bytes) : max_(max_message_bytes) {}

  struct Step {
    size_t consumed = 0;  // bytes of `in` used
    size_t produced = 0;  // bytes written to `out`
  };
  // Copies what libsoup may see from `in` to `out` (at most out_n bytes). Call again with the
  // rest of `in` when consumed < in_n (out was full).
  Step feed(const uint8_t* in, size_t in_n, uint8_t* out, size_t out_n);

  // True once a message went over the limit: the connection is to be closed (1009).
  bool tripped() const { return tripped_; }
  // The running total that tripped the guard (for the log line).
  uint64_t tripped_total() const { return tripped_total_; }
  uint64_t max_message_bytes() const { return max_; }

 private:
  enum class State { kHeader, kEmitHeader, kPayload };
  void header_complete();
  size_t header_size() const;  // 0 while the first two bytes are not in yet

  uint64_t max_;
  State state_ = State::kHeader;
  uint8_t hdr_[14] = {};
  size_t hdr_len_ = 0;      // header bytes collected
  size_t hdr_emitted_ = 0;  // header bytes written to out (kEmitHeader)
  uint64_t payload_left_ = 0;
  bool pass_ = true;        // the current frame goes to libsoup
  bool in_message_ = false; // a fragmented message is open
  uint64_t total_ = 0;      // payload bytes of the open message so far
  bool tripped_ = false;
  uint64_t tripped_total_ = 0;
};

}  // namespace vtkstream::sink
