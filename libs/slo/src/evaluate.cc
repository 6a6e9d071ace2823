#include "llmgw/slo/evaluate.h"

#include <algorithm>

namespace llmgw::slo {
namespace {

// A budget of zero (a 100% target) would divide by zero: any spending overspends it.
constexpr double kTinyBudget = 1e-9;

double Fraction(int64_t part, int64_t whole) {
  return whole == 0 ? 0 : static_cast<double>(part) / static_cast<double>(whole);
}

// Error budget left and burn rate when a share `allowed` of events may be bad.
void Budget(Indicator& i, double window_bad, double recent_bad, double allowed) {
  allowed = std::max(allowed, kTinyBudget);
  i.error_budget_remaining = 1 - window_bad / allowed;
  i.burn_rate = recent_bad / allowed;
  i.met = window_bad <= allowed;
}

}  // namespace

std::vector<Indicator> Evaluate(const config::Sla& sla, const Counts& w, const Counts& r) {
  std::vector<Indicator> out;
  if (sla.min_availability_pct) {
    Indicator i{.name = "availability", .unit = "percent", .target = *sla.min_availability_pct,
                .samples = w.requests};
    double bad = Fraction(w.failed, w.requests);
    i.current = 100 * (1 - bad);
    Budget(i, bad, Fraction(r.failed, r.requests), 1 - i.target / 100);
    out.push_back(i);
  }
  if (sla.max_p95_overhead_ms) {
    Indicator i{.name = "p95_overhead", .unit = "ms", .current = w.OverheadQuantileMs(0.95),
                .target = *sla.max_p95_overhead_ms, .samples = w.timed};
    Budget(i, Fraction(w.slow, w.timed), Fraction(r.slow, r.timed), kSlowAllowance);
    out.push_back(i);
  }
  if (sla.max_cost_per_call_usd) {
    Indicator i{.name = "cost_per_call", .unit = "usd", .target = *sla.max_cost_per_call_usd,
                .samples = w.costed};
    // The budget is the target itself: the mean cost spends it, the recent mean burns it.
    double mean = Fraction(w.cost_micros, w.costed) / 1e6;
    double recent = Fraction(r.cost_micros, r.costed) / 1e6;
    i.current = mean;
    i.error_budget_remaining = 1 - mean / i.target;
    i.burn_rate = recent / i.target;
    i.met = mean <= i.target;
    out.push_back(i);
  }
  return out;
}

}  // namespace llmgw::slo
