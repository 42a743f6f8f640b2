// A WHEP viewer's SDP offer, checked before anything is built for it (docs/protocol.md "WHEP"):
// an offer this server cannot answer is refused with 400 and a reason, and no webrtcbin is made.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "protocol.h"

namespace vtkstream::sink {

// Far above any real offer (a browser's audio + video offer is 4-8 KB; simulcast adds a few).
inline constexpr size_t kMaxWhepOfferBytes = 32 * 1024;
inline constexpr unsigned kMaxWhepOfferMedia = 16;
// The payload type of the shared RTP stream (encoder_factory.cpp; custom encoders must use it
// too). Every viewer gets the same packets, so an offer must use this number for our codec.
inline constexpr int kStreamPayloadType = 96;

struct WhepOffer {
  bool ok = false;
  std::string reason;  // why not, for the 400 response
  unsigned video_mline = 0;
  int payload = -1;    // the offer's payload type for our codec
};

// Parses and checks `sdp`: text SDP within the limits, a video m-line for WebRTC
// (UDP/TLS/RTP/SAVPF) that can receive (recvonly or sendrecv) and offers `codec`, ICE
// credentials and a DTLS fingerprint, with our codec at kStreamPayloadType.
WhepOffer check_whep_offer(std::string_view sdp, Codec codec);

}  // namespace vtkstream::sink
