// The `sla:` objectives evaluated from counts (docs/sla.md): the value now, the target,
// the error budget left over the window and the burn rate over the recent window.
#pragma once

#include <string>
#include <vector>

#include "llmgw/config/config.h"
#include "llmgw/slo/counts.h"

namespace llmgw::slo {

// The share of timed requests allowed above max_p95_overhead_ms: what a p95 means.
inline constexpr double kSlowAllowance = 0.05;

struct Indicator {
  std::string name;  // availability, p95_overhead, cost_per_call
  std::string unit;  // percent, ms, usd
  double current = 0;
  double target = 0;
  double error_budget_remaining = 1;  // 1 untouched, 0 spent, < 0 overspent
  double burn_rate = 0;               // 1: the budget lasts exactly the window
  int64_t samples = 0;
  bool met = true;
};

// One indicator per objective `sla` sets, in the order above.
std::vector<Indicator> Evaluate(const config::Sla& sla, const Counts& window, const Counts& recent);

}  // namespace llmgw::slo
