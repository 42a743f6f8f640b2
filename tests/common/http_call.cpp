#include "http_call.h"

#include <libsoup/soup.h>

namespace vtkstream::test {

std::string HttpResult::header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (g_ascii_strcasecmp(k.c_str(), name.c_str()) == 0) return v;
  return "";
}

HttpResult http_call(const std::string& method, const std::string& url,
                     const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body,
                     const std::string& content_type) {
  HttpResult r;
  SoupSession* session = soup_session_new_with_options("timeout", 20u, nullptr);
  SoupMessage* msg = soup_message_new(method.c_str(), url.c_str());
  if (!msg) {
    r.error = "bad URL " + url;
    g_object_unref(session);
    return r;
  }
  SoupMessageHeaders* req = soup_message_get_request_headers(msg);
  for (const auto& [k, v] : headers) soup_message_headers_replace(req, k.c_str(), v.c_str());
  if (!content_type.empty() || !body.empty()) {
    GBytes* b = g_bytes_new(body.data(), body.size());
    soup_message_set_request_body_from_bytes(msg, content_type.empty() ? nullptr : content_type.c_str(), b);
    g_bytes_unref(b);
  }
  GError* err = nullptr;
  GBytes* out = soup_session_send_and_read(session, msg, nullptr, &err);
  if (out) {
    r.status = static_cast<int>(soup_message_get_status(msg));
    gsize n = 0;
    const char* p = static_cast<const char*>(g_bytes_get_data(out, &n));
    r.body.assign(p ? p : "", n);
    g_bytes_unref(out);
    SoupMessageHeadersIter it;
    const char *name, *value;
    soup_message_headers_iter_init(&it, soup_message_get_response_headers(msg));
    while (soup_message_headers_iter_next(&it, &name, &value)) r.headers.emplace_back(name, value);
  } else {
    r.error = err ? err->message : "no response";
  }
  g_clear_error(&err);
  g_object_unref(msg);
  g_object_unref(session);
  return r;
}

}  // namespace vtkstream::test
