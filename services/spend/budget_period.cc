#include "services/spend/budget_period.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace llmgw::spend {
namespace {

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

absl::StatusOr<Period> PeriodAt(const std::string& d, std::chrono::system_clock::time_point now) {
  if (d.empty()) return Period{};
  size_t i = 0;
  while (i < d.size() && d[i] >= '0' && d[i] <= '9') ++i;
  int64_t n = 0;
  std::string unit = d.substr(i);
  if (i == 0 || i > 6 || !absl::SimpleAtoi(d.substr(0, i), &n) || n <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("budget_duration '", d, "' is not like 30s, 30m, 30h, 1d, 1w, 1mo"));
  }
  int64_t t = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  auto fixed = [&](int64_t len) { int64_t s = FloorDiv(t, len) * len; return Period{s, s + len}; };
  if (unit == "s") return fixed(n);
  if (unit == "m") return fixed(n * 60);
  if (unit == "h") return fixed(n * 3600);
  // Calendar units.
  bool months = unit == "mo" || (unit == "d" && n % 30 == 0);
  if (months) {
    int64_t count = unit == "mo" ? n : n / 30;
    absl::CivilSecond cs = absl::ToCivilSecond(absl::FromUnixSeconds(t), absl::UTCTimeZone());
    int64_t index = (cs.year() - 1970) * 12 + (cs.month() - 1);
    int64_t first = FloorDiv(index, count) * count;
    absl::CivilMonth start(1970 + FloorDiv(first, 12), first - FloorDiv(first, 12) * 12 + 1);
    absl::CivilMonth end = start + count;
    return Period{absl::ToUnixSeconds(absl::FromCivil(start, absl::UTCTimeZone())),
                  absl::ToUnixSeconds(absl::FromCivil(end, absl::UTCTimeZone()))};
  }
  bool weeks = unit == "w" || (unit == "d" && n % 7 == 0);
  if (weeks) {
    int64_t count = unit == "w" ? n : n / 7;
    // 1970-01-05 was a Monday.
    constexpr int64_t kMonday = 4 * 86400;
    int64_t len = count * 7 * 86400;
    int64_t s = FloorDiv(t - kMonday, len) * len + kMonday;
    return Period{s, s + len};
  }
  if (unit == "d") return fixed(n * 86400);
  return absl::InvalidArgumentError(absl::StrCat("budget_duration '", d, "' is not like 30s, 30m, 30h, 1d, 1w, 1mo"));
}

}  // namespace llmgw::spend
