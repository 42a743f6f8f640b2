// One WebRTC peer: a `queue ! webrtcbin` branch on the RTP tee, its send-only video transceiver,
// the server-created "input" data channel and the offer/answer/ICE plumbing. webrtcbin calls
// back on its own threads; every callback is handed to the main context (post_to_main) and
// dropped there if the session is gone. Destroying the session removes the branch
// (MediaFactory::remove_branch): that is the only way a branch goes away.
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "protocol.h"

typedef struct _GstWebRTCDataChannel GstWebRTCDataChannel;

namespace vtkstream::serve {

class MediaFactory;

struct IceConfig {
  std::string stun;               // webrtcbin stun-server URI (stun://host:port), "" = none
  std::vector<std::string> turn;  // turn(s)://user:pass@host:port
  std::string extra_address;      // also gather on this local address (e.g. 127.0.0.1)
};

class WebRtcSession {
 public:
  struct Callbacks {  // all on the main context
    std::function<void(const std::string& sdp)> offer;
    std::function<void(unsigned mline, const std::string& candidate)> candidate;  // "" = done
    std::function<void(const std::string& text)> channel_text;
    std::function<void()> connected;
    std::function<void(const std::string& why)> failed;
    std::function<void(const std::string& why)> answer_rejected;
  };

  static std::unique_ptr<WebRtcSession> create(MediaFactory& media, uint32_t peer, Codec codec,
                                               const IceConfig& ice, Callbacks cb, std::string* err);
  ~WebRtcSession();
  WebRtcSession(const WebRtcSession&) = delete;
  WebRtcSession& operator=(const WebRtcSession&) = delete;

  void apply_answer(const std::string& sdp);
  void add_remote_candidate(unsigned mline, const std::string& candidate);
  // Sends on the data channel if it is open; false otherwise.
  bool send_channel_text(const std::string& text);
  bool channel_open() const;

  struct Link;  // shared with webrtcbin's threads; points back here while we live

 private:
  WebRtcSession(MediaFactory& media, uint32_t peer, Callbacks cb);
  bool build(Codec codec, const IceConfig& ice, std::string* err);
  void negotiate();
  void connect_channel();

  MediaFactory& media_;
  uint32_t peer_;
  Callbacks cb_;
  std::shared_ptr<Link> link_;
  GstElement* queue_ = nullptr;   // owned by the pipeline
  GstElement* webrtc_ = nullptr;  // owned by the pipeline
  GstPad* tee_pad_ = nullptr;     // owned
  GstWebRTCDataChannel* channel_ = nullptr;  // owned
  bool offered_ = false;
  bool connected_ = false;
};

}  // namespace vtkstream::serve
