#include "llmgw/slo/counts.h"

#include <algorithm>
#include <cmath>

namespace llmgw::slo {
namespace {

constexpr double kFirstMicros = 10.0;
constexpr double kGrowth = 1.15;

}  // namespace

double BucketUpperMicros(int bucket) { return kFirstMicros * std::pow(kGrowth, bucket); }

int BucketOf(int64_t overhead_micros) {
  if (overhead_micros <= kFirstMicros) return 0;
  int b = static_cast<int>(std::ceil(std::log(overhead_micros / kFirstMicros) / std::log(kGrowth)));
  // Rounding at a boundary: a value exactly on an upper bound belongs to that bucket.
  if (b > 0 && overhead_micros <= BucketUpperMicros(b - 1)) --b;
  return std::clamp(b, 0, kOverheadBuckets - 1);
}

Sample::Outcome Sample::OutcomeOf(int http_status, bool failed_midstream) {
  if (http_status >= 500 || failed_midstream) return Outcome::kFailed;
  return http_status >= 400 ? Outcome::kExcluded : Outcome::kSucceeded;
}

void Counts::Add(const Sample& s, int64_t slow_micros) {
  if (s.outcome == Sample::Outcome::kExcluded) return;
  ++requests;
  if (s.outcome == Sample::Outcome::kFailed) {
    ++failed;
    return;
  }
  if (s.overhead_micros) {
    ++timed;
    if (slow_micros > 0 && *s.overhead_micros > slow_micros) ++slow;
    ++overhead[BucketOf(*s.overhead_micros)];
  }
  if (s.cost_micros) {
    ++costed;
    cost_micros += *s.cost_micros;
  }
}

void Counts::Merge(const Counts& o) {
  covered_seconds = std::max(covered_seconds, o.covered_seconds);
  requests += o.requests;
  failed += o.failed;
  timed += o.timed;
  slow += o.slow;
  for (int i = 0; i < kOverheadBuckets; ++i) overhead[i] += o.overhead[i];
  cost_micros += o.cost_micros;
  costed += o.costed;
}

double Counts::OverheadQuantileMs(double q) const {
  int64_t total = 0;
  for (int64_t n : overhead) total += n;
  if (total == 0) return 0;
  double rank = q * static_cast<double>(total);
  int64_t below = 0;
  for (int i = 0; i < kOverheadBuckets; ++i) {
    if (overhead[i] == 0) continue;
    if (static_cast<double>(below + overhead[i]) >= rank) {
      double lower = i == 0 ? 0 : BucketUpperMicros(i - 1);
      double upper = BucketUpperMicros(i);
      double within = (rank - static_cast<double>(below)) / static_cast<double>(overhead[i]);
      return (lower + (upper - lower) * std::clamp(within, 0.0, 1.0)) / 1000.0;
    }
    below += overhead[i];
  }
  return BucketUpperMicros(kOverheadBuckets - 1) / 1000.0;
}

}  // namespace llmgw::slo
