#include "whep_routes.h"

#include <cstring>

#include "request_policy.h"
#include "whep_offer.h"

namespace vtkstream::sink {

namespace {

// The most a POST may send for libsoup to read it (then check_whep_offer refuses what is over
// kMaxWhepOfferBytes); bounded so that a few requests cannot take much memory.
constexpr size_t kMaxBodyRead = 256 * 1024;

// "/whep" -> "", "/whep/ID" -> "ID", anything else (deeper paths) -> nullopt-like "/".
std::string resource_of(const char* path) {
  const size_t n = std::strlen(kWhepPath);
  if (std::strcmp(path, kWhepPath) == 0) return "";
  if (std::strncmp(path, kWhepPath, n) != 0 || path[n] != '/') return "/";
  const std::string id = path + n + 1;
  return valid_token(id) ? id : "/";
}

goffset body_length(SoupServerMessage* msg, bool* unknown) {
  SoupMessageHeaders* req = soup_server_message_get_request_headers(msg);
  const SoupEncoding enc = soup_message_headers_get_encoding(req);
  *unknown = enc == SOUP_ENCODING_CHUNKED || enc == SOUP_ENCODING_EOF;
  return enc == SOUP_ENCODING_CONTENT_LENGTH ? soup_message_headers_get_content_length(req) : 0;
}

bool authorised(SoupServerMessage* msg, const Auth& auth) {
  if (!auth.enabled()) return true;
  const std::string t =
      bearer_token(soup_message_headers_get_one(soup_server_message_get_request_headers(msg), "Authorization"));
  return !t.empty() && auth.role_of(t).has_value();
}

bool refuse(SoupServerMessage* msg, guint status, const char* text, const char* allow = nullptr) {
  SoupMessageHeaders* resp = soup_server_message_get_response_headers(msg);
  if (allow) soup_message_headers_replace(resp, "Allow", allow);
  if (status == SOUP_STATUS_UNAUTHORIZED) soup_message_headers_replace(resp, "WWW-Authenticate", "Bearer realm=\"vtkstream\"");
  refuse_request(msg, status, text);
  return true;
}

}  // namespace

bool whep_refuse_early(SoupServerMessage* msg, const char* path, const Auth& auth) {
  SoupMessageHeaders* resp = soup_server_message_get_response_headers(msg);
  // WHEP players usually live on another origin. Bearer tokens are not ambient credentials
  // (no cookie is accepted here), so any origin may call us with a token it was given.
  soup_message_headers_replace(resp, "Access-Control-Allow-Origin", "*");
  soup_message_headers_replace(resp, "Access-Control-Expose-Headers", "Location");
  const std::string resource = resource_of(path);
  if (resource == "/") return refuse(msg, SOUP_STATUS_NOT_FOUND, "no such WHEP resource\n");
  const char* method = soup_server_message_get_method(msg);
  const char* allow = resource.empty() ? "POST, OPTIONS" : "DELETE, OPTIONS";
  bool unknown = false;
  const goffset length = body_length(msg, &unknown);
  if (method == SOUP_METHOD_OPTIONS) {  // CORS preflight; no token is sent with it
    soup_message_headers_replace(resp, "Access-Control-Allow-Methods", resource.empty() ? "POST" : "DELETE, PATCH");
    soup_message_headers_replace(resp, "Access-Control-Allow-Headers", "Authorization, Content-Type, If-Match");
    soup_message_headers_replace(resp, "Access-Control-Max-Age", "600");
    if (unknown || length > 0) return refuse(msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "OPTIONS takes no body\n");
    soup_message_headers_replace(resp, "Allow", allow);
    return false;
  }
  if (std::strcmp(method, "PATCH") == 0 && !resource.empty())
    return refuse(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "trickle ICE is not supported: the answer carries every candidate\n",
                  allow);
  const bool post = method == SOUP_METHOD_POST && resource.empty();
  const bool del = method == SOUP_METHOD_DELETE && !resource.empty();
  if (!post && !del) return refuse(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method not allowed here\n", allow);
  if (!authorised(msg, auth)) return refuse(msg, SOUP_STATUS_UNAUTHORIZED, "token required: Authorization: Bearer TOKEN\n");
  if (del) {
    if (unknown || length > 0) return refuse(msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "DELETE takes no body\n");
    return false;
  }
  const char* type = soup_message_headers_get_content_type(soup_server_message_get_request_headers(msg), nullptr);
  if (!type || g_ascii_strcasecmp(type, "application/sdp") != 0)
    return refuse(msg, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, "POST an SDP offer as Content-Type: application/sdp\n");
  if (unknown) return refuse(msg, SOUP_STATUS_LENGTH_REQUIRED, "send the offer with a Content-Length\n");
  // An offer somewhat over the limit is read and answered 400 by the check of its text, so that
  // the client can read why (a refusal before the body is read ends in a reset while the client
  // still sends). Only far larger bodies are refused unread, on a connection then closed.
  if (length > static_cast<goffset>(kMaxBodyRead)) {
    const std::string text = "SDP offer too large: " + std::to_string(length) + " bytes, at most " +
                             std::to_string(kMaxWhepOfferBytes) + "\n";
    return refuse(msg, SOUP_STATUS_BAD_REQUEST, text.c_str());
  }
  return false;
}

void whep_reply(SoupServerMessage* msg, unsigned status, const std::string& body, const std::string& resource) {
  soup_server_message_set_status(msg, status, nullptr);
  SoupMessageHeaders* resp = soup_server_message_get_response_headers(msg);
  soup_message_headers_replace(resp, "Cache-Control", "no-store");
  if (status == SOUP_STATUS_CREATED) {
    soup_message_headers_replace(resp, "Location", (std::string(kWhepPath) + "/" + resource).c_str());
    soup_server_message_set_response(msg, "application/sdp", SOUP_MEMORY_COPY, body.data(), body.size());
    return;
  }
  if (status == SOUP_STATUS_SERVICE_UNAVAILABLE) soup_message_headers_replace(resp, "Retry-After", "5");
  soup_server_message_set_response(msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY, body.data(), body.size());
}

void whep_handle(SoupServerMessage* msg, const char* path, const WhepHandlers& h) {
  const char* method = soup_server_message_get_method(msg);
  const std::string resource = resource_of(path);
  if (method == SOUP_METHOD_OPTIONS) {
    soup_server_message_set_status(msg, SOUP_STATUS_NO_CONTENT, nullptr);
    return;
  }
  if (method == SOUP_METHOD_DELETE) {
    if (h.end && h.end(resource)) whep_reply(msg, SOUP_STATUS_OK, "session ended\n", "");
    else whep_reply(msg, SOUP_STATUS_NOT_FOUND, "no such WHEP session (ended, or never created)\n", "");
    return;
  }
  GBytes* body = soup_message_body_flatten(soup_server_message_get_request_body(msg));
  gsize n = 0;
  const char* data = static_cast<const char*>(g_bytes_get_data(body, &n));
  const std::string sdp(data ? data : "", n);
  g_bytes_unref(body);
  if (!h.offer) {
    whep_reply(msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "WHEP is not available\n", "");
    return;
  }
  h.offer(msg, sdp);
}

}  // namespace vtkstream::sink
