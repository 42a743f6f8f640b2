// Validation of everything another process wrote. The header may come from a foreign program, a
// crashed writer or a fuzzer, so every field is checked with overflow-safe arithmetic before any
// offset derived from it is used.
#include <cstring>

#include "vtkstream/shm.h"

namespace vtkstream::shm {

namespace {
std::string num(uint64_t v) { return std::to_string(v); }
}  // namespace

std::string validate_header(const void* data, size_t object_size) {
  if (data == nullptr || object_size < sizeof(uint32_t) * 2)
    return "object is " + num(object_size) + " bytes, too small to hold a vtkstream header";
  uint32_t magic, version;
  std::memcpy(&magic, data, sizeof magic);
  std::memcpy(&version, static_cast<const char*>(data) + 4, sizeof version);
  if (magic != kMagic) return "not a vtkstream frame ring (bad magic number)";
  if (version != kVersion)
    return "vtkstream ring version " + num(version) + " is not supported (this build speaks " +
           num(kVersion) + "); use matching renderer and plugin builds";
  if (object_size < sizeof(Header))
    return "object is " + num(object_size) + " bytes, shorter than its header (" +
           num(sizeof(Header)) + ")";
  Header h;  // copy: the other side may still change it under us
  std::memcpy(static_cast<void*>(&h), data, sizeof h);
  if (h.header_size != sizeof(Header))
    return "header size " + num(h.header_size) + " does not match version 1 (" +
           num(sizeof(Header)) + ")";
  if (h.slot_count < kMinSlots || h.slot_count > kMaxSlots)
    return "slot count " + num(h.slot_count) + " outside " + num(kMinSlots) + ".." + num(kMaxSlots);
  if (h.slot_size < sizeof(SlotHeader) + 64 || h.slot_size > kMaxSlotSize || h.slot_size % 64)
    return "slot size " + num(h.slot_size) + " is invalid";
  if (h.slots_offset < sizeof(Header) || h.slots_offset % 64 || h.slots_offset > kMaxSlotSize)
    return "slot offset " + num(h.slots_offset) + " is invalid";
  if (h.input_capacity != kInputCapacity || h.input_record_size != sizeof(InputCell))
    return "input ring geometry (" + num(h.input_capacity) + " x " + num(h.input_record_size) +
           ") does not match this build";
  // slot_count <= 16 and slot_size <= 1 GiB: the product cannot overflow 64 bits.
  uint64_t expect = h.slots_offset + uint64_t(h.slot_count) * h.slot_size;
  if (h.total_size != expect)
    return "total size " + num(h.total_size) + " does not match the slot layout (" + num(expect) + ")";
  if (h.total_size > object_size)
    return "object is " + num(object_size) + " bytes but its header claims " + num(h.total_size) +
           " (truncated?)";
  return {};
}

std::string validate_frame(uint32_t width, uint32_t height, uint32_t stride, uint32_t format,
                           uint64_t slot_size) {
  struct {
    uint32_t width, height, stride, format;
  } s{width, height, stride, format};
  auto fmt = static_cast<PixelFormat>(s.format);
  uint32_t bpp = bytes_per_pixel(fmt);
  if (bpp == 0) return "unknown pixel format " + num(s.format);
  if (s.width == 0 || s.height == 0 || s.width > kMaxDimension || s.height > kMaxDimension)
    return "frame size " + num(s.width) + "x" + num(s.height) + " is out of range";
  if (uint64_t(s.stride) < uint64_t(s.width) * bpp || s.stride % bpp)
    return "row stride " + num(s.stride) + " is too small for width " + num(s.width);
  uint64_t need = uint64_t(s.stride) * s.height;  // < 2^32 * 2^14: no overflow
  if (slot_size < sizeof(SlotHeader) || need > slot_size - sizeof(SlotHeader))
    return "frame of " + num(need) + " bytes does not fit its slot";
  return {};
}

}  // namespace vtkstream::shm
