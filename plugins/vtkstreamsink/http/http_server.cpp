#include "http_server.h"

#include <gst/gst.h>

#include <sys/stat.h>

#include <cstring>

#include "connection_guard.h"
#include "listener.h"
#include "request_policy.h"
#include "static_files.h"
#include "whep_routes.h"
#include "ws_upgrade.h"

GST_DEBUG_CATEGORY(sink_http_debug);  // also listener.cpp
#define GST_CAT_DEFAULT sink_http_debug

namespace vtkstream::sink {

namespace {

void plain_status(SoupServerMessage* msg, guint status, const char* text) {
  soup_server_message_set_status(msg, status, nullptr);
  soup_server_message_set_response(msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY, text, std::strlen(text));
}

// A page elsewhere must not be able to open our WebSocket in a visitor's browser and steer the
// renderer (cross-site WebSocket hijacking): when a browser sends an Origin, its host must be
// the host the request was sent to (this also holds behind a tunnel that keeps the Host header).
bool origin_allowed(SoupServerMessage* msg) {
  SoupMessageHeaders* h = soup_server_message_get_request_headers(msg);
  const char* origin = soup_message_headers_get_one(h, "Origin");
  if (!origin) return true;  // not a browser (tests, tools): nothing to protect against
  const char* host = soup_message_headers_get_one(h, "Host");
  if (!host) return false;
  GUri* uri = g_uri_parse(origin, G_URI_FLAGS_NONE, nullptr);
  if (!uri) return false;
  std::string origin_host = g_uri_get_host(uri) ? g_uri_get_host(uri) : "";
  if (origin_host.find(':') != std::string::npos) origin_host = "[" + origin_host + "]";  // IPv6
  const int port = g_uri_get_port(uri);
  const std::string scheme = g_uri_get_scheme(uri) ? g_uri_get_scheme(uri) : "";
  g_uri_unref(uri);
  const bool default_port = port == -1 || (scheme == "http" && port == 80) || (scheme == "https" && port == 443);
  const std::string want = default_port ? origin_host : origin_host + ":" + std::to_string(port);
  return g_ascii_strcasecmp(want.c_str(), host) == 0 || g_ascii_strcasecmp(origin_host.c_str(), host) == 0;
}

// The `token` query parameter of a request, or "".
std::string query_token(SoupServerMessage* msg, GHashTable* query) {
  if (query) {
    const char* t = static_cast<const char*>(g_hash_table_lookup(query, "token"));
    return t ? t : "";
  }
  GUri* uri = soup_server_message_get_uri(msg);
  const char* q = uri ? g_uri_get_query(uri) : nullptr;
  if (!q) return "";
  GHashTable* params = g_uri_parse_params(q, -1, "&", G_URI_PARAMS_NONE, nullptr);
  if (!params) return "";
  const char* t = static_cast<const char*>(g_hash_table_lookup(params, "token"));
  std::string out = t ? t : "";
  g_hash_table_unref(params);
  return out;
}

constexpr const char kTokenRequiredPage[] =
    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>vtkstream: token required</title>"
    "</head>\n<body style=\"font:16px system-ui,sans-serif;margin:2em\"><h1>Token required</h1>\n"
    "<p>This vtkstream server needs an access token. Open the link that was printed when "
    "the server started (the address ending in <code>?token=...</code>), or ask the person who shared "
    "this session for it.</p></body></html>\n";

void unauthorized(SoupServerMessage* msg, bool page) {
  soup_server_message_set_status(msg, SOUP_STATUS_UNAUTHORIZED, nullptr);
  SoupMessageHeaders* h = soup_server_message_get_response_headers(msg);
  soup_message_headers_replace(h, "Cache-Control", "no-store");
  if (page)
    soup_server_message_set_response(msg, "text/html; charset=utf-8", SOUP_MEMORY_STATIC, kTokenRequiredPage,
                                     sizeof(kTokenRequiredPage) - 1);
  else
    soup_server_message_set_response(msg, "text/plain; charset=utf-8", SOUP_MEMORY_STATIC,
                                     "token required\n", std::strlen("token required\n"));
}

}  // namespace

std::optional<Role> HttpServer::role_of(SoupServerMessage* msg, GHashTable* query) const {
  const std::string t = query_token(msg, query);
  const char* cookie = soup_message_headers_get_one(soup_server_message_get_request_headers(msg), "Cookie");
  return routes_.auth->role_of_request(t.c_str(), cookie);
}

HttpServer::HttpServer(Routes routes) : routes_(std::move(routes)), policy_(routes_.rules) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(sink_http_debug, "vtkstreamsink-http", 0, "vtkstreamsink HTTP");
    g_once_init_leave(&once, 1);
  }
  server_ = soup_server_new("server-header", "vtkstream", nullptr);
  soup_server_add_early_handler(
      server_, "/ws",
      [](SoupServer*, SoupServerMessage* msg, const char*, GHashTable* query, gpointer d) {
        auto* self = static_cast<HttpServer*>(d);
        if (self->policy_.check(msg)) return;
        if (!origin_allowed(msg)) plain_status(msg, SOUP_STATUS_FORBIDDEN, "cross-origin WebSocket refused\n");
        else if (!self->role_of(msg, query)) unauthorized(msg, false);
        else ConnectionGuard::allow_upgrade(msg);
      },
      this, nullptr);
  // Our own upgrade rather than soup_server_add_websocket_handler: it puts a limit on whole
  // messages under libsoup's connection and offers no extensions (ws_upgrade.h says why).
  soup_server_add_handler(
      server_, "/ws",
      [](SoupServer*, SoupServerMessage* msg, const char*, GHashTable* query, gpointer d) {
        auto* self = static_cast<HttpServer*>(d);
        const std::optional<Role> role = self->role_of(msg, query);  // checked in the early handler
        if (!role) {
          unauthorized(msg, false);
          return;
        }
        accept_websocket(msg, self->routes_.max_message_bytes, [self, r = *role](SoupWebsocketConnection* conn) {
          if (self->routes_.websocket) self->routes_.websocket(conn, r);
        });
      },
      this, nullptr);
  // WHEP: its own rules for methods, tokens and bodies (whep_routes.h).
  soup_server_add_early_handler(
      server_, kWhepPath,
      [](SoupServer*, SoupServerMessage* msg, const char* path, GHashTable*, gpointer d) {
        auto* self = static_cast<HttpServer*>(d);
        if (!self->policy_.check_host(msg)) whep_refuse_early(msg, path, *self->routes_.auth);
      },
      this, nullptr);
  soup_server_add_handler(
      server_, kWhepPath,
      [](SoupServer*, SoupServerMessage* msg, const char* path, GHashTable*, gpointer d) {
        whep_handle(msg, path, static_cast<HttpServer*>(d)->routes_.whep);
      },
      this, nullptr);
  // Every other route: refused before a body is read (request_policy.h).
  soup_server_add_early_handler(
      server_, nullptr,
      [](SoupServer*, SoupServerMessage* msg, const char*, GHashTable*, gpointer d) {
        static_cast<HttpServer*>(d)->policy_.check(msg);
      },
      this, nullptr);
  soup_server_add_handler(server_, nullptr, on_request, this, nullptr);
  guard_ = std::make_unique<ConnectionGuard>(server_, routes_.timeouts, [](const char* path) {
    return path && (std::strcmp(path, "/ws") == 0 || std::strcmp(path, "/mjpeg") == 0);
  });
}

HttpServer::~HttpServer() {
  listener_.reset();  // no new connections while the server closes the open ones
  guard_.reset();
  if (server_) {
    soup_server_disconnect(server_);
    g_object_unref(server_);
  }
}

bool HttpServer::listen(const std::string& address, int port, std::string* err) {
  // "localhost" is what people type; it means the IPv4 loopback here (no resolver involved).
  GInetAddress* ia = g_inet_address_new_from_string(address == "localhost" ? "127.0.0.1" : address.c_str());
  if (!ia) {
    *err = "the address to listen on must be a numeric IP address (127.0.0.1, 0.0.0.0, ::1), got '" + address + "'";
    return false;
  }
  // A TLS handshake gets the header timeout of its own, before the request's starts.
  listener_ = std::make_unique<Listener>(server_, routes_.tls.get(), routes_.timeouts.header_s);
  std::string why;
  const bool ok = listener_->listen(ia, port, &why);
  g_object_unref(ia);
  if (!ok) {
    listener_.reset();
    *err = "cannot listen on " + address + ":" + std::to_string(port) + ": " + why +
           " (another server on this port? choose another port, or 0 for a free one)";
    return false;
  }
  const int actual = listener_->port();
  std::string host = address;
  if (address == "0.0.0.0" || address == "localhost") host = "127.0.0.1";
  else if (address == "::") host = "[::1]";
  else if (address.find(':') != std::string::npos) host = "[" + address + "]";
  url_ = std::string(routes_.tls ? "https://" : "http://") + host + ":" + std::to_string(actual) + "/";
  return true;
}

std::string HttpServer::url() const { return url_; }

void HttpServer::on_request(SoupServer*, SoupServerMessage* msg, const char* path, GHashTable* query,
                            gpointer d) {
  auto* self = static_cast<HttpServer*>(d);
  // Methods and bodies were checked in the early handler (request_policy.h).
  const std::optional<Role> role = self->role_of(msg, query);
  if (std::strcmp(path, "/healthz") == 0) {
    // Open to service monitors; the details (renderer state and shm name, peer counts) only with a token.
    const std::string body = self->routes_.health ? self->routes_.health(role.has_value()) : "{}";
    soup_server_message_set_status(msg, SOUP_STATUS_OK, nullptr);
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Cache-Control", "no-store");
    soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_COPY, body.data(), body.size());
    return;
  }
  if (std::strcmp(path, "/metrics") == 0) {
    self->serve_metrics(msg, role);
    return;
  }
  const bool page = std::strcmp(path, "/") == 0 || std::strcmp(path, "/index.html") == 0;
  if (!role) {
    unauthorized(msg, page);
    return;
  }
  if (std::strcmp(path, "/mjpeg") == 0) {
    self->serve_mjpeg(msg, query);
    return;
  }
  if (std::strcmp(path, "/snapshot.png") == 0 && self->routes_.snapshot) {
    self->routes_.snapshot(msg);
    return;
  }
  if (std::strcmp(path, "/still.webp") == 0 && self->routes_.still) {
    self->routes_.still(msg, query);
    return;
  }
  self->serve_static(msg, path);
  // The page's own requests (scripts, /ws, /mjpeg) then carry the token in a cookie.
  const std::string token = query_token(msg, query);
  if (page && self->routes_.auth->enabled() && !token.empty() &&
      soup_server_message_get_status(msg) == SOUP_STATUS_OK)
    soup_message_headers_append(soup_server_message_get_response_headers(msg), "Set-Cookie",
                                self->routes_.auth->set_cookie(token).c_str());
}

// Like every route, with `?token=` or the cookie; scrapers (Prometheus' `authorization`) send
// `Authorization: Bearer TOKEN` instead. Either token (control or view) may read it.
void HttpServer::serve_metrics(SoupServerMessage* msg, std::optional<Role> role) {
  if (!role) {
    const std::string bearer =
        bearer_token(soup_message_headers_get_one(soup_server_message_get_request_headers(msg), "Authorization"));
    if (!bearer.empty()) role = routes_.auth->role_of(bearer);
  }
  if (!role) {
    unauthorized(msg, false);
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "WWW-Authenticate",
                                 "Bearer realm=\"vtkstream\"");
    return;
  }
  const std::string body = routes_.metrics ? routes_.metrics() : "";
  soup_server_message_set_status(msg, SOUP_STATUS_OK, nullptr);
  soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Cache-Control", "no-store");
  soup_server_message_set_response(msg, "text/plain; version=0.0.4; charset=utf-8", SOUP_MEMORY_COPY, body.data(),
                                   body.size());
}

void HttpServer::serve_mjpeg(SoupServerMessage* msg, GHashTable* query) {
  const char* peer = query ? static_cast<const char*>(g_hash_table_lookup(query, "peer")) : nullptr;
  guint64 id = 0;
  if (!peer || !g_ascii_string_to_unsigned(peer, 10, 1, G_MAXUINT32, &id, nullptr)) {
    plain_status(msg, SOUP_STATUS_BAD_REQUEST, "usage: /mjpeg?peer=ID (the peer_id from welcome)\n");
    return;
  }
  if (!routes_.mjpeg || !routes_.mjpeg(msg, static_cast<uint32_t>(id)))
    plain_status(msg, SOUP_STATUS_NOT_FOUND, "no such MJPEG peer (say hello with transport mjpeg first)\n");
}

// The file to send for `f`: its gzip twin NAME.gz, when the build wrote one beside it
// (scripts/bundle_web.py), it is at least as new, it resolves inside the web directory like any
// request, and the client takes gzip; else the file itself. libsoup's server compresses nothing
// itself; twins made at build time cost nothing per request. Only these static files are
// compressed: they hold no secret, so compression cannot leak one (docs/security.md).
std::string HttpServer::gzip_twin(SoupServerMessage* msg, const StaticFile& f) const {
  const char* accept = soup_message_headers_get_list(soup_server_message_get_request_headers(msg), "Accept-Encoding");
  if (!accept) return f.path;
  GSList* unacceptable = nullptr;
  GSList* ok = soup_header_parse_quality_list(accept, &unacceptable);
  const bool gzip = g_slist_find_custom(ok, "gzip", reinterpret_cast<GCompareFunc>(g_ascii_strcasecmp)) != nullptr;
  soup_header_free_list(ok);
  soup_header_free_list(unacceptable);
  if (!gzip) return f.path;
  const StaticFile twin = resolve_static(routes_.web_root, f.path.substr(routes_.web_root.size()) + ".gz");
  struct stat plain {}, packed {};
  if (twin.status != 200 || stat(f.path.c_str(), &plain) != 0 || stat(twin.path.c_str(), &packed) != 0) return f.path;
  const bool fresh = packed.st_mtim.tv_sec != plain.st_mtim.tv_sec ? packed.st_mtim.tv_sec > plain.st_mtim.tv_sec
                                                                  : packed.st_mtim.tv_nsec >= plain.st_mtim.tv_nsec;
  return fresh ? twin.path : f.path;
}

void HttpServer::serve_static(SoupServerMessage* msg, const char* path) {
  // The raw (still percent-encoded) path: resolve_static decodes it once, itself.
  GUri* uri = soup_server_message_get_uri(msg);
  const char* raw = uri ? g_uri_get_path(uri) : path;
  const StaticFile f = resolve_static(routes_.web_root, raw ? raw : "");
  if (f.status != 200) {
    plain_status(msg, f.status, f.status == 403 ? "forbidden\n" : "not found\n");
    return;
  }
  const std::string sent = gzip_twin(msg, f);
  GError* gerr = nullptr;
  GMappedFile* mapped = g_mapped_file_new(sent.c_str(), FALSE, &gerr);
  if (!mapped) {
    GST_WARNING("cannot read %s: %s", f.path.c_str(), gerr ? gerr->message : "?");
    g_clear_error(&gerr);
    plain_status(msg, SOUP_STATUS_NOT_FOUND, "not found\n");
    return;
  }
  GBytes* bytes = g_mapped_file_get_bytes(mapped);
  g_mapped_file_unref(mapped);
  soup_server_message_set_status(msg, SOUP_STATUS_OK, nullptr);
  SoupMessageHeaders* h = soup_server_message_get_response_headers(msg);
  soup_message_headers_set_content_type(h, f.mime.c_str(), nullptr);
  // The client changes with the server build; always revalidate.
  soup_message_headers_replace(h, "Cache-Control", "no-cache");
  soup_message_headers_replace(h, "X-Content-Type-Options", "nosniff");
  soup_message_headers_replace(h, "Vary", "Accept-Encoding");
  if (sent != f.path) soup_message_headers_replace(h, "Content-Encoding", "gzip");
  // The page URL holds the token: never send it on in a Referer.
  soup_message_headers_replace(h, "Referrer-Policy", "no-referrer");
  soup_message_body_append_bytes(soup_server_message_get_response_body(msg), bytes);
  g_bytes_unref(bytes);
}

}  // namespace vtkstream::sink
