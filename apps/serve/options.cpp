#include "options.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>

namespace vtkstream::serve {

namespace {

constexpr const char* kSummary =
    "Streams a VTK renderer to web browsers: WebRTC (VP8 by default) with an MJPEG fallback,\n"
    "input back from the browser. By default starts and supervises `vtkstream-render --demo`.\n"
    "\n"
    "HTTP routes on --bind:--port: / (the web client), /ws (signalling, docs/protocol.md),\n"
    "/mjpeg?peer=ID (fallback stream), /healthz (JSON status).\n"
    "\n"
    "--pipeline replaces the encoder part: it receives raw video from vtksrc and must produce\n"
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

std::string exe_dir() {
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return "";
  buf[n] = 0;
  gchar* d = g_path_get_dirname(buf);
  std::string out(d);
  g_free(d);
  return out;
}

bool has_arg(const std::vector<std::string>& v, const std::string& flag) {
  for (const auto& a : v)
    if (a == flag || a.rfind(flag + "=", 0) == 0) return true;
  return false;
}

std::string arg_value(const std::vector<std::string>& v, const std::string& flag) {
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == flag && i + 1 < v.size()) return v[i + 1];
    if (v[i].rfind(flag + "=", 0) == 0) return v[i].substr(flag.size() + 1);
  }
  return "";
}

std::string canonical_dir(const std::string& p) {
  char real[PATH_MAX];
  if (p.empty() || !realpath(p.c_str(), real)) return "";
  if (!g_file_test(real, G_FILE_TEST_IS_DIR)) return "";
  return real;
}

std::string find_web_root(const std::string& given, std::string* err) {
  if (!given.empty()) {
    std::string r = canonical_dir(given);
    if (r.empty()) *err = "--web " + given + ": not a directory";
    return r;
  }
  std::vector<std::string> candidates;
  if (const char* env = g_getenv("VTKSTREAM_WEB_DIR")) candidates.push_back(env);
#ifdef VTKSTREAM_SOURCE_WEB_DIR
  candidates.push_back(VTKSTREAM_SOURCE_WEB_DIR);  // the source tree, when run from a build tree
#endif
#ifdef VTKSTREAM_INSTALLED_WEB_DIR
  candidates.push_back(VTKSTREAM_INSTALLED_WEB_DIR);
#endif
  for (const auto& c : candidates)
    if (std::string r = canonical_dir(c); !r.empty()) return r;
  *err = "cannot find the web client directory; pass --web DIR (the repository's web/)";
  return "";
}

}  // namespace

std::string find_renderer() {
  const std::string dir = exe_dir();
  for (const std::string& p : {dir + "/../render/vtkstream-render", dir + "/vtkstream-render"})
    if (!dir.empty() && g_file_test(p.c_str(), G_FILE_TEST_IS_EXECUTABLE)) return p;
  gchar* found = g_find_program_in_path("vtkstream-render");
  std::string out = found ? found : "";
  g_free(found);
  return out;
}

bool parse_stun(const std::string& url, std::string* for_webrtcbin, IceServer* for_browser, std::string* err) {
  std::string rest;
  if (url.rfind("stun://", 0) == 0) rest = url.substr(7);
  else if (url.rfind("stun:", 0) == 0) rest = url.substr(5);
  if (rest.empty() || rest.find('@') != std::string::npos || rest.find('/') != std::string::npos) {
    *err = "--stun expects stun:HOST:PORT (e.g. stun:stun.example.org:3478), got '" + url + "'";
    return false;
  }
  *for_webrtcbin = "stun://" + rest;
  for_browser->url = "stun:" + rest;
  return true;
}

bool parse_turn(const std::string& url, std::string* for_webrtcbin, IceServer* for_browser, std::string* err) {
  std::string scheme, rest;
  for (const char* s : {"turns://", "turn://", "turns:", "turn:"})
    if (url.rfind(s, 0) == 0) {
      scheme = std::string(s).substr(0, std::string(s).find(':'));
      rest = url.substr(std::string(s).size());
      break;
    }
  const size_t at = rest.rfind('@');
  const size_t colon = at == std::string::npos ? std::string::npos : rest.find(':');
  if (scheme.empty() || at == std::string::npos || colon == std::string::npos || colon > at ||
      at + 1 >= rest.size()) {
    *err = "--turn expects turn://USER:PASSWORD@HOST:PORT, got '" + url + "'";
    return false;
  }
  const std::string user = rest.substr(0, colon), pass = rest.substr(colon + 1, at - colon - 1),
                    host = rest.substr(at + 1);
  *for_webrtcbin = scheme + "://" + user + ":" + pass + "@" + host;
  for_browser->url = scheme + ":" + host;
  // The page needs them as plain text; the user chose to share this TURN server.
  gchar* u = g_uri_unescape_string(user.c_str(), nullptr);
  gchar* p = g_uri_unescape_string(pass.c_str(), nullptr);
  for_browser->username = u ? u : user;
  for_browser->credential = p ? p : pass;
  g_free(u);
  g_free(p);
  return true;
}

bool parse_options(int argc, char** argv, ServerConfig* config, std::string* err) {
  gint port = 8000, bitrate = 1200, repeat_ms = 1000, max_peers = 32;
  gdouble fps = 0;
  gchar *bind = nullptr, *shm = nullptr, *render = nullptr, *renderer = nullptr, *web = nullptr,
        *codec = nullptr, *pipeline = nullptr, *stun = nullptr, *size = nullptr, *ice_address = nullptr;
  gchar** turn = nullptr;
  gboolean no_renderer = FALSE, no_auth = FALSE;
  gchar* token_file = nullptr;
  gdouble max_input_rate = 250;
  gint max_message_bytes = static_cast<gint>(kMaxMessageBytes), handshake_timeout = 10, control_idle = 60;
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
      {"bitrate", 0, 0, G_OPTION_ARG_INT, &bitrate, "Video bitrate in kbit/s (default 1200)", "KBPS"},
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
  if (bitrate < 50 || bitrate > 100000) return fail("--bitrate is in kbit/s, between 50 and 100000");
  if (repeat_ms < 0) return fail("--repeat-ms must be >= 0");
  if (max_peers < 1) return fail("--max-peers must be >= 1");
  if (fps != 0 && (fps < 1 || fps > 240)) return fail("--fps must be between 1 and 240");
  if (max_input_rate < 0 || max_input_rate > 100000) return fail("--max-input-rate must be between 0 and 100000");
  if (max_message_bytes < 1024 || max_message_bytes > (1 << 20)) return fail("--max-message-bytes must be between 1024 and 1048576");
  if (handshake_timeout < 0 || idle_timeout < 0 || control_idle < 0 || idle_timeout > 525600)
    return fail("timeouts must be >= 0 (--idle-timeout at most 525600 minutes)");
  if (no_auth && token_file) return fail("--no-auth and --token-file contradict each other");
  config->max_input_rate = max_input_rate;
  config->max_message_bytes = static_cast<size_t>(max_message_bytes);
  config->handshake_timeout_s = handshake_timeout;
  config->idle_timeout_s = idle_timeout > 0 ? std::max(1, static_cast<int>(idle_timeout * 60 + 0.5)) : 0;
  config->control_idle_s = control_idle;

  // Tokens: --no-auth, else --token-file, else the environment, else fresh random ones.
  if (!no_auth) {
    Tokens t;
    if (token_file) {
      gchar* text = nullptr;
      if (!g_file_get_contents(token_file, &text, nullptr, &gerr)) {
        std::string m = gerr ? gerr->message : "?";
        g_clear_error(&gerr);
        return fail("--token-file: " + m);
      }
      // Tokens are secrets: say so when others on the machine can read them.
      GStatBuf st;
      if (g_stat(token_file, &st) == 0 && (st.st_mode & 0077))
        g_printerr("vtkstream-serve: warning: --token-file %s is readable by other users (chmod 600 it)\n",
                   token_file);
      std::string perr;
      const bool ok = parse_token_file(text, &t, &perr);
      g_free(text);
      if (!ok) return fail(std::string("--token-file ") + token_file + ": " + perr);
    } else if (const char* v = g_getenv("VTKSTREAM_VIEW_TOKEN"); v && *v && !(g_getenv("VTKSTREAM_TOKEN") && *g_getenv("VTKSTREAM_TOKEN"))) {
      return fail("VTKSTREAM_VIEW_TOKEN is set without VTKSTREAM_TOKEN (the control token)");
    } else if (const char* env = g_getenv("VTKSTREAM_TOKEN"); env && *env) {
      t.control = env;
      if (const char* v = g_getenv("VTKSTREAM_VIEW_TOKEN"); v && *v) t.view = v;
      if (!valid_token(t.control) || (!t.view.empty() && !valid_token(t.view)))
        return fail("VTKSTREAM_TOKEN / VTKSTREAM_VIEW_TOKEN: a token is 16-256 characters of A-Z a-z 0-9 - _ . ~");
      if (t.control == t.view) return fail("VTKSTREAM_TOKEN and VTKSTREAM_VIEW_TOKEN must differ");
    } else {
      t.control = generate_token();
    }
    if (t.view.empty()) t.view = generate_token();
    config->tokens = t;
  } else if (!loopback_address(bind ? bind : "127.0.0.1")) {
    g_printerr("vtkstream-serve: WARNING: --no-auth on %s: anyone who can reach this port can watch and "
               "steer; use tokens (drop --no-auth) or bind to 127.0.0.1\n", bind);
  }

  config->port = port;
  config->max_peers = static_cast<size_t>(max_peers);
  if (bind) config->bind = bind;
  std::string codec_s = codec ? codec : "vp8";
  if (codec_s == "vp8" || codec_s == "VP8") config->media.codec = Codec::kVP8;
  else if (codec_s == "h264" || codec_s == "H264") config->media.codec = Codec::kH264;
  else return fail("--codec must be vp8 or h264, got '" + codec_s + "'");
  config->media.bitrate_kbps = bitrate;
  config->media.repeat_ms = static_cast<unsigned>(repeat_ms);
  if (pipeline) config->media.encoder = pipeline;

  if (stun) {
    IceServer b;
    if (!parse_stun(stun, &config->ice.stun, &b, err)) return fail(*err);
    config->browser_ice.push_back(b);
  }
  for (gchar** t = turn; t && *t; ++t) {
    IceServer b;
    std::string w;
    if (!parse_turn(*t, &w, &b, err)) return fail(*err);
    config->ice.turn.push_back(w);
    config->browser_ice.push_back(b);
  }
  if (ice_address) config->ice.extra_address = ice_address;

  config->web_root = find_web_root(web ? web : "", err);
  if (config->web_root.empty()) return fail(*err);

  // Renderer: supervised unless attaching with --shm (or told not to).
  const bool supervise = (render || !shm) && !no_renderer;
  std::vector<std::string> rargs;
  if (render) {
    gint n = 0;
    gchar** v = nullptr;
    if (!g_shell_parse_argv(render, &n, &v, &gerr)) {
      std::string m = gerr ? gerr->message : "?";
      g_clear_error(&gerr);
      return fail("--render: cannot split '" + std::string(render) + "': " + m);
    }
    for (gint i = 0; i < n; ++i) rargs.push_back(v[i]);
    g_strfreev(v);
  }
  std::string shm_name = shm ? shm : arg_value(rargs, "--shm");
  if (shm_name.empty()) shm_name = "vtkstream-serve-" + std::to_string(getpid());
  config->media.shm_name = shm_name;
  if (supervise) {
    std::string exe = renderer ? renderer : find_renderer();
    if (exe.empty())
      return fail("cannot find vtkstream-render next to this program or on PATH; build it, pass "
                  "--renderer PATH, or attach to a running renderer with --shm NAME");
    std::vector<std::string> cmd{exe};
    if (!has_arg(rargs, "--shm")) cmd.insert(cmd.end(), {"--shm", shm_name});
    if (!has_arg(rargs, "--size")) cmd.insert(cmd.end(), {"--size", size ? size : "1280x720"});
    if (fps > 0 && !has_arg(rargs, "--fps")) {
      gchar* f = g_strdup_printf("%g", fps);
      cmd.insert(cmd.end(), {"--fps", f});
      g_free(f);
    }
    if (!render) cmd.push_back("--demo");
    cmd.insert(cmd.end(), rargs.begin(), rargs.end());
    config->renderer = cmd;
  }
  cleanup();
  return true;
}

}  // namespace vtkstream::serve
