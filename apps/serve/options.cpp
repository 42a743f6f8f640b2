#include "options.h"

#include <glib.h>

#include <algorithm>

#include "ice_servers.h"
#include "renderer_command.h"
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
    "--pipeline replaces the encoder part (vtkstreamsink's encoder property): it receives raw\n"
    "video from vtksrc and must produce\n"
    "RTP with payload type 96 of the --codec, with the payloader named `pay` (the encoder may\n"
    "be named `enc`). Default for vp8:\n"
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
    "Examples:\n"
    "  vtkstream-serve                                  demo scene on http://127.0.0.1:8000/\n"
    "  vtkstream-serve --bind 0.0.0.0 --port 8080      share on the LAN\n"
    "  vtkstream-serve --render '--size 1920x1080 mesh.vtp'\n"
    "  vtkstream-serve --shm mysim                      attach to a renderer already running\n"
    "  vtkstream-serve --no-auth                        no tokens (a demo on this machine only)";

bool loopback_address(const std::string& a) {
  return a == "localhost" || a == "::1" || a.rfind("127.", 0) == 0;
}

}  // namespace

bool parse_options(int argc, char** argv, ServeConfig* config, std::string* err) {
  gint port = 8000, bitrate = 0, repeat_ms = 1000, max_peers = 32;
  gdouble fps = 0;
  gchar *bind = nullptr, *shm = nullptr, *render = nullptr, *renderer = nullptr, *web = nullptr,
        *codec = nullptr, *pipeline = nullptr, *stun = nullptr, *size = nullptr, *ice_address = nullptr;
  gchar** turn = nullptr;
  gboolean no_renderer = FALSE, no_auth = FALSE;
  gchar* token_file = nullptr;
  gdouble max_input_rate = 250;
  gint max_message_bytes = static_cast<gint>(sink::kMaxMessageBytes), handshake_timeout = 10, control_idle = 60;
  gdouble idle_timeout = 60;
  GOptionEntry entries[] = {
      {"port", 0, 0, G_OPTION_ARG_INT, &port, "HTTP port (default 8000; 0 picks a free one)", "PORT"},
      {"bind", 0, 0, G_OPTION_ARG_STRING, &bind, "Address to listen on (default 127.0.0.1; 0.0.0.0 to share)", "ADDR"},
      {"shm", 0, 0, G_OPTION_ARG_STRING, &shm, "Attach to the renderer publishing on this shm name (no renderer is started unless --render is given)", "NAME"},
      {"render", 0, 0, G_OPTION_ARG_STRING, &render, "Start and supervise vtkstream-render with these arguments (default '--demo'); --shm and --size are added unless given", "'ARGS'"},
      {"renderer", 0, 0, G_OPTION_ARG_FILENAME, &renderer, "Renderer executable (default: vtkstream-render next to this program, else on PATH)", "PATH"},
      {"size", 0, 0, G_OPTION_ARG_STRING, &size, "Initial render size for a started renderer (default 1280x720)", "WxH"},
      {"fps", 0, 0, G_OPTION_ARG_DOUBLE, &fps, "Frame rate the started renderer keeps while the scene changes (passed as --fps)", "N"},
      {"web", 0, 0, G_OPTION_ARG_FILENAME, &web, "Directory of the web client (default: the repository's web/)", "DIR"},
      {"codec", 0, 0, G_OPTION_ARG_STRING, &codec, "vp8 (default; every browser) or h264 (browsers that offer it)", "CODEC"},
      {"pipeline", 0, 0, G_OPTION_ARG_STRING, &pipeline, "Replace the encoder part (see above)", "DESC"},
      {"bitrate", 0, 0, G_OPTION_ARG_INT, &bitrate, "Video bitrate in kbit/s (default: vtkstreamsink's bitrate, 1200)", "KBPS"},
      {"stun", 0, 0, G_OPTION_ARG_STRING, &stun, "STUN server for WebRTC, stun:HOST:PORT (default none: loopback and LAN need none)", "URL"},
      {"turn", 0, 0, G_OPTION_ARG_STRING_ARRAY, &turn, "TURN server, turn://USER:PASS@HOST:PORT (repeatable)", "URL"},
      {"ice-address", 0, 0, G_OPTION_ARG_STRING, &ice_address, "Also gather ICE candidates on this local address (e.g. 127.0.0.1 in a loopback-only network namespace)", "ADDR"},
      {"repeat-ms", 0, 0, G_OPTION_ARG_INT, &repeat_ms, "Repeat an idle picture every N ms so decoders never starve (default 1000)", "N"},
      {"max-peers", 0, 0, G_OPTION_ARG_INT, &max_peers, "Most browser tabs served at once (default 32)", "N"},
      {"token-file", 0, 0, G_OPTION_ARG_FILENAME, &token_file, "Read the access tokens from this file (control=TOKEN and view=TOKEN lines, or two bare lines)", "PATH"},
      {"no-auth", 0, 0, G_OPTION_ARG_NONE, &no_auth, "No access tokens: anyone who reaches the port may watch and steer (warns unless bound to loopback)", nullptr},
      {"max-input-rate", 0, 0, G_OPTION_ARG_DOUBLE, &max_input_rate, "Input events per second per peer (default 250; 0 = unlimited); moves over the rate are coalesced, presses/wheel/keys dropped", "N"},
      {"max-message-bytes", 0, 0, G_OPTION_ARG_INT, &max_message_bytes, "Largest signalling or input message (default 65536; 1024..1048576); a larger WebSocket message closes the socket (1009)", "BYTES"},
      {"handshake-timeout", 0, 0, G_OPTION_ARG_INT, &handshake_timeout, "Seconds from WebSocket open to hello before the peer is closed (default 10; 0 = none)", "S"},
      {"idle-timeout", 0, 0, G_OPTION_ARG_DOUBLE, &idle_timeout, "Minutes without input or control messages before a peer gets bye and is closed (default 60; 0 = never; fractions allowed)", "MIN"},
      {"control-idle-timeout", 0, 0, G_OPTION_ARG_INT, &control_idle, "Seconds without input after which the controller loses control when someone asked for it (a view-only controller loses it anyway; default 60; 0 = never)", "S"},
      {"no-renderer", 0, 0, G_OPTION_ARG_NONE, &no_renderer, "Start no renderer even without --shm (wait on the private shm name)", nullptr},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};
  GOptionContext* ctx = g_option_context_new("- stream a VTK renderer to web browsers");
  g_option_context_set_summary(ctx, kSummary);
  g_option_context_add_main_entries(ctx, entries, nullptr);
  GError* gerr = nullptr;
  const bool parsed = g_option_context_parse(ctx, &argc, &argv, &gerr);
  g_option_context_free(ctx);
  auto cleanup = [&] {
    for (gchar* p : {bind, shm, render, renderer, web, codec, pipeline, stun, size, ice_address, token_file}) g_free(p);
    g_strfreev(turn);
  };
  auto fail = [&](const std::string& m) {
    *err = m + " (see --help)";
    cleanup();
    return false;
  };
  if (!parsed) {
    std::string m = gerr ? gerr->message : "bad arguments";
    g_clear_error(&gerr);
    return fail(m);
  }
  if (argc > 1) return fail(std::string("unexpected argument '") + argv[1] + "'; renderer arguments go in --render '...'");
  if (port < 0 || port > 65535) return fail("--port must be between 0 and 65535");
  if (bitrate != 0 && (bitrate < 50 || bitrate > 100000)) return fail("--bitrate is in kbit/s, between 50 and 100000");
  if (repeat_ms < 0) return fail("--repeat-ms must be >= 0");
  if (max_peers < 1) return fail("--max-peers must be >= 1");
  if (fps != 0 && (fps < 1 || fps > 240)) return fail("--fps must be between 1 and 240");
  if (max_input_rate < 0 || max_input_rate > 100000) return fail("--max-input-rate must be between 0 and 100000");
  if (max_message_bytes < 1024 || max_message_bytes > (1 << 20)) return fail("--max-message-bytes must be between 1024 and 1048576");
  if (handshake_timeout < 0 || idle_timeout < 0 || control_idle < 0 || idle_timeout > 525600)
    return fail("timeouts must be >= 0 (--idle-timeout at most 525600 minutes)");
  if (no_auth && token_file) return fail("--no-auth and --token-file contradict each other");
  auto set = [config](const char* name, const std::string& value) { config->sink.emplace_back(name, value); };
  auto num = [](double v) {
    gchar buf[G_ASCII_DTOSTR_BUF_SIZE];
    return std::string(g_ascii_dtostr(buf, sizeof(buf), v));
  };
  set("port", std::to_string(port));
  set("address", bind ? bind : "127.0.0.1");
  set("max-peers", std::to_string(max_peers));
  set("max-input-rate", num(max_input_rate));
  set("max-message-bytes", std::to_string(max_message_bytes));
  set("handshake-timeout", std::to_string(handshake_timeout));
  set("idle-timeout", std::to_string(idle_timeout > 0 ? std::max(1, static_cast<int>(idle_timeout * 60 + 0.5)) : 0));
  set("control-idle-timeout", std::to_string(control_idle));

  // Tokens: --no-auth, else --token-file, else the environment, else the sink makes fresh ones.
  if (no_auth) {
    set("auth", "false");
    if (!loopback_address(bind ? bind : "127.0.0.1"))
      g_printerr("vtkstream-serve: WARNING: --no-auth on %s: anyone who can reach this port can watch and "
                 "steer; use tokens (drop --no-auth) or bind to 127.0.0.1\n", bind);
  } else {
    sink::Tokens t;
    if (!resolve_tokens(token_file, &t, err)) return fail(*err);
    if (!t.control.empty()) set("token", t.control);
    if (!t.view.empty()) set("view-token", t.view);
  }

  std::string codec_s = codec ? codec : "vp8";
  if (codec_s == "vp8" || codec_s == "VP8") set("codec", "vp8");
  else if (codec_s == "h264" || codec_s == "H264") set("codec", "h264");
  else return fail("--codec must be vp8 or h264, got '" + codec_s + "'");
  if (bitrate) set("bitrate", std::to_string(bitrate));
  if (pipeline) set("encoder", pipeline);
  config->repeat_ms = static_cast<unsigned>(repeat_ms);

  // Checked here too, so that a typo stops us before anything starts (exit 2).
  if (stun) {
    std::string w;
    sink::IceServer b;
    if (!sink::parse_stun(stun, &w, &b, err)) return fail("--stun: " + *err);
    set("stun-server", stun);
  }
  for (gchar** t = turn; t && *t; ++t) {
    std::string w;
    sink::IceServer b;
    if (!sink::parse_turn(*t, &w, &b, err)) return fail("--turn: " + *err);
    config->turn.push_back(*t);
  }
  if (ice_address) set("ice-address", ice_address);
  if (web) {
    if (!g_file_test(web, G_FILE_TEST_IS_DIR)) return fail(std::string("--web ") + web + ": not a directory");
    set("web-dir", web);
  }

  RendererRequest rr;
  rr.render = render;
  rr.renderer = renderer;
  rr.shm = shm;
  rr.size = size;
  rr.fps = fps;
  rr.no_renderer = no_renderer;
  if (!renderer_command(rr, &config->shm_name, &config->renderer, err)) return fail(*err);
  if (!config->renderer.empty()) set("renderer-supervised", "true");
  cleanup();
  return true;
}

}  // namespace vtkstream::serve
