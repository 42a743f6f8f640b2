// Splicing one viewer's RTP from one rung's payloader onto another's (rung_switch.h) so that the
// browser sees one unbroken stream: every rung's payloader shares the SSRC and timestamp offset
// (Media sets them), and what differs, the sequence numbers and VP8's picture ids, is shifted
// here to continue where the previous rung left off. The switch happens where the new rung's
// keyframe begins. GStreamer has no element for this (rtpfunnel keeps each SSRC's numbering,
// rtprtxsend numbers only retransmissions); webrtcsink avoids it by giving each viewer an encoder
// of its own, which these 2 cores cannot afford.
#pragma once

#include <gst/gst.h>

#include <cstdint>

#include "protocol.h"

namespace vtkstream::sink {

// Whether this RTP packet is the first of a keyframe (VP8: start of partition 0 of a key frame;
// H.264: an IDR slice or SPS, alone, first in a STAP-A, or the first fragment of an FU-A).
bool rtp_starts_keyframe(GstBuffer* rtp, Codec codec);

struct RtpPosition {
  uint16_t seq = 0;
  int picture_id = -1;  // VP8's 15-bit picture id, -1 when absent
};
bool rtp_position(GstBuffer* rtp, Codec codec, RtpPosition* out);

// The shift that makes `first` follow `last`.
struct RtpShift {
  uint16_t seq = 0;
  uint16_t picture_id = 0;  // mod 2^15
  bool none() const { return seq == 0 && picture_id == 0; }
};
RtpShift rtp_shift_after(const RtpPosition& last, const RtpPosition& first);
// Applies the shift to a writable buffer.
void rtp_apply_shift(GstBuffer* rtp, Codec codec, const RtpShift& shift);

}  // namespace vtkstream::sink
