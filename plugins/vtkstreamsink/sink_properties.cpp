#include "sink_properties.h"

#include <gst/gst.h>
#include <limits.h>
#include <stdlib.h>

#include "auth.h"
#include "ice_servers.h"
#include "janus_config.h"
#include "tls.h"
#include "web_bundle.h"

namespace vtkstream::sink {

namespace {

constexpr GParamFlags kRW = GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
constexpr GParamFlags kRO = GParamFlags(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

std::string canonical_dir(const std::string& p) {
  char real[PATH_MAX];
  if (p.empty() || !realpath(p.c_str(), real)) return "";
  if (!g_file_test(real, G_FILE_TEST_IS_DIR)) return "";
  return real;
}

// The web client: web-dir, else VTKSTREAM_WEB_DIR, else (a build tree's plugin) the build tree's
// bundle if current, else the source tree; else the installed copy.
std::string find_web_root(const std::string& given, std::string* err) {
  if (!given.empty()) {
    std::string r = canonical_dir(given);
    if (r.empty()) *err = "web-dir " + given + ": not a directory";
    return r;
  }
  std::vector<std::string> candidates;
  if (const char* env = g_getenv("VTKSTREAM_WEB_DIR")) candidates.push_back(env);
#if defined(VTKSTREAM_BUILD_WEB_DIR) && defined(VTKSTREAM_SOURCE_WEB_DIR)
  // The build tree's bundle (one module, web_bundle.h), while it matches the sources.
  if (std::string why; web_bundle_current(VTKSTREAM_BUILD_WEB_DIR, VTKSTREAM_SOURCE_WEB_DIR, &why))
    candidates.push_back(VTKSTREAM_BUILD_WEB_DIR);
  else
    g_printerr("vtkstreamsink: serving the web client module by module from %s: %s (ninja rebuilds the bundle)\n",
               VTKSTREAM_SOURCE_WEB_DIR, why.c_str());
#endif
#ifdef VTKSTREAM_SOURCE_WEB_DIR
  candidates.push_back(VTKSTREAM_SOURCE_WEB_DIR);
#endif
#ifdef VTKSTREAM_INSTALLED_WEB_DIR
  candidates.push_back(VTKSTREAM_INSTALLED_WEB_DIR);
#endif
  for (const auto& c : candidates)
    if (std::string r = canonical_dir(c); !r.empty()) return r;
  *err = "cannot find the web client; set web-dir (the repository's web/ or the installed share/vtkstream/web)";
  return "";
}

// allowed-hosts and frame-ancestors: both end up in headers or comparisons, so no separators
// or control characters that could split a header.
bool http_rules(const SinkSettings& s, WebConfig* web, std::string* err) {
  web->allowed_hosts.clear();
  gchar** names = g_strsplit(s.allowed_hosts.c_str(), ",", -1);
  for (gchar** n = names; *n; ++n) {
    const std::string name = g_strstrip(*n);
    if (name.empty()) continue;
    if (name.find_first_of(" /:;@[]") != std::string::npos || (name.find('*') != std::string::npos && name.rfind("*.", 0) != 0)) {
      *err = "allowed-hosts: '" + name + "' is not a host name (give names like tunnel.example.org or *.example.org, without scheme or port)";
      g_strfreev(names);
      return false;
    }
    web->allowed_hosts.push_back(name);
  }
  g_strfreev(names);
  const std::string& fa = s.frame_ancestors;
  for (const char c : fa)
    if (c == ';' || c == ',' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      *err = "frame-ancestors: CSP sources separated by spaces ('self' http://localhost:8888), without ; or ,";
      return false;
    }
  web->frame_ancestors = fa.empty() ? "'none'" : fa;
  return true;
}

std::string str(const GValue* v) {
  const char* s = g_value_get_string(v);
  return s ? s : "";
}

}  // namespace

GType vtkstreamsink_codec_get_type() {
  static gsize type = 0;
  static const GEnumValue values[] = {
      {static_cast<gint>(Codec::kVP8), "VP8 (every browser)", "vp8"},
      {static_cast<gint>(Codec::kH264), "H.264 (browsers that offer it)", "h264"},
      {0, nullptr, nullptr}};
  if (g_once_init_enter(&type)) g_once_init_leave(&type, g_enum_register_static("GstVtkStreamSinkCodec", values));
  return type;
}

void install_sink_properties(GObjectClass* k) {
  const SinkSettings d;
  auto install = [k](guint id, GParamSpec* p) { g_object_class_install_property(k, id, p); };
  install(PROP_PORT, g_param_spec_int("port", "Port", "HTTP port for the page, /ws signalling and /mjpeg (0 picks a free one; see url)",
                                      0, 65535, d.port, kRW));
  install(PROP_ADDRESS, g_param_spec_string("address", "Address", "Numeric IP address to listen on (0.0.0.0 to share on the network)",
                                            d.address.c_str(), kRW));
  install(PROP_TOKEN, g_param_spec_string("token", "Control token", "Access token of the control link (empty: a random one; 16-256 of A-Z a-z 0-9 - _ . ~)",
                                          "", kRW));
  install(PROP_VIEW_TOKEN, g_param_spec_string("view-token", "View token", "Access token of the view-only link (empty: a random one)",
                                               "", kRW));
  install(PROP_AUTH, g_param_spec_boolean("auth", "Access control", "Require a token (false: anyone who reaches the port watches and steers)",
                                          d.auth, kRW));
  install(PROP_CODEC, g_param_spec_enum("codec", "Codec", "Codec of the encoder for raw input (encoded input is passed through as it is)",
                                        vtkstreamsink_codec_get_type(), static_cast<gint>(d.codec), kRW));
  install(PROP_BITRATE, g_param_spec_uint("bitrate", "Bitrate", "Target bitrate of the built-in encoder, kbit/s",
                                          50, 100000, d.bitrate_kbps, kRW));
  install(PROP_ADAPTIVE_BITRATE, g_param_spec_boolean("adaptive-bitrate", "Adaptive bitrate", "Estimate each WebRTC viewer's bandwidth and move it between rungs, shared encodes of raw input at the full size, at most 360 and at most 240 lines (each encoded only while a viewer is on it, its bitrate following its own viewers between min-bitrate and max-bitrate, starting at bitrate). Input that arrives encoded (VP8/H.264 pass-through) and a custom encoder have one rung only",
                                                     d.adaptive, kRW));
  install(PROP_MIN_BITRATE, g_param_spec_uint("min-bitrate", "Min bitrate", "Lowest bitrate adaptation goes to, kbit/s",
                                              50, 100000, d.min_bitrate_kbps, kRW));
  install(PROP_MAX_BITRATE, g_param_spec_uint("max-bitrate", "Max bitrate", "Highest bitrate adaptation goes to, kbit/s: the full-size rung's ceiling for a 1280x720 or larger picture; a smaller picture (the renderer's interactive size) gets less, down to the lower rungs' ceilings at their sizes",
                                              50, 100000, d.max_bitrate_kbps, kRW));
  install(PROP_ENCODER, g_param_spec_string("encoder", "Encoder", "Launch description from raw video to RTP (payload type 96, payloader named pay, encoder may be named enc); empty: the built-in one for codec",
                                            "", kRW));
  install(PROP_MAX_PEERS, g_param_spec_uint("max-peers", "Max peers", "Most browser tabs served at once", 1, 10000, d.max_peers, kRW));
  install(PROP_OWNER_SLOTS, g_param_spec_uint("owner-slots", "Owner slots", "Of max-peers, slots view-only peers may not take, so the control link always gets in (the view link keeps at least one)",
                                              0, 10000, d.owner_slots, kRW));
  install(PROP_WEB_DIR, g_param_spec_string("web-dir", "Web directory", "Directory of the web client (empty: VTKSTREAM_WEB_DIR, else the built-in location)",
                                            "", kRW));
  install(PROP_STUN_SERVER, g_param_spec_string("stun-server", "STUN server", "stun:HOST:PORT, for webrtcbin and the page (empty: none; loopback and LANs need none)",
                                                "", kRW));
  install(PROP_TURN_SERVERS, g_param_spec_boxed("turn-servers", "TURN servers", "turn://USER:PASS@HOST:PORT entries, for webrtcbin and the page",
                                                G_TYPE_STRV, kRW));
  install(PROP_ICE_ADDRESS, g_param_spec_string("ice-address", "Extra ICE address", "Also gather ICE candidates on this local address (e.g. 127.0.0.1 in a loopback-only network namespace)",
                                                "", kRW));
  install(PROP_MAX_INPUT_RATE, g_param_spec_double("max-input-rate", "Max input rate", "Input events per second per viewer (0 = unlimited); moves over it are coalesced, presses/wheel/keys dropped",
                                                   0, 100000, d.max_input_rate, kRW));
  install(PROP_MAX_MESSAGE_BYTES, g_param_spec_uint("max-message-bytes", "Max message bytes", "Largest signalling or input message; a larger WebSocket message closes the socket (1009)",
                                                    1024, 1 << 20, d.max_message_bytes, kRW));
  install(PROP_HANDSHAKE_TIMEOUT, g_param_spec_uint("handshake-timeout", "Handshake timeout", "Seconds from WebSocket open to hello (0 = none)",
                                                    0, G_MAXINT / 2, d.handshake_timeout_s, kRW));
  install(PROP_IDLE_TIMEOUT, g_param_spec_uint("idle-timeout", "Idle timeout", "Seconds without input or control messages before a viewer gets bye (0 = never)",
                                               0, G_MAXINT / 2, d.idle_timeout_s, kRW));
  install(PROP_CONTROL_IDLE_TIMEOUT, g_param_spec_uint("control-idle-timeout", "Control idle timeout", "Seconds without input after which the controller loses control when someone asked for it (0 = never)",
                                                       0, G_MAXINT / 2, d.control_idle_timeout_s, kRW));
  install(PROP_HTTP_HEADER_TIMEOUT, g_param_spec_uint("http-header-timeout", "HTTP header timeout", "Seconds an HTTP connection may take to send its request headers before it is closed (0 = none)",
                                                      0, G_MAXINT / 2000, d.http_header_timeout_s, kRW));
  install(PROP_HTTP_IDLE_TIMEOUT, g_param_spec_uint("http-idle-timeout", "HTTP idle timeout", "Seconds an HTTP request or response may stay silent before its connection is closed; WebSocket and MJPEG streams are exempt (0 = none)",
                                                    0, G_MAXINT / 2000, d.http_idle_timeout_s, kRW));
  install(PROP_SNAPSHOT_TIMEOUT, g_param_spec_uint("snapshot-timeout", "Snapshot timeout", "Seconds /snapshot.png waits for its PNG before it answers 504",
                                                   1, 600, d.snapshot_timeout_s, kRW));
  install(PROP_ALLOWED_HOSTS, g_param_spec_string("allowed-hosts", "Allowed hosts", "Comma-separated host names requests may be addressed to besides IP addresses, localhost and this machine's name (a tunnel's or proxy's name; *.example.org for subdomains); others get 421",
                                                  "", kRW));
  install(PROP_FRAME_ANCESTORS, g_param_spec_string("frame-ancestors", "Frame ancestors", "CSP frame-ancestors: who may embed the page in a frame ('self'; a Jupyter server's origin such as http://localhost:8888; * for anyone)",
                                                    d.frame_ancestors.c_str(), kRW));
  install(PROP_RENDERER_SUPERVISED, g_param_spec_boolean("renderer-supervised", "Renderer supervised", "A program restarts the renderer when it stops: viewers are told 'restarting' rather than 'waiting'",
                                                         d.renderer_supervised, kRW));
  install(PROP_TLS_CERTIFICATE_FILE, g_param_spec_string("tls-certificate-file", "TLS certificate file", "PEM certificate (chain) to serve https and wss with; needs tls-key-file (empty: plain HTTP)",
                                                        "", kRW));
  install(PROP_TLS_KEY_FILE, g_param_spec_string("tls-key-file", "TLS key file", "PEM private key (unencrypted) of tls-certificate-file",
                                                 "", kRW));
  install(PROP_JANUS_URL, g_param_spec_string("janus-url", "Janus API URL", "HTTP API of a Janus to forward the encoded video to as RTP (e.g. http://127.0.0.1:8088/janus, numeric host; the RTP goes to that host); probed to tell whether Janus is up. Several, comma-separated, on different hosts: each gets the stream",
                                              "", kRW));
  install(PROP_JANUS_VIDEO_PORT, g_param_spec_int("janus-video-port", "Janus video port", "videoport of the Janus streaming mountpoint of rung 0 (full size) to send RTP to; rung N goes to this + 2N (0 = no forwarding)",
                                                  0, 65535, 0, kRW));
  install(PROP_JANUS_RTCP_PORT, g_param_spec_int("janus-rtcp-port", "Janus RTCP port", "videortcpport of that mountpoint, for its viewers' keyframe requests; rung N's is this + 2N (0 = none: Janus viewers wait for the next keyframe)",
                                                 0, 65535, 0, kRW));
  install(PROP_JANUS_RUNGS, g_param_spec_string("janus-rungs", "Janus rungs", "Which rungs of the encoding ladder go to Janus, each to a mountpoint of its own (rung N: janus-video-port + 2N, janus-rtcp-port + 2N): all, or rung numbers such as 0 or 0,2 (0 = full size). A lower rung is encoded only while its Janus is up",
                                                d.janus_rungs.c_str(), kRW));
  install(PROP_URL, g_param_spec_string("url", "URL", "http://HOST:PORT/ (https:// with TLS) once listening (READY and up)", "", kRO));
  install(PROP_CONTROL_LINK, g_param_spec_string("control-link", "Control link", "The link to open to watch and steer (with its token), once listening", "", kRO));
  install(PROP_VIEW_LINK, g_param_spec_string("view-link", "View-only link", "The link to share with people who should only watch, once listening", "", kRO));
  install(PROP_PEERS, g_param_spec_uint("peers", "Peers", "Browser tabs connected now", 0, G_MAXUINT, 0, kRO));
}

void set_sink_property(SinkSettings& s, guint id, const GValue* v) {
  switch (id) {
    case PROP_PORT: s.port = g_value_get_int(v); break;
    case PROP_ADDRESS: s.address = str(v); break;
    case PROP_TOKEN: s.token = str(v); break;
    case PROP_VIEW_TOKEN: s.view_token = str(v); break;
    case PROP_AUTH: s.auth = g_value_get_boolean(v); break;
    case PROP_CODEC: s.codec = static_cast<Codec>(g_value_get_enum(v)); break;
    case PROP_BITRATE: s.bitrate_kbps = g_value_get_uint(v); break;
    case PROP_ADAPTIVE_BITRATE: s.adaptive = g_value_get_boolean(v); break;
    case PROP_MIN_BITRATE: s.min_bitrate_kbps = g_value_get_uint(v); break;
    case PROP_MAX_BITRATE: s.max_bitrate_kbps = g_value_get_uint(v); break;
    case PROP_ENCODER: s.encoder = str(v); break;
    case PROP_MAX_PEERS: s.max_peers = g_value_get_uint(v); break;
    case PROP_OWNER_SLOTS: s.owner_slots = g_value_get_uint(v); break;
    case PROP_WEB_DIR: s.web_dir = str(v); break;
    case PROP_STUN_SERVER: s.stun = str(v); break;
    case PROP_TURN_SERVERS: {
      s.turn.clear();
      for (auto** t = static_cast<gchar**>(g_value_get_boxed(v)); t && *t; ++t) s.turn.emplace_back(*t);
      break;
    }
    case PROP_ICE_ADDRESS: s.ice_address = str(v); break;
    case PROP_MAX_INPUT_RATE: s.max_input_rate = g_value_get_double(v); break;
    case PROP_MAX_MESSAGE_BYTES: s.max_message_bytes = g_value_get_uint(v); break;
    case PROP_HANDSHAKE_TIMEOUT: s.handshake_timeout_s = g_value_get_uint(v); break;
    case PROP_IDLE_TIMEOUT: s.idle_timeout_s = g_value_get_uint(v); break;
    case PROP_CONTROL_IDLE_TIMEOUT: s.control_idle_timeout_s = g_value_get_uint(v); break;
    case PROP_HTTP_HEADER_TIMEOUT: s.http_header_timeout_s = g_value_get_uint(v); break;
    case PROP_HTTP_IDLE_TIMEOUT: s.http_idle_timeout_s = g_value_get_uint(v); break;
    case PROP_SNAPSHOT_TIMEOUT: s.snapshot_timeout_s = g_value_get_uint(v); break;
    case PROP_ALLOWED_HOSTS: s.allowed_hosts = str(v); break;
    case PROP_FRAME_ANCESTORS: s.frame_ancestors = str(v); break;
    case PROP_RENDERER_SUPERVISED: s.renderer_supervised = g_value_get_boolean(v); break;
    case PROP_TLS_CERTIFICATE_FILE: s.tls_certificate_file = str(v); break;
    case PROP_TLS_KEY_FILE: s.tls_key_file = str(v); break;
    case PROP_JANUS_URL: s.janus_url = str(v); break;
    case PROP_JANUS_VIDEO_PORT: s.janus_video_port = g_value_get_int(v); break;
    case PROP_JANUS_RTCP_PORT: s.janus_rtcp_port = g_value_get_int(v); break;
    case PROP_JANUS_RUNGS: s.janus_rungs = str(v); break;
    default: break;
  }
}

void get_sink_property(const SinkSettings& s, guint id, GValue* v) {
  switch (id) {
    case PROP_PORT: g_value_set_int(v, s.port); break;
    case PROP_ADDRESS: g_value_set_string(v, s.address.c_str()); break;
    case PROP_TOKEN: g_value_set_string(v, s.token.c_str()); break;
    case PROP_VIEW_TOKEN: g_value_set_string(v, s.view_token.c_str()); break;
    case PROP_AUTH: g_value_set_boolean(v, s.auth); break;
    case PROP_CODEC: g_value_set_enum(v, static_cast<gint>(s.codec)); break;
    case PROP_BITRATE: g_value_set_uint(v, s.bitrate_kbps); break;
    case PROP_ADAPTIVE_BITRATE: g_value_set_boolean(v, s.adaptive); break;
    case PROP_MIN_BITRATE: g_value_set_uint(v, s.min_bitrate_kbps); break;
    case PROP_MAX_BITRATE: g_value_set_uint(v, s.max_bitrate_kbps); break;
    case PROP_ENCODER: g_value_set_string(v, s.encoder.c_str()); break;
    case PROP_MAX_PEERS: g_value_set_uint(v, s.max_peers); break;
    case PROP_OWNER_SLOTS: g_value_set_uint(v, s.owner_slots); break;
    case PROP_WEB_DIR: g_value_set_string(v, s.web_dir.c_str()); break;
    case PROP_STUN_SERVER: g_value_set_string(v, s.stun.c_str()); break;
    case PROP_TURN_SERVERS: {
      std::vector<const gchar*> p;
      for (const auto& t : s.turn) p.push_back(t.c_str());
      p.push_back(nullptr);
      g_value_set_boxed(v, p.data());
      break;
    }
    case PROP_ICE_ADDRESS: g_value_set_string(v, s.ice_address.c_str()); break;
    case PROP_MAX_INPUT_RATE: g_value_set_double(v, s.max_input_rate); break;
    case PROP_MAX_MESSAGE_BYTES: g_value_set_uint(v, s.max_message_bytes); break;
    case PROP_HANDSHAKE_TIMEOUT: g_value_set_uint(v, s.handshake_timeout_s); break;
    case PROP_IDLE_TIMEOUT: g_value_set_uint(v, s.idle_timeout_s); break;
    case PROP_CONTROL_IDLE_TIMEOUT: g_value_set_uint(v, s.control_idle_timeout_s); break;
    case PROP_HTTP_HEADER_TIMEOUT: g_value_set_uint(v, s.http_header_timeout_s); break;
    case PROP_HTTP_IDLE_TIMEOUT: g_value_set_uint(v, s.http_idle_timeout_s); break;
    case PROP_SNAPSHOT_TIMEOUT: g_value_set_uint(v, s.snapshot_timeout_s); break;
    case PROP_ALLOWED_HOSTS: g_value_set_string(v, s.allowed_hosts.c_str()); break;
    case PROP_FRAME_ANCESTORS: g_value_set_string(v, s.frame_ancestors.c_str()); break;
    case PROP_RENDERER_SUPERVISED: g_value_set_boolean(v, s.renderer_supervised); break;
    case PROP_TLS_CERTIFICATE_FILE: g_value_set_string(v, s.tls_certificate_file.c_str()); break;
    case PROP_TLS_KEY_FILE: g_value_set_string(v, s.tls_key_file.c_str()); break;
    case PROP_JANUS_URL: g_value_set_string(v, s.janus_url.c_str()); break;
    case PROP_JANUS_VIDEO_PORT: g_value_set_int(v, s.janus_video_port); break;
    case PROP_JANUS_RTCP_PORT: g_value_set_int(v, s.janus_rtcp_port); break;
    case PROP_JANUS_RUNGS: g_value_set_string(v, s.janus_rungs.c_str()); break;
    case PROP_URL: g_value_set_string(v, s.url.c_str()); break;
    case PROP_CONTROL_LINK: g_value_set_string(v, s.control_link.c_str()); break;
    case PROP_VIEW_LINK: g_value_set_string(v, s.view_link.c_str()); break;
    case PROP_PEERS: g_value_set_uint(v, s.peers); break;
    default: break;
  }
}

bool sink_configuration(SinkSettings& s, WebConfig* web, MediaConfig* media, std::string* err) {
  web->address = s.address;
  web->port = s.port;
  web->web_root = find_web_root(s.web_dir, err);
  if (web->web_root.empty()) return false;
  if (s.auth) {
    for (const auto* t : {&s.token, &s.view_token})
      if (!t->empty() && !valid_token(*t)) {
        *err = std::string(t == &s.token ? "token" : "view-token") +
               ": a token is 16-256 characters of A-Z a-z 0-9 - _ . ~";
        return false;
      }
    if (s.token.empty()) s.token = generate_token();
    if (s.view_token.empty()) s.view_token = generate_token();
    if (s.token == s.view_token) {
      *err = "token and view-token must differ";
      return false;
    }
    web->tokens = Tokens{s.token, s.view_token};
  } else {
    web->tokens = Tokens{};
  }
  web->ice = IceConfig{};
  web->browser_ice.clear();
  if (!s.stun.empty()) {
    IceServer b;
    if (!parse_stun(s.stun, &web->ice.stun, &b, err)) {
      *err = "stun-server: " + *err;  // the message names the property, like token's
      return false;
    }
    web->browser_ice.push_back(b);
  }
  for (const auto& t : s.turn) {
    IceServer b;
    std::string w;
    if (!parse_turn(t, &w, &b, err)) {
      *err = "turn-servers: " + *err;
      return false;
    }
    web->ice.turn.push_back(w);
    web->browser_ice.push_back(b);
  }
  web->ice.extra_address = s.ice_address;
  web->max_peers = s.max_peers;
  web->owner_slots = s.owner_slots;
  web->max_input_rate = s.max_input_rate;
  web->max_message_bytes = s.max_message_bytes;
  web->handshake_timeout_s = static_cast<int>(s.handshake_timeout_s);
  web->idle_timeout_s = static_cast<int>(s.idle_timeout_s);
  web->control_idle_s = static_cast<int>(s.control_idle_timeout_s);
  web->renderer_supervised = s.renderer_supervised;
  web->http_header_timeout_s = s.http_header_timeout_s;
  web->http_idle_timeout_s = s.http_idle_timeout_s;
  web->tls = nullptr;
  if (const TlsFiles tls{s.tls_certificate_file, s.tls_key_file}; tls.enabled()) {
    web->tls = load_tls_certificate(tls, "tls-certificate-file", "tls-key-file", err);
    if (!web->tls) return false;
  }
  web->snapshot_timeout_s = s.snapshot_timeout_s;
  media->codec = s.codec;
  media->bitrate_kbps = static_cast<int>(s.bitrate_kbps);
  media->max_kbps = static_cast<int>(s.max_bitrate_kbps);
  if (s.min_bitrate_kbps > s.max_bitrate_kbps) {
    *err = "min-bitrate (" + std::to_string(s.min_bitrate_kbps) + ") is above max-bitrate (" +
           std::to_string(s.max_bitrate_kbps) + ")";
    return false;
  }
  web->adaptive = s.adaptive;
  // The start is the configured bitrate, inside the bounds.
  web->rate_limits = adapt::Limits{int(s.min_bitrate_kbps), int(s.max_bitrate_kbps), int(s.bitrate_kbps)};
  media->encoder = s.encoder;
  if (!janus_configuration(s.janus_url, s.janus_video_port, s.janus_rtcp_port, s.janus_rungs, &web->janus, err)) return false;
  return http_rules(s, web, err);
}

}  // namespace vtkstream::sink
