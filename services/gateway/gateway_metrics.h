// The REST edge's Prometheus metrics. Per route: requests and duration. Per inference
// request, under LiteLLM's names (litellm_ becomes llmgw_, so its dashboards carry over):
// requests and failures, total, overhead, provider and first-token latency, tokens and
// spend (counters end in _total, as LiteLLM's do once prometheus_client exposes them).
// Labels stay bounded: the model group, the team, status and error type; never a
// key, a user or an end user.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <string>
#include <unordered_set>

#include "llmgw/router/v1/router.pb.h"
#include "llmgw/telemetry/series_cache.h"
#include "services/gateway/rest_api.h"

namespace llmgw::gateway {

struct RestApi::Metrics {
  // `model_groups`: the configured groups; any other requested model is labelled "other"
  // (a client must not be able to grow the label set).
  Metrics(prometheus::Registry& r, std::unordered_set<std::string> model_groups);
  const std::unordered_set<std::string> model_groups;
  const std::string& ModelLabel(const std::string& model) const;

  // Each family's series, by label values (telemetry/series_cache.h says why).
  using Counters = telemetry::SeriesCache<prometheus::Counter>;
  using Histograms = telemetry::SeriesCache<prometheus::Histogram>;
  Counters requests;             // route, code
  Histograms duration;           // route
  Counters total_requests;       // requested_model, team, status_code
  Counters failed_requests;      // requested_model, team, exception_status, exception_class
  Histograms total_latency;      // requested_model
  Histograms overhead_latency;   // requested_model
  Histograms api_latency;        // requested_model
  Histograms time_to_first_token;  // requested_model
  Counters input_tokens;         // requested_model, team
  Counters output_tokens;        // requested_model, team
  Counters spend;                // requested_model, team
  Counters fallbacks;            // requested_model, fallback_model

  // What one inference request measured, observed when it ends.
  struct Inference {
    const std::string& model;  // the requested model group ("" before it is known)
    const std::string& team;   // "" for keys without a team
    int status;
    const std::string& error_type;  // "" unless it failed
    double total_seconds;
    std::optional<double> overhead_seconds;
    std::optional<double> api_seconds;
    std::optional<double> first_token_seconds;
  };
  void Observe(const Inference& i);
  // Tokens and spend a provider answer reported (nothing for cache hits' tokens).
  void ObserveUsage(const std::string& model, const std::string& team, const router::v1::DispatchInfo& info);
};

}  // namespace llmgw::gateway
