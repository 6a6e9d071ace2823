#include "apps/llmgwctl/output.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace llmgw::ctl {

std::optional<std::chrono::milliseconds> ParseDuration(const std::string& text) {
  struct Unit {
    const char* suffix;
    double ms;
  };
  static constexpr Unit kUnits[] = {{"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}};
  std::string number = text;
  double scale = 1000;  // a bare number is seconds
  for (const Unit& u : kUnits) {
    std::string suffix = u.suffix;
    if (text.size() > suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0) {
      std::string head = text.substr(0, text.size() - suffix.size());
      double unused = 0;
      if (!absl::SimpleAtod(head, &unused)) continue;  // "5ms" must not read as "5m" + "s"
      number = head;
      scale = u.ms;
      break;
    }
  }
  double v = 0;
  if (!absl::SimpleAtod(number, &v) || v < 0 || !std::isfinite(v)) return std::nullopt;
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(v * scale)));
}

std::string FormatDuration(std::chrono::milliseconds d) {
  int64_t ms = d.count();
  if (ms < 0) return absl::StrCat("-", FormatDuration(std::chrono::milliseconds(-ms)));
  if (ms < 1000) return absl::StrCat(ms, "ms");
  if (ms < 60'000) return absl::StrFormat("%.1fs", ms / 1000.0);
  int64_t s = ms / 1000;
  if (s < 3600) return absl::StrCat(s / 60, "m", s % 60, "s");
  if (s < 2 * 86400) return absl::StrCat(s / 3600, "h", (s % 3600) / 60, "m");
  return absl::StrCat(s / 86400, "d", (s % 86400) / 3600, "h");
}

std::string Table::Render() const {
  std::vector<size_t> width;
  for (const auto& row : rows_) {
    if (width.size() < row.size()) width.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows_) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(width[i] - row[i].size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace llmgw::ctl
