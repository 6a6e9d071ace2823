// Prometheus metrics: the process registry is created by the app and handed to whoever
// records; this renders it in the text exposition format for /metrics.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace prometheus {
class Registry;
}

namespace llmgw::telemetry {

std::string RenderMetrics(const prometheus::Registry& registry);

// Latency buckets in seconds, from 100 µs to 60 s, shared by every histogram.
const std::vector<double>& LatencyBuckets();

}  // namespace llmgw::telemetry
