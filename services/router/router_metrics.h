// The router's deployments as Prometheus metrics, refreshed from ListDeployments just
// before /metrics is rendered: state (LiteLLM's 0 healthy, 1 partial, 2 outage), calls in
// flight and cooldowns entered.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "llmgw/router/v1/router.pb.h"
#include "llmgw/telemetry/prometheus_fwd.h"


namespace llmgw::router {

class RouterMetrics {
 public:
  explicit RouterMetrics(prometheus::Registry& registry);
  void Refresh(const v1::ListDeploymentsResponse& deployments);

 private:
  prometheus::Family<prometheus::Gauge>& state_;
  prometheus::Family<prometheus::Gauge>& in_flight_;
  prometheus::Family<prometheus::Counter>& cooled_down_;
  std::mutex mu_;
  std::map<std::string, int64_t> cooldowns_seen_;  // by deployment id, under mu_
};

}  // namespace llmgw::router
