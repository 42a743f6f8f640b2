#include "ice_servers.h"

#include <glib.h>

namespace vtkstream::sink {

bool parse_stun(const std::string& url, std::string* for_webrtcbin, IceServer* for_browser, std::string* err) {
  std::string rest;
  if (url.rfind("stun://", 0) == 0) rest = url.substr(7);
  else if (url.rfind("stun:", 0) == 0) rest = url.substr(5);
  if (rest.empty() || rest.find('@') != std::string::npos || rest.find('/') != std::string::npos) {
    *err = "a STUN server is stun:HOST:PORT (e.g. stun:stun.example.org:3478), got '" + url + "'";
    return false;
  }
  *for_webrtcbin = "stun://" + rest;
  for_browser->url = "stun:" + rest;
  return true;
}

bool parse_turn(const std::string& url, std::string* for_webrtcbin, IceServer* for_browser, std::string* err) {
  std::string scheme, rest;
  for (const char* s : {"turns://", "turn://", "turns:", "turn:"})
    if (url.rfind(s, 0) == 0) {
      scheme = std::string(s).substr(0, std::string(s).find(':'));
      rest = url.substr(std::string(s).size());
      break;
    }
  const size_t at = rest.rfind('@');
  const size_t colon = at == std::string::npos ? std::string::npos : rest.find(':');
  if (scheme.empty() || at == std::string::npos || colon == std::string::npos || colon > at ||
      at + 1 >= rest.size()) {
    *err = "a TURN server is turn://USER:PASSWORD@HOST:PORT, got '" + url + "'";
    return false;
  }
  const std::string user = rest.substr(0, colon), pass = rest.substr(colon + 1, at - colon - 1),
                    host = rest.substr(at + 1);
  *for_webrtcbin = scheme + "://" + user + ":" + pass + "@" + host;
  for_browser->url = scheme + ":" + host;
  // The page needs them as plain text; the user chose to share this TURN server.
  gchar* u = g_uri_unescape_string(user.c_str(), nullptr);
  gchar* p = g_uri_unescape_string(pass.c_str(), nullptr);
  for_browser->username = u ? u : user;
  for_browser->credential = p ? p : pass;
  g_free(u);
  g_free(p);
  return true;
}

}  // namespace vtkstream::sink
