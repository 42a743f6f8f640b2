#include "ws_video_wire.h"

namespace vtkstream::sink::wsvideo {

namespace {

void put(std::vector<uint8_t>& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

uint64_t get(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

uint8_t codec_id(Codec c) { return c == Codec::kH264 ? kCodecH264 : kCodecVP8; }

std::vector<uint8_t> encode_frame(const FrameHeader& h, const uint8_t* data, size_t n) {
  std::vector<uint8_t> out;
  out.reserve(kHeaderBytes + n);
  put(out, kVersion, 1);
  put(out, kHeaderBytes, 1);  // a later version may grow the header; pages skip what they do not know
  put(out, h.codec, 1);
  put(out, (h.keyframe ? kFlagKeyframe : 0) | (h.cached ? kFlagCached : 0), 1);
  put(out, h.frame_id, 4);
  put(out, h.seq, 8);
  put(out, h.pts_us, 8);
  put(out, h.width, 2);
  put(out, h.height, 2);
  out.insert(out.end(), data, data + n);
  return out;
}

bool decode_frame(const uint8_t* msg, size_t n, FrameHeader* h, size_t* payload_offset) {
  if (n < kHeaderBytes || msg[0] != kVersion || msg[1] < kHeaderBytes || msg[1] > n) return false;
  h->codec = msg[2];
  h->keyframe = msg[3] & kFlagKeyframe;
  h->cached = msg[3] & kFlagCached;
  h->frame_id = static_cast<uint32_t>(get(msg + 4, 4));
  h->seq = get(msg + 8, 8);
  h->pts_us = get(msg + 16, 8);
  h->width = static_cast<uint16_t>(get(msg + 24, 2));
  h->height = static_cast<uint16_t>(get(msg + 26, 2));
  *payload_offset = msg[1];
  return true;
}

std::variant<Ack, BadRecord> parse_record(const uint8_t* msg, size_t n) {
  if (n == 0) return BadRecord{"empty binary message"};
  if (msg[0] != kRecordAck) return BadRecord{"unknown binary record kind " + std::to_string(msg[0])};
  if (n != kAckBytes) return BadRecord{"ack must be 8 bytes, got " + std::to_string(n)};
  if (msg[1] != kVersion) return BadRecord{"unsupported ack version " + std::to_string(msg[1])};
  if (msg[2] != 0 || msg[3] != 0) return BadRecord{"ack bytes 2-3 must be zero"};
  return Ack{static_cast<uint32_t>(get(msg + 4, 4))};
}

std::vector<uint8_t> encode_ack(uint32_t frame_id) {
  std::vector<uint8_t> out{kRecordAck, kVersion, 0, 0};
  put(out, frame_id, 4);
  return out;
}

}  // namespace vtkstream::sink::wsvideo
