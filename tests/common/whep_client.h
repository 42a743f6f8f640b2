// A WHEP viewer made of GStreamer's own webrtcbin (receive-only video, decoded and counted): it
// offers, POSTs the offer to a WHEP endpoint and applies the answer, as a WHEP player does. The
// offer carries its candidates (it waits for its ICE gathering), so no trickle is needed.
#pragma once

#include <gst/gst.h>  // GST_USE_UNSTABLE_API comes from test_common_dep

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "http_call.h"

namespace vtkstream::test {

class WhepClient {
 public:
  // `decode`: what turns the received RTP into raw video; `caps`: what the transceiver offers.
  explicit WhepClient(std::string decode = "rtpvp8depay ! vp8dec",
                      std::string caps = "application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000");
  ~WhepClient();
  WhepClient(const WhepClient&) = delete;
  WhepClient& operator=(const WhepClient&) = delete;

  // The offer's SDP text, once ICE gathering completed ("" on failure).
  std::string offer();
  // POSTs offer() to `endpoint` (http://.../whep) with the bearer token and applies a 201's
  // answer. Returns the HTTP result (the answer is its body; Location its resource).
  HttpResult start(const std::string& endpoint, const std::string& token);
  bool apply_answer(const std::string& sdp);
  int frames() const { return frames_; }
  // The SSRC of the first RTP packet received (0 before one came).
  uint32_t ssrc() const { return ssrc_; }
  // The SSRCs an SDP's a=ssrc lines name (e.g. an answer's).
  static std::vector<uint32_t> ssrcs_named(const std::string& sdp);
  bool connected() const;

 private:
  void on_pad(GstPad* pad);
  std::string decode_;
  GstElement* pipeline_;
  GstElement* webrtc_;
  std::atomic<int> frames_{0};
  std::atomic<uint32_t> ssrc_{0};
};

}  // namespace vtkstream::test
