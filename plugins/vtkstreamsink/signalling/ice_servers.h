// STUN/TURN server URLs as users write them -> the two forms we need: webrtcbin's
// (stun://host:port, turn://user:pass@host:port) and the page's RTCIceServer. Error messages
// name the expected form.
#pragma once

#include <string>

#include "protocol.h"

namespace vtkstream::sink {

// stun:host:port or stun://host:port.
bool parse_stun(const std::string& url, std::string* for_webrtcbin, IceServer* for_browser, std::string* err);
// turn(s)://user:pass@host:port or turn(s):user:pass@host:port.
bool parse_turn(const std::string& url, std::string* for_webrtcbin, IceServer* for_browser, std::string* err);

}  // namespace vtkstream::sink
