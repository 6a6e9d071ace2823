#include "services/router/router_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace llmgw::router {
namespace {

// LiteLLM's litellm_deployment_state: 0 healthy, 1 partial outage, 2 complete outage.
double StateValue(const v1::Deployment& d) {
  if (d.state() == v1::DEPLOYMENT_STATE_COOLDOWN || d.has_forced_fail_until()) return 2;
  if (d.state() == v1::DEPLOYMENT_STATE_HALF_OPEN || (d.has_health_check() && !d.health_check().healthy())) return 1;
  return 0;
}

}  // namespace

RouterMetrics::RouterMetrics(prometheus::Registry& r)
    : state_(prometheus::BuildGauge()
                 .Name("llmgw_deployment_state")
                 .Help("Deployment state as LiteLLM reports it: 0 healthy, 1 partial (half-open, or failing its "
                       "background check), 2 outage (cooling down or forced to fail).")
                 .Register(r)),
      in_flight_(prometheus::BuildGauge()
                     .Name("llmgw_deployment_in_flight")
                     .Help("Provider calls in progress on the deployment.")
                     .Register(r)),
      cooled_down_(prometheus::BuildCounter()
                       .Name("llmgw_deployment_cooled_down_total")
                       .Help("Cooldowns the deployment entered (automatic and by operators).")
                       .Register(r)) {}

void RouterMetrics::Refresh(const v1::ListDeploymentsResponse& list) {
  std::lock_guard lock(mu_);
  for (const auto& d : list.deployments()) {
    const prometheus::Labels labels{{"model_group", d.model_group()}, {"deployment", d.id()}};
    state_.Add(labels).Set(StateValue(d));
    in_flight_.Add(labels).Set(static_cast<double>(d.in_flight()));
    int64_t& seen = cooldowns_seen_[d.id()];
    auto& counter = cooled_down_.Add(labels);
    if (d.cooldowns() > seen) counter.Increment(static_cast<double>(d.cooldowns() - seen));
    seen = d.cooldowns();
  }
}

}  // namespace llmgw::router
