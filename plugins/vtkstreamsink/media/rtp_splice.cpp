#include "rtp_splice.h"

#include <gst/rtp/gstrtpbuffer.h>

namespace vtkstream::sink {

namespace {

// VP8 payload descriptor (RFC 7741 section 4.2): the offset of the picture id's first byte (or
// -1), whether it is 15 bits, and the offset of the VP8 payload header; false if truncated.
bool vp8_descriptor(const uint8_t* p, unsigned n, int* pid_at, bool* pid15, unsigned* header_at) {
  if (n < 1) return false;
  unsigned i = 1;
  *pid_at = -1;
  *pid15 = false;
  if (p[0] & 0x80) {  // X: extended control bits
    if (n < 2) return false;
    const uint8_t x = p[1];
    i = 2;
    if (x & 0x80) {  // I: picture id
      if (n < i + 1) return false;
      *pid_at = static_cast<int>(i);
      *pid15 = (p[i] & 0x80) != 0;
      i += *pid15 ? 2 : 1;
    }
    if (x & 0x40) ++i;           // L: TL0PICIDX
    if (x & 0x30) ++i;           // T or K: TID/KEYIDX
  }
  if (n < i) return false;
  *header_at = i;
  return true;
}

bool h264_starts_keyframe(const uint8_t* p, unsigned n) {
  if (n < 1) return false;
  int type = p[0] & 0x1f;
  if (type == 24) {  // STAP-A: 2-byte size, then the first NAL
    if (n < 4) return false;
    type = p[3] & 0x1f;
  } else if (type == 28) {  // FU-A: only its first fragment starts anything
    if (n < 2 || !(p[1] & 0x80)) return false;
    type = p[1] & 0x1f;
  }
  return type == 5 || type == 7;
}

template <typename Fn>
bool with_rtp(GstBuffer* buf, GstMapFlags flags, Fn fn) {
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map(buf, flags, &rtp)) return false;
  const bool ok = fn(rtp);
  gst_rtp_buffer_unmap(&rtp);
  return ok;
}

}  // namespace

bool rtp_starts_keyframe(GstBuffer* buf, Codec codec) {
  return with_rtp(buf, GST_MAP_READ, [codec](GstRTPBuffer& rtp) {
    const auto* p = static_cast<const uint8_t*>(gst_rtp_buffer_get_payload(&rtp));
    const unsigned n = gst_rtp_buffer_get_payload_len(&rtp);
    if (codec == Codec::kH264) return h264_starts_keyframe(p, n);
    int pid_at;
    bool pid15;
    unsigned h;
    if (!vp8_descriptor(p, n, &pid_at, &pid15, &h) || n <= h) return false;
    const bool start = (p[0] & 0x10) && (p[0] & 0x07) == 0;  // S, partition 0
    return start && !(p[h] & 0x01);                           // P = 0: a key frame
  });
}

bool rtp_position(GstBuffer* buf, Codec codec, RtpPosition* out) {
  return with_rtp(buf, GST_MAP_READ, [codec, out](GstRTPBuffer& rtp) {
    out->seq = gst_rtp_buffer_get_seq(&rtp);
    out->picture_id = -1;
    if (codec != Codec::kVP8) return true;
    const auto* p = static_cast<const uint8_t*>(gst_rtp_buffer_get_payload(&rtp));
    int at;
    bool m15;
    unsigned h;
    if (vp8_descriptor(p, gst_rtp_buffer_get_payload_len(&rtp), &at, &m15, &h) && at >= 0)
      out->picture_id = m15 ? ((p[at] & 0x7f) << 8) | p[at + 1] : (p[at] & 0x7f);
    return true;
  });
}

RtpShift rtp_shift_after(const RtpPosition& last, const RtpPosition& first) {
  RtpShift s;
  s.seq = static_cast<uint16_t>(last.seq + 1 - first.seq);
  if (last.picture_id >= 0 && first.picture_id >= 0)
    s.picture_id = static_cast<uint16_t>((last.picture_id + 1 - first.picture_id) & 0x7fff);
  return s;
}

void rtp_apply_shift(GstBuffer* buf, Codec codec, const RtpShift& shift) {
  with_rtp(buf, GST_MAP_READWRITE, [codec, &shift](GstRTPBuffer& rtp) {
    gst_rtp_buffer_set_seq(&rtp, static_cast<uint16_t>(gst_rtp_buffer_get_seq(&rtp) + shift.seq));
    if (codec != Codec::kVP8 || shift.picture_id == 0) return true;
    auto* p = static_cast<uint8_t*>(gst_rtp_buffer_get_payload(&rtp));
    int at;
    bool m15;
    unsigned h;
    if (!vp8_descriptor(p, gst_rtp_buffer_get_payload_len(&rtp), &at, &m15, &h) || at < 0) return true;
    if (m15) {
      const int id = (((p[at] & 0x7f) << 8) | p[at + 1]) + shift.picture_id;
      p[at] = static_cast<uint8_t>(0x80 | ((id >> 8) & 0x7f));
      p[at + 1] = static_cast<uint8_t>(id & 0xff);
    } else {  // 7-bit ids (another payloader's setting): shifted mod 128
      p[at] = static_cast<uint8_t>(((p[at] & 0x7f) + shift.picture_id) & 0x7f);
    }
    return true;
  });
}

}  // namespace vtkstream::sink
