#include "raw_http.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <glib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace robust {

namespace {

long long deadline_after(int ms) { return g_get_monotonic_time() + static_cast<long long>(ms) * 1000; }

int remaining_ms(long long deadline_us) {
  const long long left = deadline_us - g_get_monotonic_time();
  return left <= 0 ? 0 : static_cast<int>((left + 999) / 1000);
}

bool wait_fd(int fd, short events, long long deadline_us) {
  pollfd p{fd, events, 0};
  for (;;) {
    const int n = poll(&p, 1, remaining_ms(deadline_us));
    if (n > 0) return true;
    if (n == 0 || errno != EINTR) return false;
  }
}

}  // namespace

RawHttp::RawHttp(const std::string& base, int timeout_ms) {
  // base is http://127.0.0.1:PORT/ (the tests bind IPv4 loopback).
  hostport_ = base.substr(7, base.find('/', 7) - 7);
  const std::string host = hostport_.substr(0, hostport_.rfind(':'));
  const int port = std::atoi(hostport_.c_str() + hostport_.rfind(':') + 1);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &sa.sin_addr) != 1) return;
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return;
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 && errno != EINPROGRESS) {
    ::close(fd);
    return;
  }
  int err = 0;
  socklen_t len = sizeof err;
  if (!wait_fd(fd, POLLOUT, deadline_after(timeout_ms)) || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 ||
      err != 0) {
    ::close(fd);
    return;
  }
  fd_ = fd;
}

RawHttp::~RawHttp() { close(); }

void RawHttp::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool RawHttp::send(const std::string& data, int timeout_ms) {
  const long long deadline = deadline_after(timeout_ms);
  size_t off = 0;
  while (fd_ >= 0 && off < data.size()) {
    const ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n > 0) {
      off += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!wait_fd(fd_, POLLOUT, deadline)) return false;
      continue;
    }
    return false;
  }
  return fd_ >= 0;
}

long RawHttp::read_some(long long deadline_us) {
  char tmp[16384];
  for (;;) {
    const ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n > 0) {
      buf_.append(tmp, static_cast<size_t>(n));
      return n;
    }
    if (n == 0) return 0;
    if (errno == EINTR) continue;
    if (errno != EAGAIN || !wait_fd(fd_, POLLIN, deadline_us)) return errno == ECONNRESET ? 0 : -1;
  }
}

bool RawHttp::read_response(RawResponse* r, int timeout_ms) {
  if (fd_ < 0) return false;
  const long long deadline = deadline_after(timeout_ms);
  size_t end;
  while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
    if (read_some(deadline) <= 0) return false;
  const std::string head = buf_.substr(0, end);
  buf_.erase(0, end + 4);
  if (head.rfind("HTTP/1.", 0) != 0 || head.size() < 12) return false;
  r->status = std::atoi(head.c_str() + 9);
  for (size_t pos = head.find("\r\n"); pos != std::string::npos;) {
    const size_t next = head.find("\r\n", pos + 2);
    const std::string line = head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
    const size_t colon = line.find(':');
    if (colon != std::string::npos) {
      gchar* name = g_ascii_strdown(line.substr(0, colon).c_str(), -1);
      gchar* value = g_strdup(line.c_str() + colon + 1);
      r->headers[name] = g_strstrip(value);
      g_free(value);
      g_free(name);
    }
    pos = next;
  }
  const std::string cl = r->header("content-length");
  if (r->status == 101 || r->status == 204 || r->status == 304) {
    // no body (after a 101 the connection speaks another protocol)
  } else if (!cl.empty()) {
    const size_t want = std::strtoul(cl.c_str(), nullptr, 10);
    while (buf_.size() < want)
      if (read_some(deadline) <= 0) return false;
    r->body = buf_.substr(0, want);
    buf_.erase(0, want);
  } else {
    while (read_some(deadline) > 0) {
    }
    r->body = buf_;
    buf_.clear();
  }
  return true;
}

bool RawHttp::stream_body_until_answer(size_t total, bool chunked, RawResponse* r, size_t* sent, int timeout_ms) {
  const long long deadline = deadline_after(timeout_ms);
  const std::string payload(65536, 'x');
  char size_line[32];
  std::snprintf(size_line, sizeof size_line, "%zx\r\n", payload.size());
  const std::string chunk = chunked ? size_line + payload + "\r\n" : payload;
  std::string pending;  // the part of a chunk not yet written
  *sent = 0;
  while (fd_ >= 0 && remaining_ms(deadline) > 0) {
    const bool more = *sent < total || !pending.empty();
    pollfd p{fd_, static_cast<short>(POLLIN | (more ? POLLOUT : 0)), 0};
    if (poll(&p, 1, remaining_ms(deadline)) <= 0) continue;
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) return read_response(r, remaining_ms(deadline));
    if (pending.empty()) {
      pending = chunk;
      *sent += payload.size();
    }
    const ssize_t n = ::send(fd_, pending.data(), pending.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) pending.erase(0, static_cast<size_t>(n));
    else if (errno != EAGAIN && errno != EINTR) return read_response(r, remaining_ms(deadline));
  }
  return false;
}

bool RawHttp::wait_closed(int timeout_ms) {
  if (fd_ < 0) return true;
  const long long deadline = deadline_after(timeout_ms);
  for (;;) {
    const long n = read_some(deadline);
    if (n == 0) return true;
    if (n < 0) return false;
    buf_.clear();
  }
}

RawResponse keepalive_get(const std::string& base, const std::string& path, const std::string& host) {
  RawResponse r;
  RawHttp c(base);
  if (!c.ok()) return r;
  const std::string req = "GET " + path + " HTTP/1.1\r\nHost: " + (host.empty() ? c.hostport() : host) + "\r\n\r\n";
  if (c.send(req)) c.read_response(&r);
  return r;
}

}  // namespace robust
