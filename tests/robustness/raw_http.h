// HTTP/1.1 spoken over a plain blocking TCP socket, for what ordinary clients never do: keep a
// connection open and then hang up without saying `Connection: close`, trickle a request one byte
// at a time, or stream a body the server should refuse. Every call takes a timeout (poll), so a
// test never blocks for longer than it says.
#pragma once

#include <map>
#include <string>

namespace robust {

struct RawResponse {
  int status = -1;  // -1: no (complete) status line
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
};

class RawHttp {
 public:
  // Connects to the host:port of `base` (http://HOST:PORT/); ok() says whether it did.
  RawHttp(const std::string& base, int timeout_ms = 5000);
  ~RawHttp();
  RawHttp(const RawHttp&) = delete;
  RawHttp& operator=(const RawHttp&) = delete;
  bool ok() const { return fd_ >= 0; }
  int fd() const { return fd_; }  // to poll many connections at once
  const std::string& hostport() const { return hostport_; }

  // Writes all of `data` within the timeout; false when the server closed or it timed out.
  bool send(const std::string& data, int timeout_ms = 5000);
  // Reads one response: the head, then a Content-Length body (or up to EOF without one).
  bool read_response(RawResponse* r, int timeout_ms = 5000);
  // Sends `total` bytes of body in chunks while watching for the server's answer; stops sending
  // as soon as one is readable (or the server closes) and reads it into *r. `chunked` frames the
  // bytes as chunked transfer coding. *sent says how much of the body went out.
  bool stream_body_until_answer(size_t total, bool chunked, RawResponse* r, size_t* sent, int timeout_ms);
  // True when the server closes the connection (EOF or reset) within the timeout; data it sends
  // meanwhile is read and dropped.
  bool wait_closed(int timeout_ms);
  // Closes our side now.
  void close();

 private:
  // Reads what is there (waiting up to the deadline); 0 on EOF, -1 on timeout or error.
  long read_some(long long deadline_us);
  int fd_ = -1;
  std::string hostport_, buf_;
};

// A GET of `path` on a fresh connection, keeping it alive (no `Connection: close` from us), then
// our side hangs up: the client behaviour that leaked a socket per request in libsoup 3.2.3.
RawResponse keepalive_get(const std::string& base, const std::string& path, const std::string& host = "");

}  // namespace robust
