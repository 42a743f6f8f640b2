#include "fault_util.h"

#include <fcntl.h>
#include <json-glib/json-glib.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <random>

#include "test_main_context.h"
#include "unique_name.h"
#include "vtkstream/shm_layout.h"

using vtkstream::test::run_until;

namespace faults {

std::string g_server, g_renderer, g_gst_launch;

RingPeek peek(const std::string& name) {
  RingPeek r;
  const int fd = open(("/dev/shm/" + name).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return r;
  struct stat st;
  auto h = std::make_unique<vtkstream::shm::Header>();
  if (fstat(fd, &st) == 0 && pread(fd, h.get(), sizeof *h, 0) == ssize_t(sizeof *h) &&
      h->magic == vtkstream::shm::kMagic) {
    r.ok = true;
    r.inode = st.st_ino;
    r.writer_pid = h->writer_pid.load();
    r.session = h->session_id;
    r.latest = h->latest.load();
    r.slots_offset = h->slots_offset;
    r.slot_size = h->slot_size;
    for (const auto& e : h->readers)
      if (e.pid.load() != 0) r.readers.push_back(e.pid.load());
  }
  close(fd);
  return r;
}

bool object_exists(const std::string& name) {
  struct stat st;
  return stat(("/dev/shm/" + name).c_str(), &st) == 0;
}

std::string damage_name(Damage d) {
  switch (d) {
    case Damage::kTruncateToZero: return "TruncateToZero";
    case Damage::kTruncateToHalf: return "TruncateToHalf";
    case Damage::kScribbleHeader: return "ScribbleHeader";
  }
  return "?";
}

void damage(const std::string& name, Damage d) {
  const int fd = open(("/dev/shm/" + name).c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return;
  struct stat st;
  fstat(fd, &st);
  if (d == Damage::kTruncateToZero) (void)!ftruncate(fd, 0);
  if (d == Damage::kTruncateToHalf) (void)!ftruncate(fd, st.st_size / 2);
  if (d == Damage::kScribbleHeader) {
    std::vector<uint8_t> junk(4096);
    std::mt19937 rng(99);
    for (auto& b : junk) b = uint8_t(rng());
    (void)!pwrite(fd, junk.data(), junk.size(), 0);
  }
  close(fd);
}

bool poll_until(const std::function<bool()>& pred, int timeout_ms) {
  const gint64 end = g_get_monotonic_time() + gint64(timeout_ms) * 1000;
  while (!pred()) {
    if (g_get_monotonic_time() >= end) return false;
    bool tick = false;
    const guint id = g_timeout_add(20, [](gpointer p) { *static_cast<bool*>(p) = true; return G_SOURCE_REMOVE; }, &tick);
    if (!run_until([&] { return tick; }, 1000)) g_source_remove(id);
  }
  return true;
}

std::string renderer_field(const robust::Server& s, const char* key) {
  const std::string text = s.health();
  JsonParser* p = json_parser_new();
  std::string out;
  if (json_parser_load_from_data(p, text.c_str(), -1, nullptr)) {
    JsonNode* root = json_parser_get_root(p);
    JsonObject* o = root && JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : nullptr;
    JsonObject* r = o && json_object_has_member(o, "renderer") ? json_object_get_object_member(o, "renderer") : nullptr;
    if (r && json_object_has_member(r, key)) {
      JsonNode* n = json_object_get_member(r, key);
      if (json_node_get_value_type(n) == G_TYPE_STRING) out = json_node_get_string(n);
      else if (json_node_get_value_type(n) == G_TYPE_INT64) out = std::to_string(json_node_get_int(n));
    }
  }
  g_object_unref(p);
  return out;
}

bool pid_running(pid_t pid) {
  if (pid <= 0 || kill(pid, 0) != 0) return false;
  FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
  if (!f) return false;
  char state = '?';
  const int n = std::fscanf(f, "%*d %*s %c", &state);
  std::fclose(f);
  return n == 1 && state != 'Z';
}

bool wait_pid_gone(pid_t pid, int timeout_ms) {
  const int fd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return !pid_running(pid);  // already gone (ESRCH)
  // A pidfd becomes readable when the process exits; a zombie whose parent does not reap it
  // has exited too, which is what counts here.
  pollfd p{fd, POLLIN, 0};
  const bool gone = poll(&p, 1, timeout_ms) == 1 || !pid_running(pid);
  close(fd);
  return gone;
}

std::unique_ptr<robust::Server> start_server(const std::string& shm) {
  static const vtkstream::test::TempDir web("vtkfaults-web");
  static const bool filled =
      g_file_set_contents(web.file("index.html").c_str(), "<!doctype html><title>t</title>", -1, nullptr);
  (void)filled;
  return std::make_unique<robust::Server>(
      g_server,
      std::vector<std::string>{"--port", "0", "--web", web.path(), "--bitrate", "300", "--renderer", g_renderer,
                               "--render", "--shm " + shm + " --size 160x120 --demo"},
      G_SUBPROCESS_FLAGS_STDERR_PIPE);
}

bool wait_running(const robust::Server& s, const std::string& shm, int timeout_ms) {
  return poll_until([&] { return renderer_field(s, "state") == "running" && peek(shm).latest != 0; }, timeout_ms);
}

}  // namespace faults
