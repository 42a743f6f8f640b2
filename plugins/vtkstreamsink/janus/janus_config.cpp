#include "janus_config.h"

#include <gio/gio.h>

#include <set>

#include "rung_policy.h"

namespace vtkstream::sink {

namespace {

// What is wrong with a well-formed http(s) URL with a numeric host as the address of one Janus,
// or null. Each of these was accepted once and failed later, quietly or worse.
const char* target_problem(GUri* uri, GInetAddress* host) {
  // /metrics (which view-only links may read) and the log show the URL: no secrets in it.
  if (g_uri_get_userinfo(uri)) return "has credentials in it (they would show in /metrics and the log)";
  // The probe asks for <url>/info: a query or fragment would swallow that path.
  if (g_uri_get_query(uri) || g_uri_get_fragment(uri)) return "has a query or fragment (the probe appends /info)";
  if (g_uri_get_port(uri) == 0) return "has port 0";
  // The RTP goes to this address: it must be one host, not a group or everyone on a link.
  gchar* text = g_inet_address_to_string(host);
  const bool broadcast = g_strcmp0(text, "255.255.255.255") == 0;
  g_free(text);
  if (g_inet_address_get_is_multicast(host) || g_inet_address_get_is_any(host) || broadcast)
    return "is not one host's address (multicast, broadcast or any)";
  return nullptr;
}

bool one_target(const std::string& url, JanusConfig* out, std::string* err, const JanusNames& names) {
  GError* gerr = nullptr;
  GUri* uri = url.empty() ? nullptr : g_uri_parse(url.c_str(), G_URI_FLAGS_NONE, &gerr);
  g_clear_error(&gerr);
  const char* scheme = uri ? g_uri_get_scheme(uri) : nullptr;
  const char* host = uri ? g_uri_get_host(uri) : nullptr;
  GInetAddress* numeric = host ? g_inet_address_new_from_string(host) : nullptr;
  const bool ok = uri && (g_strcmp0(scheme, "http") == 0 || g_strcmp0(scheme, "https") == 0) && numeric;
  const char* problem = ok ? target_problem(uri, numeric) : nullptr;
  // GLib parses "http://h/a b" and a URL with a newline; the log and /metrics would carry them.
  for (unsigned char c : url)
    if (ok && !problem && (c <= 0x20 || c == 0x7f)) problem = "has a space or a control character in it";
  if (ok && !problem) {
    out->api_url = url;
    // In the address's one canonical spelling, so that [::1] and [0:0::1] are seen to be one host.
    gchar* canonical = g_inet_address_to_string(numeric);
    out->host = canonical;
    g_free(canonical);
  }
  if (numeric) g_object_unref(numeric);
  if (uri) g_uri_unref(uri);
  if (problem) {
    // Not the URL itself: it may be what holds the credentials.
    *err = std::string(names.url) + ": the URL " + problem;
    return false;
  }
  if (!ok) {
    *err = std::string(names.url) + ": '" + url +
           "' is not an http(s) URL with a numeric host (Janus's HTTP API, e.g. http://127.0.0.1:8088/janus; the RTP "
           "goes to the same host)";
    return false;
  }
  return true;
}

// "all" (or empty) or comma-separated distinct rung numbers, into `out` ascending.
bool parse_rungs(const std::string& text, std::vector<int>* out, std::string* err, const JanusNames& names) {
  out->clear();
  const int n = janus_max_rungs();
  gchar* whole = g_strstrip(g_strdup(text.c_str()));
  const bool all = !*whole || g_strcmp0(whole, "all") == 0;
  g_free(whole);
  if (all) {
    for (int r = 0; r < n; ++r) out->push_back(r);
    return true;
  }
  std::set<int> seen;
  gchar** parts = g_strsplit(text.c_str(), ",", -1);
  bool ok = true;
  // Spaces around a number are allowed ("0, 2"), not inside the list's items: removing every
  // space made "0 2" the rung "02", so rung 2 alone went to Janus without a word.
  for (gchar** p = parts; ok && *p; ++p) {
    guint64 v = 0;
    ok = g_ascii_string_to_unsigned(g_strstrip(*p), 10, 0, guint64(n - 1), &v, nullptr) && seen.insert(int(v)).second;
  }
  g_strfreev(parts);
  if (!ok) {
    *err = std::string(names.rungs) + ": '" + text + "' is not 'all' or distinct rung numbers 0-" +
           std::to_string(n - 1) + " separated by commas (0 = full size; the ladder has " + std::to_string(n) +
           " rungs)";
    return false;
  }
  out->assign(seen.begin(), seen.end());
  return true;
}

// Every forwarded rung's mountpoint ports exist and no two of them are one port.
bool check_rung_ports(const JanusConfig& c, std::string* err, const JanusNames& names) {
  std::set<int> used;
  for (int r : c.rungs) {
    for (int port : {c.video_port_of(r), c.rtcp_port_of(r)}) {
      if (port == 0) continue;
      if (port > 65535) {
        *err = std::string(names.video_port) + ": rung " + std::to_string(r) + "'s mountpoint would need port " +
               std::to_string(port) + " (rung N uses " + names.video_port + " + 2N and " + names.rtcp_port +
               " + 2N); choose lower ports or fewer " + names.rungs;
        return false;
      }
      if (!used.insert(port).second) {
        *err = std::string(names.rtcp_port) + ": port " + std::to_string(port) + " would serve two rungs' mountpoints (rung N uses " +
               names.video_port + " + 2N and " + names.rtcp_port + " + 2N: make them differ by an odd number, e.g. 5004 and 5005)";
        return false;
      }
    }
  }
  return true;
}

}  // namespace

int janus_max_rungs() { return static_cast<int>(adapt::default_ladder(0).size()); }

bool janus_configuration(const std::string& urls, int video_port, int rtcp_port, const std::string& rungs,
                         std::vector<JanusConfig>* out, std::string* err, const JanusNames& names) {
  out->clear();
  if (video_port == 0) {
    if (!urls.empty()) {
      *err = std::string(names.video_port) + ": set it (the mountpoint's video port) to forward to " + names.url;
      return false;
    }
    if (rtcp_port != 0) {
      *err = std::string(names.rtcp_port) + ": set " + names.video_port + " (and " + names.url + ") too";
      return false;
    }
    return true;  // off
  }
  if (rtcp_port == video_port) {
    *err = std::string(names.rtcp_port) + ": must differ from " + names.video_port;
    return false;
  }
  JanusConfig ports;
  ports.video_port = video_port;
  ports.rtcp_port = rtcp_port;
  if (!parse_rungs(rungs, &ports.rungs, err, names) || !check_rung_ports(ports, err, names)) return false;
  gchar** parts = g_strsplit(urls.c_str(), ",", -1);
  bool ok = true;
  if (g_strv_length(parts) > guint(kMaxJanus)) {
    *err = std::string(names.url) + ": " + std::to_string(g_strv_length(parts)) + " URLs; at most " +
           std::to_string(kMaxJanus) + " Janus per sink (each gets a copy of the stream; let Janus instances feed each other beyond that)";
    ok = false;
  }
  for (gchar** u = parts; ok && *u; ++u) {
    const std::string url = g_strstrip(*u);
    JanusConfig c;
    ok = one_target(url, &c, err, names);
    for (const auto& seen : *out)
      if (ok && seen.host == c.host) {
        // The mountpoints share the ports: two on one host would be one socket.
        *err = std::string(names.url) + ": two Janus on " + c.host + " (each needs its own address; the ports are shared)";
        ok = false;
      }
    c.video_port = video_port;
    c.rtcp_port = rtcp_port;
    c.rungs = ports.rungs;
    if (ok) out->push_back(c);
  }
  g_strfreev(parts);
  if (ok && out->empty()) {
    *err = std::string(names.url) + ": empty";
    ok = false;
  }
  if (!ok) out->clear();
  return ok;
}

}  // namespace vtkstream::sink
