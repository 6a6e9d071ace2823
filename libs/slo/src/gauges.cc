#include "llmgw/slo/gauges.h"

#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace llmgw::slo {
namespace {

prometheus::Family<prometheus::Gauge>& Family(prometheus::Registry& r, const char* name, const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r);
}

}  // namespace

Gauges::Gauges(prometheus::Registry& r)
    : current_(Family(r, "llmgw_slo_current",
                      "An sla: objective's value over its window (availability percent, p95 overhead ms, "
                      "cost per call USD).")),
      target_(Family(r, "llmgw_slo_target", "An sla: objective's target, in the unit of llmgw_slo_current.")),
      remaining_(Family(r, "llmgw_slo_error_budget_remaining",
                        "Share of the error budget left over the window: 1 untouched, 0 spent, below 0 overspent.")),
      burn_(Family(r, "llmgw_slo_burn_rate",
                   "How fast the budget is spent over the burn-rate window; 1 spends it exactly by the window's end.")),
      met_(Family(r, "llmgw_slo_met", "1 when the objective is met over its window.")) {}

void Gauges::Set(const std::vector<Indicator>& indicators) {
  for (const Indicator& i : indicators) {
    const prometheus::Labels labels{{"indicator", i.name}};
    current_.Add(labels).Set(i.current);
    target_.Add(labels).Set(i.target);
    remaining_.Add(labels).Set(i.error_budget_remaining);
    burn_.Add(labels).Set(i.burn_rate);
    met_.Add(labels).Set(i.met ? 1 : 0);
  }
}

}  // namespace llmgw::slo
