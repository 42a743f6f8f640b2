// What every request must satisfy before libsoup reads its body: checked in early handlers
// (soup_server_add_early_handler runs once the headers are in). Our routes take GET and HEAD
// without a body, addressed to a host we serve; anything else is refused here.
//
// The Host check is against DNS rebinding: a page on attacker.example whose name is then made
// to resolve to 127.0.0.1 is same-origin with itself, so its requests (and its WebSocket, whose
// Origin equals its Host) would reach us with `Host: attacker.example`. Only names we serve pass:
// IP literals (a page loaded from an IP address is our own page: no rebinding without a name),
// localhost, this machine's host name, and the allowed-hosts list.
//
// Refusing is not enough by itself: libsoup 3.2 reads (and keeps, in the message's request body)
// the whole body of a request even after an early handler set an error status, and only then
// writes the response. A request that carries a body is therefore answered on a stolen
// connection, which is then closed without reading the body.
#pragma once

#include <libsoup/soup.h>

#include <cstddef>
#include <string>
#include <vector>

namespace vtkstream::sink {

// The largest request body accepted without complaint (a GET or HEAD has none; a client may
// still send a few bytes).
constexpr size_t kMaxRequestBody = 4096;

// What a request must name and what every response carries.
struct RequestRules {
  // Host names (besides IP literals, localhost and this machine's name) that requests may be
  // addressed to: a tunnel's or reverse proxy's public name. "*.example.org" allows subdomains.
  std::vector<std::string> allowed_hosts;
  // CSP frame-ancestors sources: who may embed the page ('self' by default; a Jupyter server's
  // origin to embed it in a notebook, * for anyone).
  std::string frame_ancestors = "'self'";
};

class RequestPolicy {
 public:
  explicit RequestPolicy(RequestRules rules);
  // Sets the security headers on the response, then refuses what must be refused: 421 for a
  // Host that is not ours (DNS rebinding), 405 for a method other than GET/HEAD, 413 for a body
  // over kMaxRequestBody (or of unknown length). True when refused: the status is set, or the
  // connection answered and closed when the request has a body.
  bool check(SoupServerMessage* msg) const;
  // The first half of check(): the security headers and the Host check (421). For routes with
  // rules of their own about methods and bodies (WHEP, whep_routes.h).
  bool check_host(SoupServerMessage* msg) const;
  bool host_allowed(const char* host_header) const;

 private:
  RequestRules rules_;
  std::string csp_;
};

// A plain-text answer `text` + newline with `status`, never cached (the error bodies of
// /snapshot.png and /still.webp).
void plain_error(SoupServerMessage* msg, guint status, const std::string& text);

// Refuses with `status` and `text`: as a normal response when the request has no body, else
// with answer_and_close().
void refuse_request(SoupServerMessage* msg, guint status, const char* text);

// Answers `status` with `text` on the connection of `msg`, taken from libsoup, and closes it:
// for a request whose body must not be read.
void answer_and_close(SoupServerMessage* msg, guint status, const char* text);

}  // namespace vtkstream::sink
