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
#include "services/gateway/rest_api.h"

namespace llmgw::gateway {

struct RestApi::Metrics {
  // `model_groups`: the configured groups; any other requested model is labelled "other"
  // (a client must not be able to grow the label set).
  Metrics(prometheus::Registry& r, std::unordered_set<std::string> model_groups);
  const std::unordered_set<std::string> model_groups;
  const std::string& ModelLabel(const std::string& model) const;

  prometheus::Family<prometheus::Counter>& requests;
  prometheus::Family<prometheus::Histogram>& duration;
  prometheus::Family<prometheus::Counter>& total_requests;
  prometheus::Family<prometheus::Counter>& failed_requests;
  prometheus::Family<prometheus::Histogram>& total_latency;
  prometheus::Family<prometheus::Histogram>& overhead_latency;
  prometheus::Family<prometheus::Histogram>& api_latency;
  prometheus::Family<prometheus::Histogram>& time_to_first_token;
  prometheus::Family<prometheus::Counter>& input_tokens;
  prometheus::Family<prometheus::Counter>& output_tokens;
  prometheus::Family<prometheus::Counter>& spend;
  prometheus::Family<prometheus::Counter>& fallbacks;

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
