#include "llmgw/telemetry/metrics.h"

#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace llmgw::telemetry {

std::string RenderMetrics(const prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

const std::vector<double>& LatencyBuckets() {
  static const std::vector<double> buckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                              0.01,   0.025,   0.05,   0.1,   0.25,   0.5,
                                              1,      2.5,     5,      10,    30,     60};
  return buckets;
}

}  // namespace llmgw::telemetry
