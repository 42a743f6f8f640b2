// The binary half of the protocol (docs/protocol.md "WebSocket video"): the header in front of
// each encoded frame the server sends, and the one record a page sends back (an ack). Big-endian
// (network order; a page reads it with DataView's defaults). Pure bytes, no GStreamer or sockets,
// so the fuzzer and unit tests reach it directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "protocol.h"

namespace vtkstream::sink::wsvideo {

inline constexpr uint8_t kVersion = 1;
inline constexpr size_t kHeaderBytes = 28;
inline constexpr uint8_t kFlagKeyframe = 1;
// Part of the GOP replayed to a joining viewer from the server's cache (ws_gop_cache.h).
inline constexpr uint8_t kFlagCached = 2;

// Codec numbers on the wire.
inline constexpr uint8_t kCodecVP8 = 1;
inline constexpr uint8_t kCodecH264 = 2;  // Annex B byte stream, one access unit per message
uint8_t codec_id(Codec c);

struct FrameHeader {
  uint8_t codec = kCodecVP8;
  bool keyframe = false;
  bool cached = false;
  uint32_t frame_id = 0;   // per connection, from 1, +1 per frame sent; what the page acks
  uint64_t seq = 0;        // the page's own input `s` this frame is the first to reflect; 0: none
  uint64_t pts_us = 0;     // presentation time, microseconds (a VideoDecoder's timestamp)
  uint16_t width = 0, height = 0;  // the picture size (0: not known yet)
};

// Header followed by the frame's bytes, as one message.
std::vector<uint8_t> encode_frame(const FrameHeader& h, const uint8_t* data, size_t n);
// The reverse (tests, tools): false when `msg` is not a version-1 frame.
bool decode_frame(const uint8_t* msg, size_t n, FrameHeader* h, size_t* payload_offset);

// Page -> server: an ack, exactly 8 bytes: kind (1), version (1), two zero bytes, frame id (u32).
// It acknowledges that frame and every earlier one.
inline constexpr uint8_t kRecordAck = 1;
inline constexpr size_t kAckBytes = 8;
struct Ack { uint32_t frame_id = 0; };
struct BadRecord { std::string reason; };  // short: it becomes the WebSocket close reason
std::variant<Ack, BadRecord> parse_record(const uint8_t* msg, size_t n);
std::vector<uint8_t> encode_ack(uint32_t frame_id);  // tests and tools

}  // namespace vtkstream::sink::wsvideo
