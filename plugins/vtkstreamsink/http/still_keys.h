// Which viewer a /still.webp request comes from (http/still_image.h): each viewer that is told
// about a still gets its own unguessable key in the `still` message (192 random bits, like the
// access tokens, auth.h), and the page sends it back with `key=`. The key, not a peer id the
// requester could pick, selects whose bandwidth estimate paces the download: with a peer id
// (small integers) any token holder could name another viewer and learn 0.8 x its estimate from
// the pace (docs/security.md). A key lives as long as its viewer's session.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace vtkstream::sink {

class StillKeys {
 public:
  // `peer`'s key, made on first use.
  const std::string& key_for(uint32_t peer);
  // The viewer whose key this is (compared in constant time), or nullopt.
  std::optional<uint32_t> peer_of(std::string_view key) const;
  void forget(uint32_t peer);  // the viewer left
  size_t size() const { return keys_.size(); }

 private:
  std::map<uint32_t, std::string> keys_;
};

}  // namespace vtkstream::sink
