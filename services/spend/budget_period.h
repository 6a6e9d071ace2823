// Budget periods. Days, weeks and months are calendar-aligned in UTC: "1d" resets at
// midnight, "7d"/"1w" on Monday 00:00, "30d"/"1mo" on the 1st of the month (N of them:
// N-day, N-week or N-month blocks counted from the Unix epoch, so every replica and every
// restart agrees). Seconds, minutes and hours roll: "30m" is consecutive 30-minute windows,
// also counted from the epoch. No duration: one lifetime period.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace llmgw::spend {

struct Period {
  int64_t start = 0;          // Unix seconds, inclusive
  int64_t end = INT64_MAX;    // exclusive; INT64_MAX: lifetime
  bool lifetime() const { return end == INT64_MAX; }
};

// INVALID_ARGUMENT for an unreadable duration.
absl::StatusOr<Period> PeriodAt(const std::string& budget_duration, std::chrono::system_clock::time_point now);

}  // namespace llmgw::spend
