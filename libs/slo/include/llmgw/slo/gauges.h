// The evaluated objectives as Prometheus gauges (llmgw_slo_*{indicator}), set from a
// snapshot just before /metrics is rendered.
#pragma once

#include <vector>

#include "llmgw/slo/evaluate.h"
#include "llmgw/telemetry/prometheus_fwd.h"


namespace llmgw::slo {

class Gauges {
 public:
  explicit Gauges(prometheus::Registry& registry);
  void Set(const std::vector<Indicator>& indicators);

 private:
  prometheus::Family<prometheus::Gauge>& current_;
  prometheus::Family<prometheus::Gauge>& target_;
  prometheus::Family<prometheus::Gauge>& remaining_;
  prometheus::Family<prometheus::Gauge>& burn_;
  prometheus::Family<prometheus::Gauge>& met_;
};

}  // namespace llmgw::slo
