// What the gateway measures for the `sla:` block, as counts that add up: over time (the
// slots of a rolling window) and across gateways (the health aggregator's merge).
#pragma once

#include <array>
#include <cstdint>
#include <optional>

namespace llmgw::slo {

// The overhead histogram's fixed layout: bucket i holds overheads up to 10 µs × 1.15^i,
// the last one everything above (≈ 5.8 s). A 15%-wide bucket bounds the p95 estimate's
// error; whether the objective is met is decided by exact counts (Counts::slow).
inline constexpr int kOverheadBuckets = 96;
double BucketUpperMicros(int bucket);
int BucketOf(int64_t overhead_micros);

// One finished inference request, as the SLO sees it.
struct Sample {
  enum class Outcome {
    kSucceeded,  // 2xx
    kFailed,     // 5xx, or a stream that failed after it started
    kExcluded,   // 4xx, or the client left: not the gateway's doing
  };
  Outcome outcome = Outcome::kSucceeded;
  // Gateway time beside the provider's; unset when no provider answer was timed.
  std::optional<int64_t> overhead_micros;
  // What a successful call cost (0 for a cache hit); unset when not priced.
  std::optional<int64_t> cost_micros;

  // By the HTTP status the client got (499: it left); `failed_midstream`: a stream
  // answered 200 then failed.
  static Outcome OutcomeOf(int http_status, bool failed_midstream = false);
};

struct Counts {
  double covered_seconds = 0;
  int64_t requests = 0;  // succeeded + failed
  int64_t failed = 0;
  int64_t timed = 0;
  int64_t slow = 0;  // timed above the overhead target
  std::array<int64_t, kOverheadBuckets> overhead{};
  int64_t cost_micros = 0;
  int64_t costed = 0;

  // `slow_micros` <= 0: no overhead target, nothing is slow.
  void Add(const Sample& s, int64_t slow_micros);
  // Another slot's or gateway's counts; covered_seconds takes the larger.
  void Merge(const Counts& other);
  // The q-quantile (0 < q < 1) of the overhead histogram in ms, interpolated within its
  // bucket; 0 without samples.
  double OverheadQuantileMs(double q) const;
};

}  // namespace llmgw::slo
