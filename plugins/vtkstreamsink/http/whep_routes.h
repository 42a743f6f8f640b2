// The HTTP side of WHEP (docs/protocol.md "WHEP"): POST /whep takes an SDP offer, DELETE
// /whep/ID ends the session, PATCH answers 405 (no trickle), OPTIONS answers CORS preflights.
// Access is by `Authorization: Bearer TOKEN` only (either link's token; a WHEP viewer only
// watches): no cookie, so a page elsewhere cannot ride on a visitor's session, and CORS can
// allow every origin. What a request may carry is decided in the early handler, before libsoup
// reads a body (as request_policy.h does for the other routes).
#pragma once

#include <libsoup/soup.h>

#include <functional>
#include <string>

#include "auth.h"

namespace vtkstream::sink {

struct WhepHandlers {
  // Takes over `msg` (pauses it and answers later) with the offer's text.
  std::function<void(SoupServerMessage* msg, const std::string& sdp)> offer;
  // DELETE: false when there is no such session (404).
  std::function<bool(const std::string& resource)> end;
};

inline constexpr const char* kWhepPath = "/whep";

// Early handler, after RequestPolicy::check_host: refuses (and returns true) what must not get
// further: methods, missing or wrong tokens, content types and body sizes.
bool whep_refuse_early(SoupServerMessage* msg, const char* path, const Auth& auth);
// Handler: the request passed whep_refuse_early and its body (if any) is in.
void whep_handle(SoupServerMessage* msg, const char* path, const WhepHandlers& h);
// Fills in the 201 for an answered offer, or a plain-text error for anything else.
void whep_reply(SoupServerMessage* msg, unsigned status, const std::string& body, const std::string& resource);

}  // namespace vtkstream::sink
