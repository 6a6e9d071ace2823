#include "llmgw/slo/recorder.h"

#include <algorithm>

namespace llmgw::slo {
namespace {

constexpr int kWindowSlots = 1440;
constexpr int kRecentSlots = 60;

}  // namespace

Ring::Ring(std::chrono::microseconds span, int slots)
    : width_micros_(std::max<int64_t>(1, span.count() / slots)), slots_(slots) {}

void Ring::Add(int64_t now_micros, const Sample& s, int64_t slow_micros) {
  int64_t epoch = now_micros / width_micros_;
  Slot& slot = slots_[epoch % static_cast<int64_t>(slots_.size())];
  if (slot.epoch != epoch) {
    slot.epoch = epoch;
    slot.counts = Counts{};
  }
  slot.counts.Add(s, slow_micros);
}

Counts Ring::Sum(int64_t now_micros) const {
  int64_t current = now_micros / width_micros_;
  int64_t oldest = current - static_cast<int64_t>(slots_.size()) + 1;
  Counts sum;
  for (const Slot& slot : slots_) {
    if (slot.epoch >= oldest && slot.epoch <= current) sum.Merge(slot.counts);
  }
  return sum;
}

std::chrono::seconds Recorder::RecentSpan(std::chrono::seconds window) {
  return std::min(window, std::max<std::chrono::seconds>(window / 720, std::chrono::minutes(1)));
}

Recorder::Recorder(std::chrono::seconds window, std::optional<double> max_p95_overhead_ms,
                   Clock::time_point now)
    : start_(now),
      window_(window),
      recent_span_(RecentSpan(window)),
      slow_micros_(max_p95_overhead_ms ? static_cast<int64_t>(*max_p95_overhead_ms * 1000) : 0),
      window_ring_(window, kWindowSlots),
      recent_ring_(recent_span_, kRecentSlots) {}

void Recorder::Record(Clock::time_point now, const Sample& s) {
  int64_t at = Micros(now);
  std::lock_guard lock(mu_);
  window_ring_.Add(at, s, slow_micros_);
  recent_ring_.Add(at, s, slow_micros_);
}

Recorder::Snapshot Recorder::Take(Clock::time_point now) const {
  int64_t at = Micros(now);
  Snapshot out;
  {
    std::lock_guard lock(mu_);
    out.window = window_ring_.Sum(at);
    out.recent = recent_ring_.Sum(at);
  }
  double up = static_cast<double>(at) / 1e6;
  out.window_seconds = static_cast<double>(window_.count());
  out.recent_seconds = static_cast<double>(recent_span_.count());
  out.window.covered_seconds = std::min(up, out.window_seconds);
  out.recent.covered_seconds = std::min(up, out.recent_seconds);
  return out;
}

}  // namespace llmgw::slo
