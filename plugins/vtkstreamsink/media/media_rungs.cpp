// Media's rungs (media.h): the ladder for the input, and the lower rungs' lives.
#include <malloc.h>

#include <gst/gst.h>

#include <algorithm>

#include "media.h"
#include "rung_encode.h"
#include "sink_context.h"


namespace vtkstream::sink {

std::vector<adapt::Rung> Media::ladder(int max_kbps) const {
  std::lock_guard lock(lock_);
  // Lower rungs are our own encoder at another size: a custom encoder description may not take
  // the scaled caps (or be affordable several times), and pass-through input is not encoded.
  if (input_ == Input::kRaw && config_.encoder.empty()) return adapt::default_ladder(max_kbps);
  return adapt::passthrough_ladder();
}

GstElement* Media::rung_tee(int rung) const {
  if (rung == 0) return rtp_tee_;
  const auto it = rungs_.find(rung);
  return it != rungs_.end() ? it->second.encode->tee() : nullptr;
}

GstElement* Media::acquire_rung(int rung, std::string* err) {
  if (rung == 0) return rtp_tee_;
  const std::vector<adapt::Rung> rungs = ladder(0);
  if (rung < 0 || rung >= static_cast<int>(rungs.size())) {
    *err = "no rung " + std::to_string(rung) + " for this input";
    return nullptr;
  }
  if (!rung_usable(rung)) {
    *err = "rung " + std::to_string(rung) + "'s encoder failed earlier";
    return nullptr;
  }
  RungSlot& slot = rungs_[rung];
  if (!slot.encode) {
    Codec codec;
    {
      std::lock_guard lock(lock_);
      codec = config_.codec;
    }
    const int kbps = rung_start_kbps(rung);
    slot.encode = RungEncode::create(
        bin_, in_tee_, rung, rungs[rung].max_height, codec, kbps, ident_,
        [this, rung](const std::string& why) { rung_error(rung, why); },
        err);
    if (!slot.encode) {
      rungs_.erase(rung);
      return nullptr;
    }
  }
  ++slot.users;
  return slot.encode->tee();
}

int Media::rung_start_kbps(int rung) const {
  const std::vector<adapt::Rung> rungs = ladder(0);
  std::lock_guard lock(lock_);
  if (rung <= 0 || rung >= static_cast<int>(rungs.size())) return config_.bitrate_kbps;
  return std::min(config_.bitrate_kbps, std::max(rungs[rung].max_kbps, 1));
}

void Media::rung_error(int rung, const std::string& why) {
  if (!failed_rungs_.insert(rung).second) return;  // one report per rung
  g_printerr("vtkstreamsink: WARNING: rung %d's encoder failed (%s); its viewers move to another rung\n", rung,
             why.c_str());
  if (rung_failed_) rung_failed_(rung);
}

// A removed rung's encoder frees megabytes (libvpx's frame buffers) that its streaming thread
// allocated in one of glibc's per-thread arenas, and glibc hands an arena's memory back to the
// system only from its top: rungs made and dropped as viewers come and go grew the server by
// 1.5-2 MiB per round of serve-robustness (Robustness.PeersJoinAndLeave, 8 rounds: +11.8 MiB, no
// GstObject left alive by the leaks tracer; with MALLOC_ARENA_MAX=2 the growth went up and down
// instead, the mark of freed memory kept, not of a leak). malloc_trim() returns the free pages of
// every arena (a few ms); rungs go seldom (the planner's hysteresis holds a viewer 3 s on a rung).

void Media::release_rung(int rung) {
  const auto it = rungs_.find(rung);
  if (it == rungs_.end()) return;
  if (--it->second.users > 0) return;
  rungs_.erase(it);  // ~RungEncode: the bin is in NULL and gone, its encoder freed
  malloc_trim(0);
}

int Media::set_rung_bitrate(int rung, int kbps) {
  if (rung == 0) return set_bitrate(kbps);
  const auto it = rungs_.find(rung);
  return it != rungs_.end() ? it->second.encode->set_bitrate(kbps) : 0;
}

int Media::rung_bitrate_kbps(int rung) const {
  if (rung == 0) return bitrate_kbps();
  const auto it = rungs_.find(rung);
  return it != rungs_.end() ? it->second.encode->bitrate_kbps() : 0;
}

int Media::rung_applied_kbps(int rung) const {
  if (rung == 0) return applied_bitrate_kbps();
  const auto it = rungs_.find(rung);
  return it != rungs_.end() ? it->second.encode->applied_kbps() : 0;
}

void Media::rung_size(int rung, int* w, int* h) const {
  *w = *h = 0;
  if (rung == 0) {
    *w = width();
    *h = height();
    return;
  }
  const auto it = rungs_.find(rung);
  if (it != rungs_.end()) it->second.encode->size(w, h);
}

void Media::force_keyframe(int rung, bool join) {
  if (rung == 0) return force_keyframe(join);
  const auto it = rungs_.find(rung);
  if (it != rungs_.end()) it->second.encode->force_keyframe(join);
}

}  // namespace vtkstream::sink
