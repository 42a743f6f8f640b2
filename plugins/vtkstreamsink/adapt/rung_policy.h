// Which rung (one of a small ladder of shared encodes, media/rung.h) each WebRTC viewer gets, and
// what bitrate each rung's encoder runs at. Pure: estimates and time in, choices out; no
// GStreamer, no clock (unit-tested in tests/adapt/test_rung_policy.cpp).
//
// The ladder (measured on the 2-core machines, docs/performance.md "Rungs"): the full size, at
// most 360 lines, at most 240 lines. Each rung has an entry rate: a viewer goes to the best rung
// whose entry rate its estimate reaches.
//   * Down at once: an estimate below its rung's entry rate means the link cannot carry it.
//   * Up only after the estimate has stayed kUpMargin above the better rung's entry rate for
//     kUpHoldUs: an estimate wanders around a threshold, and every switch costs a keyframe.
//   * A pinned viewer (the page's quality menu) stays on its rung whatever its estimate.
// A rung's encoder follows the lowest estimate among its own viewers, clamped to the rung's range,
// so a weak viewer (on a lower rung) never lowers what a strong one gets; a pinned viewer's
// estimate counts only on a rung no unpinned viewer is on (a pin is a choice, not a link).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace vtkstream::adapt {

struct Rung {
  int max_height = 0;  // 0: the input's own size
  int min_kbps = 0;    // entry rate (the lowest rung: 0)
  int max_kbps = 0;    // the encoder's ceiling on this rung
};

// The ladder for raw input (several rungs), or the single rung of pass-through input.
std::vector<Rung> default_ladder(int max_kbps);
std::vector<Rung> passthrough_ladder();

struct RungState {
  int rung = -1;              // -1: none yet
  int64_t up_since_us = -1;   // since when the estimate has allowed a better rung (-1: it does not)
};

constexpr double kUpMargin = 0.15;
constexpr int64_t kUpHoldUs = 3'000'000;

// The best rung `kbps` can carry (ignoring hysteresis).
int ideal_rung(const std::vector<Rung>& ladder, int kbps);
// One viewer's next state. `pinned`, if set, is clamped to the ladder.
RungState next_rung(const std::vector<Rung>& ladder, const RungState& prev, int kbps, std::optional<int> pinned,
                    int64_t now_us);

// `rung` if usable[rung], else the nearest usable one below it (smaller pictures), else above it;
// rung 0 counts as usable whatever `usable` says (it is the sink's own encoder, always there).
int usable_rung(int rung, const std::vector<bool>& usable);

struct ViewerRungInput {
  int kbps = 0;
  std::optional<int> pinned;
};
// Every viewer's next state (viewers absent from `inputs` are dropped from the result).
std::map<uint32_t, RungState> assign_rungs(const std::vector<Rung>& ladder, const std::map<uint32_t, RungState>& prev,
                                           const std::map<uint32_t, ViewerRungInput>& inputs, int64_t now_us);
// The bitrate of each rung that has viewers (rungs nobody is on are absent: they are removed).
std::map<int, int> rung_bitrates(const std::vector<Rung>& ladder, const std::map<uint32_t, RungState>& states,
                                 const std::map<uint32_t, ViewerRungInput>& inputs);

// Spaces one viewer's quality pins kPinSpacingUs apart, the latest held one winning. Each pin can
// create a rung's encoder (threads, an encoder, synchronous work on the sink's context): a page
// sending pins in a loop created one per message and starved every other viewer.
constexpr int64_t kPinSpacingUs = 250'000;
class PinPacer {
 public:
  // A `quality` request at `now_us`: true when it applies now; otherwise it is held (replacing any
  // held one) until due_us().
  bool offer(std::optional<int> pin, int64_t now_us);
  bool holding() const { return held_; }
  int64_t due_us() const { return last_us_ + kPinSpacingUs; }
  // The held pin, which applies now (call at due_us() or later, only while holding()).
  std::optional<int> take(int64_t now_us);

 private:
  bool held_ = false;
  std::optional<int> pin_;
  int64_t last_us_ = INT64_MIN / 2;
};

}  // namespace vtkstream::adapt
