// A failover drill's numbers: what the synthetic traffic saw before, during and after one
// deployment was made to fail, and the readiness sign-off table that a person signs.
// Pure (no I/O), so the definitions below are tested on their own.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace llmgw::ctl {

// One synthetic request, timed from the drill's start.
struct DrillSample {
  double start_ms = 0;
  double latency_ms = 0;
  int status = 0;             // HTTP status; 0 when no answer came
  std::string deployment_id;  // x-litellm-model-id
  std::string model_group;    // x-litellm-model-group
};

struct DrillReport {
  std::string date;  // UTC, ISO 8601
  std::string failed_deployment;
  std::string failed_group;
  // The deployment (group/id) that answered most while the failed one was down; empty when
  // no other deployment answered.
  std::string fallback;
  int requests = 0;
  int errors_baseline = 0, errors_failure = 0, errors_recovery = 0;
  std::optional<double> p50_baseline, p95_baseline, p50_failure, p95_failure;
  // From the failure to the first answer, started after it, from another deployment.
  std::optional<double> time_to_shift_ms;
  // From the end of the failure to the first answer from the failed deployment again.
  std::optional<double> time_to_recover_ms;
  double recover_timeout_ms = 0;
  std::vector<std::string> risks;
};

// `fail_at` / `fail_end`: when the failure was injected and when it ended (ms from start).
DrillReport Summarize(const std::vector<DrillSample>& samples, const std::string& failed_id,
                      const std::string& failed_group, double fail_at, double fail_end,
                      double recover_timeout_ms, std::string date);

// The sign-off table as Markdown.
std::string SignOffMarkdown(const DrillReport& r);
std::string SignOffJson(const DrillReport& r);

}  // namespace llmgw::ctl
