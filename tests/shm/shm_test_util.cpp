#include "shm_test_util.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

namespace vtkstream::test {

void fill_pattern(uint8_t* p, uint32_t w, uint32_t h, uint32_t stride, uint64_t frame) {
  for (uint32_t y = 0; y < h; ++y) {
    uint8_t* row = p + size_t(y) * stride;
    for (uint32_t x = 0; x < w; ++x) {
      uint32_t v = uint32_t(frame * 2654435761u) ^ (y * 4099u);
      std::memcpy(row + x * 4, &v, 4);
    }
  }
}

bool frame_ok(const uint8_t* p, uint32_t w, uint32_t h, uint32_t stride, uint64_t frame) {
  for (uint32_t y = 0; y < h; ++y) {
    const uint8_t* row = p + size_t(y) * stride;
    uint32_t want = uint32_t(frame * 2654435761u) ^ (y * 4099u);
    for (uint32_t x = 0; x < w; ++x)
      if (std::memcmp(row + x * 4, &want, 4) != 0) return false;
  }
  return true;
}

void write_object(const std::string& name, const void* bytes, size_t n) {
  std::string p = "/" + name;
  int fd = shm_open(p.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return;
  if (write(fd, bytes, n) != ssize_t(n)) perror("write_object");
  close(fd);
}

void remove_object(const std::string& name) { shm_unlink(("/" + name).c_str()); }

pid_t spawn_writer(const std::string& name, int ready_fd) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  std::string err;
  auto w = shm::FrameWriter::create(name, 16, 16, &err);
  if (!w) _exit(2);
  uint8_t* p = w->begin_frame(16, 16, 64, shm::PixelFormat::kRGBA, 0);
  fill_pattern(p, 16, 16, 64, 1);
  w->publish(shm::monotonic_ns(), 0);
  char c = 'r';
  (void)!write(ready_fd, &c, 1);
  for (;;) pause();
}

int wait_child(pid_t pid) {
  int st = 0;
  if (waitpid(pid, &st, 0) != pid) return -1;
  if (WIFEXITED(st)) return WEXITSTATUS(st);
  if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
  return -1;
}

}  // namespace vtkstream::test
