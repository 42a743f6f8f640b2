// The RTP header extensions of our WHEP answer, held to what the viewer offered.
//
// webrtcbin (1.22) writes into its answer every extension of the caps its sink pad receives,
// whatever the offer said: the shared payloaders carry the playout-delay extension
// (playout_delay_ext.h) under id 14, so every WHEP answer said `a=extmap:14 playout-delay`, also
// to an offer without any extmap and to Chromium's, whose video m-line uses 14 for
// `urn:ietf:params:rtp-hdrext:toffset` (and offers playout-delay under 5). RFC 8285 section 6:
// an answer carries only extensions that were offered, under the offer's ids (an answerer may
// only decline one). So extensions that the offer did not have under that very id and URI are
// taken out of the answer; the viewer then ignores id 14 in the packets, as any receiver ignores
// an extension it did not negotiate.
#pragma once

#include <gst/sdp/sdp.h>

namespace vtkstream::sink {

// Removes from each media of `answer` every `a=extmap` whose id and URI the same media of
// `offer` (same index, as JSEP orders them) does not have. Returns how many were removed.
unsigned keep_offered_extmaps(const GstSDPMessage* offer, GstSDPMessage* answer);

}  // namespace vtkstream::sink
