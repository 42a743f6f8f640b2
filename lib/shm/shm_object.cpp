#include "shm_object.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "bus_guard.h"
#include "shm_internal.h"

namespace vtkstream::shm::detail {

Mapping::Mapping(int fd, void* data, size_t size, ino_t inode)
    : fd_(fd), data_(data), size_(size), inode_(inode), guard_(bus_guard_add(data, size)) {}

bool Mapping::damaged() const { return bus_guard_damaged(guard_); }

off_t Mapping::object_size() const {
  struct stat st;
  return fd_ >= 0 && fstat(fd_, &st) == 0 ? st.st_size : off_t(-1);
}

Mapping& Mapping::operator=(Mapping&& o) noexcept {
  if (this != &o) {
    reset();
    fd_ = o.fd_;
    data_ = o.data_;
    size_ = o.size_;
    inode_ = o.inode_;
    guard_ = o.guard_;
    o.guard_ = -1;
    o.fd_ = -1;
    o.data_ = nullptr;
    o.size_ = 0;
  }
  return *this;
}

void Mapping::reset() {
  bus_guard_remove(guard_);  // before munmap: the range may be reused by anything afterwards
  guard_ = -1;
  if (data_) munmap(data_, size_);
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  data_ = nullptr;
  size_ = 0;
  inode_ = 0;
}

Mapping open_existing(const std::string& posix_name, std::string* err, ErrorKind* kind,
                      ino_t* inode) {
  *kind = ErrorKind::kOpenFailed;
  int fd = shm_open(posix_name.c_str(), O_RDWR | O_CLOEXEC, 0);
  if (fd < 0) {
    // The writer creates its object 0600, so "permission denied" means another user's stream.
    if (errno == ENOENT) *kind = ErrorKind::kNoObject;
    if (errno == EACCES || errno == EPERM) *kind = ErrorKind::kOtherUser;
    *err = "cannot open shared memory '" + posix_name + "': " + std::strerror(errno);
    return {};
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    *err = "cannot stat shared memory '" + posix_name + "': " + std::strerror(errno);
    close(fd);
    return {};
  }
  if (inode) *inode = st.st_ino;
  // Another local user could create the name first (or a stale object could be theirs): a frame
  // ring is only ever trusted from our own user.
  if (st.st_uid != geteuid()) {
    *kind = ErrorKind::kOtherUser;
    *err = "shared memory '" + posix_name + "' belongs to uid " + std::to_string(st.st_uid) +
           ", not to this user (uid " + std::to_string(geteuid()) +
           "); refusing another user's stream (pick another name, or run both as one user)";
    close(fd);
    return {};
  }
  if (st.st_size <= 0) {
    *kind = ErrorKind::kInvalidHeader;  // as short as an object can be
    *err = "shared memory '" + posix_name + "' is empty";
    close(fd);
    return {};
  }
  size_t size = size_t(st.st_size);
  // No MAP_POPULATE here (unlike the writer's create_temp): a reader also maps stale or foreign
  // objects just to validate and reject them, which must stay cheap.
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    *err = "cannot map shared memory '" + posix_name + "': " + std::strerror(errno);
    close(fd);
    return {};
  }
  *kind = ErrorKind::kNone;
  return Mapping(fd, p, size, st.st_ino);
}

Mapping create_temp(const std::string& posix_name, size_t size, std::string* tmp_name,
                    std::string* err) {
  char suffix[64];
  snprintf(suffix, sizeof suffix, ".tmp.%d.%llx", int(getpid()),
           static_cast<unsigned long long>(random_u64() & 0xffffffffu));
  *tmp_name = posix_name + suffix;
  int fd = shm_open(tmp_name->c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    *err = "cannot create shared memory '" + *tmp_name + "': " + std::strerror(errno);
    return {};
  }
  // posix_fallocate reserves the tmpfs pages now, so a full /dev/shm is an error here rather
  // than a SIGBUS in the middle of a frame.
  int rc = posix_fallocate(fd, 0, off_t(size));
  if (rc != 0) {
    *err = "cannot reserve " + std::to_string(size >> 20) + " MiB in " + kShmDir + ": " +
           std::strerror(rc);
    shm_unlink(tmp_name->c_str());
    close(fd);
    return {};
  }
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
  if (p == MAP_FAILED) {
    *err = "cannot map shared memory: " + std::string(std::strerror(errno));
    shm_unlink(tmp_name->c_str());
    close(fd);
    return {};
  }
  struct stat st;
  fstat(fd, &st);
  return Mapping(fd, p, size, st.st_ino);
}

bool publish_name(const std::string& tmp_name, const std::string& posix_name, std::string* err) {
  std::string from = std::string(kShmDir) + tmp_name, to = std::string(kShmDir) + posix_name;
  if (rename(from.c_str(), to.c_str()) != 0) {
    *err = "cannot rename " + from + " to " + to + ": " + std::strerror(errno);
    shm_unlink(tmp_name.c_str());
    return false;
  }
  return true;
}

ino_t inode_of_name(const std::string& posix_name) {
  struct stat st;
  std::string path = std::string(kShmDir) + posix_name;
  return stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

void unlink_if_ours(const std::string& posix_name, ino_t inode) {
  if (inode != 0 && inode_of_name(posix_name) == inode) shm_unlink(posix_name.c_str());
}

}  // namespace vtkstream::shm::detail
