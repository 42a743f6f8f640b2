#include "render_test_util.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

extern char** environ;

namespace vtkstream::test {

namespace {
std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}
}  // namespace

std::string data_file(const std::string& name) {
  return env_or_empty("VTKSTREAM_DATA_DIR") + "/" + name;
}

std::string build_file(const std::string& relative) {
  return env_or_empty("VTKSTREAM_BUILD_DIR") + "/" + relative;
}

std::string unique_shm_name() {
  static std::atomic<int> counter{0};
  return "vtktest-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "vtkstream-render-XXXXXX").string();
  if (mkdtemp(tmpl.data())) path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

Child::Child(const std::vector<std::string>& argv, const std::string& stderr_path)
    : stderr_path_(stderr_path) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // The child starts with default signal handling and mask whatever gtest set up here.
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  if (posix_spawn(&pid, args[0], &actions, &attr, args.data(), environ) == 0) {
    pid_ = pid;
    // Raw syscall: glibc 2.36's <sys/pidfd.h> lacks the extern "C" guard.
    pidfd_ = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  }
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
}

Child::~Child() {
  if (running()) {
    kill(pid_, SIGKILL);
    wait_exit(5000);
  }
  if (pidfd_ >= 0) close(pidfd_);
}

int Child::wait_exit(int timeout_ms) {
  if (pid_ <= 0) return -1;
  if (status_ >= 0) return status_;
  pollfd p{pidfd_, POLLIN, 0};
  if (poll(&p, 1, timeout_ms) <= 0) return -1;
  int st = 0;
  if (waitpid(pid_, &st, 0) != pid_) return -1;
  status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return status_;
}

bool Child::running() { return pid_ > 0 && status_ < 0 && wait_exit(0) < 0; }

int Child::terminate(int timeout_ms) {
  if (running()) kill(pid_, SIGTERM);
  return wait_exit(timeout_ms);
}

std::string Child::stderr_text() const {
  std::ifstream in(stderr_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool next_frame(shm::FrameReader& reader, Frame* out, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) return false;
    // kNoWriter: the renderer has not created its ring yet; wait() sleeps on inotify for it.
    const auto st = reader.wait(static_cast<int>(left));
    if (st == shm::FrameReader::Status::kInvalid) return false;
    if (st != shm::FrameReader::Status::kFrame) continue;
    shm::FrameInfo info;
    if (!reader.read_latest(&info, nullptr, 0, 0)) continue;
    out->rgba.resize(static_cast<size_t>(info.width) * info.height * 4);
    if (!reader.read_latest(&out->info, out->rgba.data(), out->rgba.size(), info.width * 4))
      continue;
    if (out->info.width != info.width || out->info.height != info.height) continue;  // resized
    return true;
  }
}

bool frame_with_input(shm::FrameReader& reader, uint64_t seq, Frame* out, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0 || !next_frame(reader, out, static_cast<int>(left))) return false;
    if (out->info.input_seq >= seq) return true;
  }
}

size_t distinct_colours(const Frame& f, size_t cap) {
  std::set<uint32_t> seen;
  for (size_t i = 0; i + 3 < f.rgba.size() && seen.size() < cap; i += 4)
    seen.insert(f.rgba[i] | f.rgba[i + 1] << 8 | f.rgba[i + 2] << 16);
  return seen.size();
}

size_t differing_pixels(const Frame& a, const Frame& b, int tolerance) {
  if (a.rgba.size() != b.rgba.size()) return a.rgba.size() / 4;
  size_t n = 0;
  for (size_t i = 0; i + 3 < a.rgba.size(); i += 4)
    for (int c = 0; c < 3; ++c)
      if (std::abs(a.rgba[i + c] - b.rgba[i + c]) > tolerance) {
        ++n;
        break;
      }
  return n;
}

void dump_frame(const Frame& f, const std::string& label) {
  const char* dir = std::getenv("VTKSTREAM_TEST_DUMP");
  if (!dir || !*dir) return;
  std::ofstream out(std::string(dir) + "/" + label + ".ppm", std::ios::binary);
  out << "P6\n" << f.info.width << " " << f.info.height << "\n255\n";
  for (size_t i = 0; i + 3 < f.rgba.size(); i += 4) out.write(reinterpret_cast<const char*>(&f.rgba[i]), 3);
}

shm::InputEvent pointer_event(shm::InputKind kind, uint64_t seq, float x, float y,
                              uint16_t button) {
  shm::InputEvent ev;
  ev.kind = static_cast<uint16_t>(kind);
  ev.seq = seq;
  ev.timestamp_ns = shm::monotonic_ns();
  ev.x = x;
  ev.y = y;
  ev.button = button;
  return ev;
}

}  // namespace vtkstream::test
