#include "options.h"

#include <glib.h>
#include <gst/gst.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "ice_servers.h"
#include "renderer_command.h"
#include "janus_config.h"
#include "tls.h"
#include "tokens.h"

namespace vtkstream::serve {

namespace {

constexpr const char* kSummary =
    "Streams a VTK renderer to web browsers: WebRTC (VP8 by default) with an MJPEG fallback,\n"
    "input back from the browser. By default starts and supervises `vtkstream-render --demo`.\n"
    "\n"
    "HTTP routes on --bind:--port: / (the web client), /ws (signalling, docs/protocol.md),\n"
    "/mjpeg?peer=ID (fallback stream), /healthz (JSON status).\n"
    "\n"
    "Large audiences: --janus URL also sends the encoded video as RTP to Janus streaming\n"
    "mountpoints on the URL's host, one per rung of the encoding ladder (--janus-rungs; rung N\n"
    "to --janus-video-port + 2N, RTCP --janus-rtcp-port + 2N); its viewers watch through Janus\n"
    "and pick a rung, steering stays here (docs/janus.md, launch/janus.sh).\n"
    "\n"
    "The pipeline is `vtksrc ! vtkstreamsink`: the options below set the sink's properties\n"
    "(gst-inspect-1.0 vtkstreamsink). --pipeline replaces the encoder part (the sink's `encoder`):\n"
    "it receives raw video and must produce RTP with payload type 96 of the --codec, with the\n"
    "payloader named `pay` (the encoder may be named `enc`). Default for vp8:\n"
    "  videoconvert ! queue max-size-buffers=1 leaky=downstream ! vp8enc name=enc deadline=1\n"
    "  cpu-used=8 end-usage=cbr lag-in-frames=0 error-resilient=partitions ... ! rtpvp8pay\n"
    "  name=pay pt=96 picture-id-mode=15-bit\n"
    "\n"
    "Access: the server prints a control link and a view-only link, each with ?token=... (192\n"
    "random bits, new on every start unless given). Without a valid token / answers 401 with a\n"
    "\"token required\" page and every other route 401; /healthz then says only {\"status\":\"ok\"}.\n"
    "The page keeps its token in an HttpOnly, SameSite=Strict cookie for its own requests.\n"
    "Fixed tokens for services: --token-file PATH (lines control=TOKEN and view=TOKEN, or two bare\n"
    "lines: control then view), else the environment VTKSTREAM_TOKEN (control) and\n"
    "VTKSTREAM_VIEW_TOKEN (view); a token is 16-256 characters of A-Z a-z 0-9 - _ . ~\n"
    "Control: one peer steers at a time; control-link peers can always take it, view-only peers\n"
    "ask for it and the controller grants (docs/protocol.md \"Control\").\n"
    "\n"
    "Diagnostics go to stderr, or to the journal with priorities when systemd runs the server;\n"
    "G_MESSAGES_DEBUG=vtkstream-serve adds info and debug lines. Under systemd (Type=notify) the\n"
    "server reports READY=1 once it listens, STATUS= lines and watchdog pings (WatchdogSec=).\n"
    "GStreamer's options: --help-gst.\n"
    "\n"
    "Examples:\n"
    "  vtkstream-serve                                  demo scene on http://127.0.0.1:8000/\n"
    "  vtkstream-serve --bind 0.0.0.0 --port 8080      share on the LAN\n"
    "  vtkstream-serve --bind 0.0.0.0 --tls-cert c.pem --tls-key k.pem   the same over https\n"
    "  vtkstream-serve --render '--size 1920x1080 mesh.vtp'\n"
    "  vtkstream-serve --shm mysim                      attach to a renderer already running\n"
    "  vtkstream-serve --no-auth                        no tokens (a demo on this machine only)\n"
    "  vtkstream-serve --janus http://127.0.0.1:8088/janus   also feed a Janus on this machine";

bool loopback_address(const std::string& a) {
  return a == "localhost" || a == "::1" || a.rfind("127.", 0) == 0;
}

// The command line as GOption filled it; strings are owned (g_free'd by the destructor).
// Not a port: the option was not given (its default is then launch/janus/janus-config.sh's).
constexpr gint kPortUnset = G_MININT;

struct Raw {
  gint port = 8000, bitrate = 0, repeat_ms = 1000, max_peers = 32, owner_slots = 4;
  gdouble fps = -1, max_input_rate = 250, idle_timeout = 60;  // fps -1: not given
  gint max_message_bytes = static_cast<gint>(sink::kMaxMessageBytes), handshake_timeout = 10, control_idle = 60;
  gint http_header_timeout = 10, http_idle_timeout = 60;
  gint janus_video_port = kPortUnset, janus_rtcp_port = kPortUnset;  // given only with --janus
  gchar* janus_rungs = nullptr;
  gchar** allowed_hosts = nullptr;
  gchar* frame_ancestors = nullptr;
  gchar *bind = nullptr, *shm = nullptr, *render = nullptr, *renderer = nullptr, *web = nullptr, *codec = nullptr,
        *pipeline = nullptr, *stun = nullptr, *size = nullptr, *ice_address = nullptr, *token_file = nullptr,
        *tls_cert = nullptr, *tls_key = nullptr, *janus = nullptr;
  gchar** turn = nullptr;
  gboolean no_renderer = FALSE, no_auth = FALSE, version = FALSE;
  ~Raw() {
    for (gchar* p : {bind, shm, render, renderer, web, codec, pipeline, stun, size, ice_address, token_file, tls_cert, tls_key, janus, janus_rungs}) g_free(p);
    g_strfreev(turn);
    g_strfreev(allowed_hosts);
    g_free(frame_ancestors);
  }
};

bool parse_table(int argc, char** argv, Raw* r, std::string* err) {
  GOptionEntry entries[] = {
      {"port", 0, 0, G_OPTION_ARG_INT, &r->port, "HTTP port (default 8000; 0 picks a free one)", "PORT"},
      {"bind", 0, 0, G_OPTION_ARG_STRING, &r->bind, "Address to listen on (default 127.0.0.1; 0.0.0.0 to share)", "ADDR"},
      {"shm", 0, 0, G_OPTION_ARG_STRING, &r->shm, "Attach to the renderer publishing on this shm name (no renderer is started unless --render is given)", "NAME"},
      {"render", 0, 0, G_OPTION_ARG_STRING, &r->render, "Start and supervise vtkstream-render with these arguments (default '--demo'); --shm and --size are added unless given", "'ARGS'"},
      {"renderer", 0, 0, G_OPTION_ARG_FILENAME, &r->renderer, "Renderer executable (default: vtkstream-render next to this program, else on PATH)", "PATH"},
      {"size", 0, 0, G_OPTION_ARG_STRING, &r->size, "Initial render size for a started renderer (default 1280x720)", "WxH"},
      {"fps", 0, 0, G_OPTION_ARG_DOUBLE, &r->fps, "Frame rate the started renderer keeps while the scene changes (passed as --fps)", "N"},
      {"web", 0, 0, G_OPTION_ARG_FILENAME, &r->web, "Directory of the web client (default: the repository's web/)", "DIR"},
      {"codec", 0, 0, G_OPTION_ARG_STRING, &r->codec, "vp8 (default; every browser) or h264 (browsers that offer it)", "CODEC"},
      {"pipeline", 0, 0, G_OPTION_ARG_STRING, &r->pipeline, "Replace the encoder part (see above)", "DESC"},
      {"bitrate", 0, 0, G_OPTION_ARG_INT, &r->bitrate, "Video bitrate in kbit/s (default: vtkstreamsink's bitrate, 1200)", "KBPS"},
      {"stun", 0, 0, G_OPTION_ARG_STRING, &r->stun, "STUN server for WebRTC, stun:HOST:PORT (default none: loopback and LAN need none)", "URL"},
      {"turn", 0, 0, G_OPTION_ARG_STRING_ARRAY, &r->turn, "TURN server for webrtcbin and the page, turn://USER:PASS@HOST:PORT (repeatable; docs/deploy.md: coturn)", "URL"},
      {"ice-address", 0, 0, G_OPTION_ARG_STRING, &r->ice_address, "Also gather ICE candidates on this local address (e.g. 127.0.0.1 in a loopback-only network namespace)", "ADDR"},
      {"repeat-ms", 0, 0, G_OPTION_ARG_INT, &r->repeat_ms, "Repeat an idle picture every N ms so decoders never starve (default 1000)", "N"},
      {"max-peers", 0, 0, G_OPTION_ARG_INT, &r->max_peers, "Most browser tabs served at once (default 32)", "N"},
      {"owner-slots", 0, 0, G_OPTION_ARG_INT, &r->owner_slots, "Of --max-peers, slots the view-only link may not take, so the control link always gets in (default 4; the view link keeps at least one)", "N"},
      {"token-file", 0, 0, G_OPTION_ARG_FILENAME, &r->token_file, "Read the access tokens from this file (control=TOKEN and view=TOKEN lines, or two bare lines)", "PATH"},
      {"no-auth", 0, 0, G_OPTION_ARG_NONE, &r->no_auth, "No access tokens: anyone who reaches the port may watch and steer (warns unless bound to loopback)", nullptr},
      {"max-input-rate", 0, 0, G_OPTION_ARG_DOUBLE, &r->max_input_rate, "Input events per second per peer (default 250; 0 = unlimited); moves over the rate are coalesced, presses/wheel/keys dropped", "N"},
      {"max-message-bytes", 0, 0, G_OPTION_ARG_INT, &r->max_message_bytes, "Largest signalling or input message (default 65536; 1024..1048576); a larger WebSocket message closes the socket (1009)", "BYTES"},
      {"handshake-timeout", 0, 0, G_OPTION_ARG_INT, &r->handshake_timeout, "Seconds from WebSocket open to hello before the peer is closed (default 10; 0 = none)", "S"},
      {"idle-timeout", 0, 0, G_OPTION_ARG_DOUBLE, &r->idle_timeout, "Minutes without input or control messages before a peer gets bye and is closed (default 60; 0 = never; fractions allowed)", "MIN"},
      {"control-idle-timeout", 0, 0, G_OPTION_ARG_INT, &r->control_idle, "Seconds without input after which the controller loses control when someone asked for it (a view-only controller loses it anyway; default 60; 0 = never)", "S"},
      {"http-header-timeout", 0, 0, G_OPTION_ARG_INT, &r->http_header_timeout, "Seconds an HTTP connection may take to send its request headers before it is closed (default 10; 0 = none)", "S"},
      {"http-idle-timeout", 0, 0, G_OPTION_ARG_INT, &r->http_idle_timeout, "Seconds an HTTP request or response may stay silent before its connection is closed; WebSocket and MJPEG streams are exempt (default 60; 0 = none)", "S"},
      {"allowed-host", 0, 0, G_OPTION_ARG_STRING_ARRAY, &r->allowed_hosts, "Also answer requests for this host name: a tunnel's or reverse proxy's name (repeatable; *.example.org for subdomains). IP addresses, localhost and this machine's name always work; other names get 421 (DNS rebinding)", "NAME"},
      {"frame-ancestors", 0, 0, G_OPTION_ARG_STRING, &r->frame_ancestors, "Who may embed the page in a frame, as CSP sources (default 'self'; e.g. http://localhost:8888 for a Jupyter notebook)", "SOURCES"},
      {"tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &r->tls_cert, "Serve https and wss with this PEM certificate (chain); needs --tls-key. Browsers offer WebCodecs only to https pages (or localhost)", "FILE"},
      {"tls-key", 0, 0, G_OPTION_ARG_FILENAME, &r->tls_key, "The unencrypted PEM private key of --tls-cert", "FILE"},
      {"janus", 0, 0, G_OPTION_ARG_STRING, &r->janus, "Also send the encoded video as RTP to the Janus whose HTTP API is at URL (numeric host, e.g. http://127.0.0.1:8088/janus); it is probed, and forwarded to only while it answers; several comma-separated URLs on different hosts each get the stream (docs/janus.md)", "URL"},
      {"janus-video-port", 0, 0, G_OPTION_ARG_INT, &r->janus_video_port, "With --janus: rung 0's (full size) streaming mountpoint's video RTP port on that host; rung N's is PORT + 2N (default 5004)", "PORT"},
      {"janus-rtcp-port", 0, 0, G_OPTION_ARG_INT, &r->janus_rtcp_port, "With --janus: rung 0's mountpoint's video RTCP port, for its viewers' keyframe requests; rung N's is PORT + 2N (default 5005; 0 = none)", "PORT"},
      {"janus-rungs", 0, 0, G_OPTION_ARG_STRING, &r->janus_rungs, "With --janus: the rungs sent to Janus, each to a mountpoint of its own: all (default; full size, at most 360 and at most 240 lines), or rung numbers such as 0 or 0,2. A lower rung is encoded only while Janus is up", "LIST"},
      {"no-renderer", 0, 0, G_OPTION_ARG_NONE, &r->no_renderer, "Start no renderer even without --shm (wait on the private shm name)", nullptr},
      {"version", 0, 0, G_OPTION_ARG_NONE, &r->version, "Print the version and exit", nullptr},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};
  GOptionContext* ctx = g_option_context_new("- stream a VTK renderer to web browsers");
  g_option_context_set_summary(ctx, kSummary);
  g_option_context_add_main_entries(ctx, entries, nullptr);
  // GStreamer's own options (--gst-debug=..., --gst-plugin-path=..., --help-gst); parsing them
  // initialises GStreamer, as gst_init() would.
  g_option_context_add_group(ctx, gst_init_get_option_group());
  GError* gerr = nullptr;
  const bool parsed = g_option_context_parse(ctx, &argc, &argv, &gerr);
  g_option_context_free(ctx);
  if (!parsed) {
    *err = gerr ? gerr->message : "bad arguments";
    g_clear_error(&gerr);
    return false;
  }
  if (r->version) {
    std::printf("vtkstream-serve %s\n", VTKSTREAM_VERSION);
    std::exit(0);
  }
  if (argc > 1) {
    *err = std::string("unexpected argument '") + argv[1] + "'; renderer arguments go in --render '...'";
    return false;
  }
  return true;
}

// Ranges a value must be in; the same as the sink's properties (which check them again).
bool check_ranges(const Raw& r, std::string* err) {
  auto fail = [err](const char* m) {
    *err = m;
    return false;
  };
  if (r.port < 0 || r.port > 65535) return fail("--port must be between 0 and 65535");
  if (r.bitrate != 0 && (r.bitrate < 50 || r.bitrate > 100000)) return fail("--bitrate is in kbit/s, between 50 and 100000");
  if (r.repeat_ms < 0) return fail("--repeat-ms must be >= 0");
  if (r.max_peers < 1) return fail("--max-peers must be >= 1");
  if (r.owner_slots < 0 || r.owner_slots > 10000) return fail("--owner-slots must be between 0 and 10000");
  if (r.fps != -1 && (r.fps < 1 || r.fps > 240)) return fail("--fps must be between 1 and 240");
  if (r.max_input_rate < 0 || r.max_input_rate > 100000) return fail("--max-input-rate must be between 0 and 100000");
  if (r.max_message_bytes < 1024 || r.max_message_bytes > (1 << 20))
    return fail("--max-message-bytes must be between 1024 and 1048576");
  if (r.handshake_timeout < 0 || r.idle_timeout < 0 || r.control_idle < 0 || r.idle_timeout > 525600)
    return fail("timeouts must be >= 0 (--idle-timeout at most 525600 minutes)");
  if (r.http_header_timeout < 0 || r.http_idle_timeout < 0 || r.http_header_timeout > 86400 ||
      r.http_idle_timeout > 86400)
    return fail("--http-header-timeout and --http-idle-timeout must be between 0 and 86400 seconds");
  if (r.no_auth && r.token_file) return fail("--no-auth and --token-file contradict each other");
  std::string codec = r.codec ? r.codec : "vp8";
  if (codec != "vp8" && codec != "VP8" && codec != "h264" && codec != "H264") {
    *err = "--codec must be vp8 or h264, got '" + codec + "'";
    return false;
  }
  if (r.web && !g_file_test(r.web, G_FILE_TEST_IS_DIR)) {
    *err = std::string("--web ") + r.web + ": not a directory";
    return false;
  }
  return true;
}

// Access and ICE: checked here too, so that a typo stops us before anything starts (exit 2).
bool access_and_ice(const Raw& r, ServeConfig* config, std::string* err) {
  auto set = [config](const char* name, const std::string& value) { config->sink.emplace_back(name, value); };
  if (r.no_auth) {
    set("auth", "false");
    if (!loopback_address(r.bind ? r.bind : "127.0.0.1"))
      g_warning("--no-auth on %s: anyone who can reach this port can watch and "
                "steer; use tokens (drop --no-auth) or bind to 127.0.0.1", r.bind);
  } else {
    sink::Tokens t;  // empty: the sink makes fresh ones
    if (!resolve_tokens(r.token_file, &t, err)) return false;
    if (!t.control.empty()) set("token", t.control);
    if (!t.view.empty()) set("view-token", t.view);
  }
  std::string w;
  sink::IceServer b;
  if (r.stun) {
    if (!sink::parse_stun(r.stun, &w, &b, err)) {
      *err = "--stun: " + *err;
      return false;
    }
    set("stun-server", r.stun);
  }
  for (gchar** t = r.turn; t && *t; ++t) {
    if (!sink::parse_turn(*t, &w, &b, err)) {
      *err = "--turn: " + *err;
      return false;
    }
    config->turn.push_back(*t);
  }
  if (r.ice_address) set("ice-address", r.ice_address);
  return true;
}

// TLS: the pair is loaded and checked here as the sink will load it, so a wrong path or a key
// of another certificate stops us at once (exit 2) with the file named.
bool tls_files(const Raw& r, ServeConfig* config, std::string* err) {
  const sink::TlsFiles files{r.tls_cert ? r.tls_cert : "", r.tls_key ? r.tls_key : ""};
  if (!files.enabled()) return true;
  if (!sink::load_tls_certificate(files, "--tls-cert", "--tls-key", err)) return false;
  config->sink.emplace_back("tls-certificate-file", files.certificate);
  config->sink.emplace_back("tls-key-file", files.key);
  return true;
}

}  // namespace

bool parse_options(int argc, char** argv, ServeConfig* config, std::string* err) {
  Raw r;
  if (!parse_table(argc, argv, &r, err) || !check_ranges(r, err) || !access_and_ice(r, config, err) ||
      !tls_files(r, config, err)) {
    *err += " (see --help)";
    return false;
  }
  auto set = [config](const char* name, const std::string& value) { config->sink.emplace_back(name, value); };
  gchar num[G_ASCII_DTOSTR_BUF_SIZE];
  set("port", std::to_string(r.port));
  set("address", r.bind ? r.bind : "127.0.0.1");
  set("max-peers", std::to_string(r.max_peers));
  set("owner-slots", std::to_string(r.owner_slots));
  set("max-input-rate", g_ascii_dtostr(num, sizeof(num), r.max_input_rate));
  set("max-message-bytes", std::to_string(r.max_message_bytes));
  set("handshake-timeout", std::to_string(r.handshake_timeout));
  set("idle-timeout", std::to_string(r.idle_timeout > 0 ? std::max(1, static_cast<int>(r.idle_timeout * 60 + 0.5)) : 0));
  set("control-idle-timeout", std::to_string(r.control_idle));
  set("http-header-timeout", std::to_string(r.http_header_timeout));
  set("http-idle-timeout", std::to_string(r.http_idle_timeout));
  if (r.allowed_hosts) {
    gchar* joined = g_strjoinv(",", r.allowed_hosts);
    set("allowed-hosts", joined);
    g_free(joined);
  }
  if (r.frame_ancestors) set("frame-ancestors", r.frame_ancestors);
  if (!r.janus && (r.janus_video_port != kPortUnset || r.janus_rtcp_port != kPortUnset || r.janus_rungs)) {
    // Quietly running without the audience the operator asked ports for would be worse.
    *err = "--janus-video-port, --janus-rtcp-port and --janus-rungs need --janus (see --help)";
    return false;
  }
  if (r.janus) {
    std::vector<sink::JanusConfig> janus;
    const int video = r.janus_video_port == kPortUnset ? 5004 : r.janus_video_port;
    const int rtcp = r.janus_rtcp_port == kPortUnset ? 5005 : r.janus_rtcp_port;
    if (video < 1 || video > 65535 || rtcp < 0 || rtcp > 65535 ||
        !sink::janus_configuration(r.janus, video, rtcp, r.janus_rungs ? r.janus_rungs : "all", &janus, err,
                                   {"--janus", "--janus-video-port", "--janus-rtcp-port", "--janus-rungs"})) {
      if (err->empty()) *err = "--janus-video-port and --janus-rtcp-port are UDP ports (1-65535; RTCP may be 0)";
      *err += " (see --help)";
      return false;
    }
    set("janus-url", r.janus);
    set("janus-video-port", std::to_string(video));
    set("janus-rtcp-port", std::to_string(rtcp));
    if (r.janus_rungs) set("janus-rungs", r.janus_rungs);
  }
  set("codec", r.codec && g_ascii_strcasecmp(r.codec, "h264") == 0 ? "h264" : "vp8");
  if (r.bitrate) set("bitrate", std::to_string(r.bitrate));
  if (r.pipeline) set("encoder", r.pipeline);
  if (r.web) set("web-dir", r.web);
  config->repeat_ms = static_cast<unsigned>(r.repeat_ms);

  RendererRequest rr;
  rr.render = r.render;
  rr.renderer = r.renderer;
  rr.shm = r.shm;
  rr.size = r.size;
  rr.fps = r.fps;
  rr.no_renderer = r.no_renderer;
  if (!renderer_command(rr, &config->shm_name, &config->renderer, err)) {
    *err += " (see --help)";
    return false;
  }
  if (!config->renderer.empty()) set("renderer-supervised", "true");
  return true;
}

}  // namespace vtkstream::serve
