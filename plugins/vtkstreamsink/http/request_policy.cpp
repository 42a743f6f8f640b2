#include "request_policy.h"

#include <cstring>
#include <string>

namespace vtkstream::sink {

namespace {

struct Answer {
  GIOStream* stream;
  std::string bytes;
};

void plain(SoupServerMessage* msg, guint status, const char* text) {
  soup_server_message_set_status(msg, status, nullptr);
  soup_server_message_set_response(msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY, text, std::strlen(text));
}

}  // namespace

void plain_error(SoupServerMessage* msg, guint status, const std::string& text) {
  const std::string body = text + "\n";
  soup_server_message_set_status(msg, status, nullptr);
  soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Cache-Control", "no-store");
  soup_server_message_set_response(msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY, body.data(), body.size());
}

void answer_and_close(SoupServerMessage* msg, guint status, const char* text) {
  std::string head = "HTTP/1.1 " + std::to_string(status) + " " + soup_status_get_phrase(status) +
                     "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " +
                     std::to_string(std::strlen(text)) + "\r\nConnection: close\r\n";
  // The headers already chosen for the response (security headers, Allow) go out too.
  SoupMessageHeadersIter it;
  const char *name, *value;
  soup_message_headers_iter_init(&it, soup_server_message_get_response_headers(msg));
  while (soup_message_headers_iter_next(&it, &name, &value))
    if (g_ascii_strcasecmp(name, "Connection") != 0 && g_ascii_strcasecmp(name, "Content-Type") != 0 &&
        g_ascii_strcasecmp(name, "Content-Length") != 0)
      head += std::string(name) + ": " + value + "\r\n";
  GIOStream* stream = soup_server_message_steal_connection(msg);  // libsoup reads no more of it
  if (!stream) return;
  auto* a = new Answer{stream, head + "\r\n" + text};
  g_output_stream_write_all_async(
      g_io_stream_get_output_stream(stream), a->bytes.data(), a->bytes.size(), G_PRIORITY_DEFAULT, nullptr,
      [](GObject*, GAsyncResult* res, gpointer d) {
        auto* a = static_cast<Answer*>(d);
        g_output_stream_write_all_finish(G_OUTPUT_STREAM(g_io_stream_get_output_stream(a->stream)), res, nullptr,
                                         nullptr);
        // Closing with the body still arriving resets the connection; the answer is out by then.
        g_io_stream_close(a->stream, nullptr, nullptr);
        g_object_unref(a->stream);
        delete a;
      },
      a);
}

// Refuses with a status; on a stolen connection when there is a body libsoup would read first.
void refuse_request(SoupServerMessage* msg, guint status, const char* text) {
  SoupMessageHeaders* req = soup_server_message_get_request_headers(msg);
  const SoupEncoding enc = soup_message_headers_get_encoding(req);
  if (enc == SOUP_ENCODING_NONE || (enc == SOUP_ENCODING_CONTENT_LENGTH && soup_message_headers_get_content_length(req) == 0))
    plain(msg, status, text);
  else
    answer_and_close(msg, status, text);
}

namespace {

bool refuse_method_or_body(SoupServerMessage* msg) {
  SoupMessageHeaders* req = soup_server_message_get_request_headers(msg);
  const SoupEncoding enc = soup_message_headers_get_encoding(req);
  const goffset length = enc == SOUP_ENCODING_CONTENT_LENGTH ? soup_message_headers_get_content_length(req) : 0;
  const char* method = soup_server_message_get_method(msg);
  guint status = 0;
  const char* text = nullptr;
  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD) {
    status = SOUP_STATUS_METHOD_NOT_ALLOWED;
    text = "only GET and HEAD\n";
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow", "GET, HEAD");
  } else if (enc == SOUP_ENCODING_CHUNKED || enc == SOUP_ENCODING_EOF ||
             length > static_cast<goffset>(kMaxRequestBody)) {
    status = SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE;
    text = "request body too large: GET and HEAD take none\n";
  }
  if (!status) return false;
  refuse_request(msg, status, text);
  return true;
}

// The host part of a Host header: "[::1]:8000" -> "::1", "Name.example:80" -> "name.example".
std::string host_name(const char* header) {
  std::string h = header;
  if (!h.empty() && h[0] == '[') {
    const size_t end = h.find(']');
    return end == std::string::npos ? h : h.substr(1, end - 1);
  }
  if (const size_t colon = h.rfind(':'); colon != std::string::npos) h.erase(colon);
  gchar* lower = g_ascii_strdown(h.c_str(), -1);
  std::string out = lower;
  g_free(lower);
  if (!out.empty() && out.back() == '.') out.pop_back();  // "localhost." is localhost
  return out;
}

bool name_matches(const std::string& host, const std::string& pattern) {
  if (g_ascii_strcasecmp(host.c_str(), pattern.c_str()) == 0) return true;
  if (pattern.rfind("*.", 0) != 0) return false;
  const std::string suffix = pattern.substr(1);  // ".example.org"
  return host.size() > suffix.size() &&
         g_ascii_strcasecmp(host.c_str() + host.size() - suffix.size(), suffix.c_str()) == 0;
}

}  // namespace

RequestPolicy::RequestPolicy(RequestRules rules) : rules_(std::move(rules)) {
  // The page loads its scripts and styles from us, shows video from a MediaStream or blob and
  // MJPEG from us, and talks to /ws; nothing else.
  csp_ = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' blob: data:; "
         "media-src 'self' blob: mediastream:; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; "
         "form-action 'none'; frame-ancestors " + rules_.frame_ancestors;
}

bool RequestPolicy::host_allowed(const char* header) const {
  if (!header) return true;  // HTTP/1.0 tools; every browser sends Host
  const std::string host = host_name(header);
  if (host.empty()) return false;
  if (g_hostname_is_ip_address(host.c_str()) || host == "localhost") return true;
  if (g_ascii_strcasecmp(host.c_str(), g_get_host_name()) == 0) return true;
  for (const auto& allowed : rules_.allowed_hosts)
    if (name_matches(host, allowed)) return true;
  return false;
}

bool RequestPolicy::check(SoupServerMessage* msg) const {
  return check_host(msg) || refuse_method_or_body(msg);
}

bool RequestPolicy::check_host(SoupServerMessage* msg) const {
  SoupMessageHeaders* resp = soup_server_message_get_response_headers(msg);
  soup_message_headers_replace(resp, "Referrer-Policy", "no-referrer");  // the page URL holds the token
  soup_message_headers_replace(resp, "X-Content-Type-Options", "nosniff");
  soup_message_headers_replace(resp, "Content-Security-Policy", csp_.c_str());
  const char* host = soup_message_headers_get_one(soup_server_message_get_request_headers(msg), "Host");
  if (!host_allowed(host)) {
    const std::string text = std::string("this server does not answer for the host '") + host +
                             "': start vtkstream-serve with --allowed-host NAME (the vtkstreamsink property "
                             "allowed-hosts) when NAME is a tunnel or proxy name you use\n";
    refuse_request(msg, SOUP_STATUS_MISDIRECTED_REQUEST, text.c_str());
    return true;
  }
  return false;
}

}  // namespace vtkstream::sink
