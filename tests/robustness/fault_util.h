// Helpers for the renderer-fault tests (issue 12): the real vtkstream-serve supervising the real
// vtkstream-render, a look at a ring's header from outside (as any process of the same user
// could), damage done to a ring, /healthz's renderer fields, and process exits waited for
// through a pidfd.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "robust_util.h"

namespace faults {

// argv of the test program: the server, the renderer and gst-launch-1.0.
extern std::string g_server, g_renderer, g_gst_launch;

// What a ring's header says, read with pread (no mapping: nothing can fault).
struct RingPeek {
  bool ok = false;  // a vtkstream ring of our version
  ino_t inode = 0;
  int32_t writer_pid = 0;
  uint64_t session = 0, latest = 0, slots_offset = 0, slot_size = 0;
  std::vector<int32_t> readers;  // pids of registered frame readers
};
RingPeek peek(const std::string& name);
bool object_exists(const std::string& name);

enum class Damage { kTruncateToZero, kTruncateToHalf, kScribbleHeader };
std::string damage_name(Damage d);
void damage(const std::string& name, Damage d);

// For state in another process that sends no notification (/healthz, a ring header): looks
// every 20 ms, at most timeout_ms, while the default main context keeps running.
bool poll_until(const std::function<bool()>& pred, int timeout_ms);

// A field of /healthz's "renderer" object as text ("" when absent).
std::string renderer_field(const robust::Server& s, const char* key);

// True while `pid` exists and is not a zombie.
bool pid_running(pid_t pid);
// Waits (pidfd, no polling) until `pid` (any process, not only a child) has exited. False on
// timeout. A zombie counts as exited.
bool wait_pid_gone(pid_t pid, int timeout_ms);

// vtkstream-serve supervising vtkstream-render on `shm` (160x120, demo scene), stderr kept.
std::unique_ptr<robust::Server> start_server(const std::string& shm);
// Waits until /healthz says the renderer is running and its ring has a live writer.
bool wait_running(const robust::Server& s, const std::string& shm, int timeout_ms);

}  // namespace faults
