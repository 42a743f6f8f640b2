#include "renderer_command.h"

#include <glib.h>
#include <limits.h>
#include <unistd.h>

#include "vtkstream/shm.h"

namespace vtkstream::serve {

namespace {

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

// WxH, each 16..16384.
bool valid_size(const char* s) {
  gchar** parts = g_strsplit(s, "x", 3);
  guint64 v[2] = {0, 0};
  bool ok = g_strv_length(parts) == 2;
  for (int i = 0; ok && i < 2; ++i)
    ok = g_ascii_string_to_unsigned(parts[i], 10, 16, 16384, &v[i], nullptr);
  g_strfreev(parts);
  return ok;
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

bool renderer_command(const RendererRequest& r, std::string* shm_name, std::vector<std::string>* argv,
                      std::string* err) {
  // The renderer's own limits (apps/render/options.cpp): caught here, a typo stops us at once
  // instead of making the supervisor restart a renderer that refuses its arguments forever.
  if (r.size && !valid_size(r.size)) {
    *err = std::string("--size expects WxH between 16x16 and 16384x16384, got '") + r.size + "'";
    return false;
  }
  // Supervised unless attaching with --shm (or told not to).
  const bool supervise = (r.render || !r.shm) && !r.no_renderer;
  std::vector<std::string> rargs;
  if (r.render) {
    gint n = 0;
    gchar** v = nullptr;
    GError* gerr = nullptr;
    if (!g_shell_parse_argv(r.render, &n, &v, &gerr)) {
      *err = "--render: cannot split '" + std::string(r.render) + "': " + (gerr ? gerr->message : "?");
      g_clear_error(&gerr);
      return false;
    }
    for (gint i = 0; i < n; ++i) rargs.push_back(v[i]);
    g_strfreev(v);
  }
  *shm_name = r.shm ? r.shm : arg_value(rargs, "--shm");
  if (shm_name->empty()) *shm_name = kPrivateShmPrefix + std::to_string(getpid());
  if (shm::posix_name(*shm_name, err).empty()) {
    *err = "--shm " + *shm_name + ": " + *err;
    return false;
  }
  argv->clear();
  if (!supervise) return true;
  std::string exe = r.renderer ? r.renderer : find_renderer();
  if (exe.empty()) {
    *err = "cannot find vtkstream-render next to this program or on PATH; build it, pass "
           "--renderer PATH, or attach to a running renderer with --shm NAME";
    return false;
  }
  std::vector<std::string> cmd{exe};
  if (!has_arg(rargs, "--shm")) cmd.insert(cmd.end(), {"--shm", *shm_name});
  if (!has_arg(rargs, "--size")) cmd.insert(cmd.end(), {"--size", r.size ? r.size : "1280x720"});
  if (r.fps > 0 && !has_arg(rargs, "--fps")) {
    gchar* f = g_strdup_printf("%g", r.fps);
    cmd.insert(cmd.end(), {"--fps", f});
    g_free(f);
  }
  if (!r.render) cmd.push_back("--demo");
  cmd.insert(cmd.end(), rargs.begin(), rargs.end());
  *argv = cmd;
  return true;
}

}  // namespace vtkstream::serve
