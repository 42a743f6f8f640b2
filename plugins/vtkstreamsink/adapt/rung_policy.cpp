#include "rung_policy.h"

#include <algorithm>
#include <climits>

namespace vtkstream::adapt {

std::vector<Rung> default_ladder(int max_kbps) {
  // Entry rates: what each size needs to look clean at 30 fps with the sink's VP8 settings
  // (docs/performance.md "Rungs"); the top rung's ceiling is the controller's maximum. A lower
  // rung's ceiling lies above the next rung's entry rate plus the margin: the controller raises an
  // estimate only while the encoder uses it, so a rung capped at the next one's entry rate would
  // keep its viewers' estimates under the margin for good (seen: a viewer stuck on the 240-line
  // rung behind a 1 Mbit/s link).
  return {{0, 800, std::max(800, max_kbps)}, {360, 300, 1000}, {240, 0, 400}};
}

std::vector<Rung> passthrough_ladder() { return {{0, 0, 0}}; }

int ideal_rung(const std::vector<Rung>& ladder, int kbps) {
  for (size_t i = 0; i < ladder.size(); ++i)
    if (kbps >= ladder[i].min_kbps) return static_cast<int>(i);
  return static_cast<int>(ladder.size()) - 1;
}

RungState next_rung(const std::vector<Rung>& ladder, const RungState& prev, int kbps, std::optional<int> pinned,
                    int64_t now_us) {
  const int last = static_cast<int>(ladder.size()) - 1;
  if (last < 0) return {};
  if (pinned) return {std::clamp(*pinned, 0, last), -1};
  const int ideal = ideal_rung(ladder, kbps);
  if (prev.rung < 0 || prev.rung > last) return {ideal, -1};  // a new viewer starts where it fits
  if (ideal >= prev.rung) return {ideal, -1};                 // down at once (or stay)
  // A better rung with the margin: the best one the estimate clears by kUpMargin.
  int up = prev.rung;
  for (int r = prev.rung - 1; r >= 0; --r)
    if (kbps >= ladder[r].min_kbps * (1 + kUpMargin)) up = r;
  if (up == prev.rung) return {prev.rung, -1};
  const int64_t since = prev.up_since_us >= 0 ? prev.up_since_us : now_us;
  if (now_us - since >= kUpHoldUs) return {up, -1};
  return {prev.rung, since};
}

int usable_rung(int rung, const std::vector<bool>& usable) {
  const int n = static_cast<int>(usable.size());
  auto ok = [&](int r) { return r == 0 || (r < n && usable[r]); };
  if (rung < 0 || ok(rung)) return rung;
  for (int r = rung + 1; r < n; ++r)
    if (ok(r)) return r;
  for (int r = rung - 1; r > 0; --r)
    if (ok(r)) return r;
  return 0;
}

std::map<uint32_t, RungState> assign_rungs(const std::vector<Rung>& ladder, const std::map<uint32_t, RungState>& prev,
                                           const std::map<uint32_t, ViewerRungInput>& inputs, int64_t now_us) {
  std::map<uint32_t, RungState> out;
  for (const auto& [peer, in] : inputs) {
    const auto it = prev.find(peer);
    out[peer] = next_rung(ladder, it != prev.end() ? it->second : RungState{}, in.kbps, in.pinned, now_us);
  }
  return out;
}

std::map<int, int> rung_bitrates(const std::vector<Rung>& ladder, const std::map<uint32_t, RungState>& states,
                                 const std::map<uint32_t, ViewerRungInput>& inputs) {
  // A pinned viewer chose its rung, not its link: its estimate sets the rung's rate only where no
  // viewer the estimate placed there shares it. Otherwise one viewer (the view-only link is
  // enough) pinning the top rung and reporting loss held the owner's encoder at the entry rate,
  // 800 kbit/s against an estimate of 2139-2533 (bench/browser/rung-liar.sh).
  std::map<int, int> lowest, lowest_pinned;
  for (const auto& [peer, st] : states) {
    if (st.rung < 0 || st.rung >= static_cast<int>(ladder.size())) continue;
    const auto in = inputs.find(peer);
    const int kbps = in != inputs.end() ? in->second.kbps : INT_MAX;
    const bool pinned = in != inputs.end() && in->second.pinned;
    auto [it, fresh] = (pinned ? lowest_pinned : lowest).emplace(st.rung, kbps);
    if (!fresh) it->second = std::min(it->second, kbps);
  }
  lowest.merge(lowest_pinned);  // rungs only pinned viewers are on
  for (auto& [rung, kbps] : lowest) {
    const Rung& r = ladder[rung];
    // A pinned viewer may sit above what its estimate carries: its rung still gets at least the
    // rung's entry rate (it asked for that picture).
    kbps = r.max_kbps > 0 ? std::clamp(kbps, std::min(r.min_kbps, r.max_kbps), r.max_kbps) : 0;
  }
  return lowest;
}

bool PinPacer::offer(std::optional<int> pin, int64_t now_us) {
  if (!held_ && now_us >= due_us()) {
    last_us_ = now_us;
    return true;
  }
  held_ = true;
  pin_ = pin;
  return false;
}

std::optional<int> PinPacer::take(int64_t now_us) {
  held_ = false;
  last_us_ = now_us;
  return pin_;
}

}  // namespace vtkstream::adapt
