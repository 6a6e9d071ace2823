// The gateway's SLO measurements over a rolling window: a ring of time slots for the
// `sla.window` and a finer one for the burn-rate window (its last 1/720, at least a
// minute: one hour of a 30-day window). Record is on the request path: one uncontended
// lock and a few additions, no allocation.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <vector>

#include "llmgw/slo/counts.h"

namespace llmgw::slo {

// Counts over a span of time, in `slots` slots (the oldest leaves as time moves on, so the
// span is exact to one slot).
class Ring {
 public:
  Ring(std::chrono::microseconds span, int slots);
  void Add(int64_t now_micros, const Sample& s, int64_t slow_micros);
  Counts Sum(int64_t now_micros) const;

 private:
  struct Slot {
    int64_t epoch = -1;
    Counts counts;
  };
  int64_t width_micros_;
  std::vector<Slot> slots_;
};

class Recorder {
 public:
  using Clock = std::chrono::steady_clock;

  // `max_p95_overhead_ms`: the overhead above which a request counts as slow.
  Recorder(std::chrono::seconds window, std::optional<double> max_p95_overhead_ms,
           Clock::time_point now = Clock::now());

  void Record(const Sample& s) { Record(Clock::now(), s); }
  void Record(Clock::time_point now, const Sample& s);

  struct Snapshot {
    Counts window;
    Counts recent;
    double window_seconds = 0;
    double recent_seconds = 0;
  };
  Snapshot Take() const { return Take(Clock::now()); }
  Snapshot Take(Clock::time_point now) const;

  // The burn-rate window of a `window`.
  static std::chrono::seconds RecentSpan(std::chrono::seconds window);

 private:
  int64_t Micros(Clock::time_point t) const {
    return std::chrono::duration_cast<std::chrono::microseconds>(t - start_).count();
  }

  const Clock::time_point start_;
  const std::chrono::seconds window_;
  const std::chrono::seconds recent_span_;
  const int64_t slow_micros_;
  mutable std::mutex mu_;
  Ring window_ring_;  // under mu_
  Ring recent_ring_;  // under mu_
};

}  // namespace llmgw::slo
