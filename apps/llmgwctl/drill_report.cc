#include "apps/llmgwctl/drill_report.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace llmgw::ctl {
namespace {

std::optional<double> Percentile(std::vector<double> v, double p) {
  if (v.empty()) return std::nullopt;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(std::ceil(p * static_cast<double>(v.size()))) - 1;
  return v[std::min(i, v.size() - 1)];
}

std::string Ms(const std::optional<double>& v) {
  return v ? absl::StrFormat("%.0f ms", *v) : "n/a";
}

std::string Delta(const std::optional<double>& before, const std::optional<double>& during) {
  if (!before || !during) return "n/a";
  double d = std::round(*during - *before);
  return absl::StrFormat("%+.0f ms (%.0f -> %.0f)", d == 0 ? 0.0 : d, *before, *during);
}

}  // namespace

DrillReport Summarize(const std::vector<DrillSample>& samples, const std::string& failed_id,
                      const std::string& failed_group, double fail_at, double fail_end,
                      double recover_timeout_ms, std::string date) {
  DrillReport r;
  r.date = std::move(date);
  r.failed_deployment = failed_id;
  r.failed_group = failed_group;
  r.recover_timeout_ms = recover_timeout_ms;
  r.requests = static_cast<int>(samples.size());
  std::vector<double> baseline, failure;
  std::map<std::string, int> answered_by;
  for (const auto& s : samples) {
    bool ok = s.status == 200;
    double end = s.start_ms + s.latency_ms;
    bool before = s.start_ms < fail_at;
    bool during = !before && s.start_ms < fail_end;
    if (!ok) {
      (before ? r.errors_baseline : during ? r.errors_failure : r.errors_recovery)++;
      continue;
    }
    if (before) baseline.push_back(s.latency_ms);
    if (during) {
      failure.push_back(s.latency_ms);
      if (s.deployment_id != failed_id) answered_by[absl::StrCat(s.model_group, "/", s.deployment_id)]++;
    }
    if (!before && s.deployment_id != failed_id && (!r.time_to_shift_ms || end - fail_at < *r.time_to_shift_ms)) {
      r.time_to_shift_ms = end - fail_at;
    }
    if (end >= fail_end && s.deployment_id == failed_id &&
        (!r.time_to_recover_ms || end - fail_end < *r.time_to_recover_ms)) {
      r.time_to_recover_ms = end - fail_end;
    }
  }
  int best = 0;
  for (const auto& [who, n] : answered_by) {
    if (n > best) {
      best = n;
      r.fallback = who;
    }
  }
  r.p50_baseline = Percentile(baseline, 0.50);
  r.p95_baseline = Percentile(baseline, 0.95);
  r.p50_failure = Percentile(failure, 0.50);
  r.p95_failure = Percentile(failure, 0.95);

  if (int e = r.errors_failure + r.errors_recovery; e > 0) {
    r.risks.push_back(absl::StrCat(e, " client-visible errors while ", failed_id,
                                   " was failing or recovering: the failover is not seamless"));
  }
  if (r.errors_baseline > 0) {
    r.risks.push_back(absl::StrCat(r.errors_baseline, " errors before the failure: the baseline was not clean"));
  }
  if (r.fallback.empty()) {
    r.risks.push_back(absl::StrCat("no other deployment answered while ", failed_id,
                                   " was down: give its group another deployment or a fallback"));
  }
  if (!r.time_to_recover_ms) {
    r.risks.push_back(absl::StrCat(failed_id, " took no traffic within ",
                                   absl::StrFormat("%.0f", recover_timeout_ms / 1000),
                                   " s after the failure ended: check its cooldown and trial"));
  }
  if (r.p95_baseline && r.p95_failure && *r.p95_failure - *r.p95_baseline > 1000) {
    r.risks.push_back(absl::StrFormat(
        "failover adds %.0f ms at p95 (attempts on the failing deployment before its cooldown "
        "opens): consider a lower allowed_fails or num_retries",
        *r.p95_failure - *r.p95_baseline));
  }
  return r;
}

std::string SignOffMarkdown(const DrillReport& r) {
  std::string risks = r.risks.empty() ? "none observed" : "";
  for (size_t i = 0; i < r.risks.size(); ++i) risks += (i ? "; " : "") + r.risks[i];
  std::string recover = r.time_to_recover_ms
                            ? Ms(r.time_to_recover_ms)
                            : absl::StrFormat("not within %.0f s", r.recover_timeout_ms / 1000);
  std::string rows[][2] = {
      {"Date", r.date},
      {"Failed deployment", absl::StrCat(r.failed_group, "/", r.failed_deployment)},
      {"Observed fallback", r.fallback.empty() ? "none" : r.fallback},
      {"Requests", std::to_string(r.requests)},
      {"Client-seen errors", absl::StrCat(r.errors_failure + r.errors_recovery, " (baseline ",
                                          r.errors_baseline, ", failure ", r.errors_failure,
                                          ", recovery ", r.errors_recovery, ")")},
      {"Latency delta p50", Delta(r.p50_baseline, r.p50_failure)},
      {"Latency delta p95", Delta(r.p95_baseline, r.p95_failure)},
      {"Time to shift", Ms(r.time_to_shift_ms)},
      {"Time to recover", recover},
      {"Open risks", risks},
      {"Signed off by", ""},
  };
  std::string out = "| Item | Result |\n|---|---|\n";
  for (const auto& row : rows) out += absl::StrCat("| ", row[0], " | ", row[1], " |\n");
  return out;
}

std::string SignOffJson(const DrillReport& r) {
  auto opt = [](const std::optional<double>& v) -> boost::json::value {
    return v ? boost::json::value(*v) : boost::json::value(nullptr);
  };
  boost::json::array risks;
  for (const auto& s : r.risks) risks.push_back(boost::json::value(s));
  boost::json::object o{{"date", r.date},
                        {"failed_deployment", r.failed_deployment},
                        {"failed_group", r.failed_group},
                        {"fallback", r.fallback},
                        {"requests", r.requests},
                        {"errors", {{"baseline", r.errors_baseline}, {"failure", r.errors_failure},
                                    {"recovery", r.errors_recovery}}},
                        {"latency_ms", {{"p50_baseline", opt(r.p50_baseline)}, {"p95_baseline", opt(r.p95_baseline)},
                                        {"p50_failure", opt(r.p50_failure)}, {"p95_failure", opt(r.p95_failure)}}},
                        {"time_to_shift_ms", opt(r.time_to_shift_ms)},
                        {"time_to_recover_ms", opt(r.time_to_recover_ms)},
                        {"open_risks", std::move(risks)}};
  return boost::json::serialize(o) + "\n";
}

}  // namespace llmgw::ctl
