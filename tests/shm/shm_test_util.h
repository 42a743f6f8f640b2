#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "unique_name.h"  // tests/common: unique_name(tag) for every shm object made here
#include "vtkstream/shm.h"

namespace vtkstream::test {

// Fills an RGBA frame whose every pixel encodes `frame`; frame_ok() detects a torn copy.
void fill_pattern(uint8_t* p, uint32_t w, uint32_t h, uint32_t stride, uint64_t frame);
bool frame_ok(const uint8_t* p, uint32_t w, uint32_t h, uint32_t stride, uint64_t frame);

// Writes `bytes` into a fresh shm object `name` (for foreign / corrupt objects).
void write_object(const std::string& name, const void* bytes, size_t n);
void remove_object(const std::string& name);

// A writer in a forked child that publishes one frame, writes one byte to `ready_fd` and then
// blocks until killed (a renderer that can die for real, leaving its object behind).
pid_t spawn_writer(const std::string& name, int ready_fd);

// Waits for child `pid` and returns its exit status (or 128+signal).
int wait_child(pid_t pid);

}  // namespace vtkstream::test
