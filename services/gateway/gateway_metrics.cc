#include "services/gateway/gateway_metrics.h"

#include <cstdio>

#include "llmgw/telemetry/metrics.h"

namespace llmgw::gateway {
namespace {

prometheus::Family<prometheus::Counter>& Counter(prometheus::Registry& r, const char* name, const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r);
}
prometheus::Family<prometheus::Histogram>& Histogram(prometheus::Registry& r, const char* name, const char* help) {
  return prometheus::BuildHistogram().Name(name).Help(help).Register(r);
}

}  // namespace

RestApi::Metrics::Metrics(prometheus::Registry& r, std::unordered_set<std::string> groups)
    : model_groups(std::move(groups)),
      requests(Counter(r, "llmgw_http_requests_total", "HTTP requests answered by the gateway, by route and status."),
               {"route", "code"}),
      duration(Histogram(r, "llmgw_http_request_duration_seconds",
                         "Time from a request's arrival to its last byte, by route."), {"route"}),
      total_requests(Counter(r, "llmgw_proxy_total_requests_metric_total",
                             "Inference requests answered, by model group, team and status code."), {"requested_model", "team", "status_code"}),
      failed_requests(Counter(r, "llmgw_proxy_failed_requests_metric_total",
                              "Inference requests answered with an error, by model group, team, status and error type."), {"requested_model", "team", "exception_status", "exception_class"}),
      total_latency(Histogram(r, "llmgw_request_total_latency_metric",
                              "Seconds from an inference request's arrival to its last byte, by model group."), {"requested_model"}),
      overhead_latency(Histogram(r, "llmgw_overhead_latency_metric",
                                 "Seconds the gateway added beside the provider's time, by model group."), {"requested_model"}),
      api_latency(Histogram(r, "llmgw_llm_api_latency_metric",
                            "Seconds the provider took (to the first chunk for a stream), by model group."), {"requested_model"}),
      time_to_first_token(Histogram(r, "llmgw_llm_api_time_to_first_token_metric",
                                    "Seconds from a stream's arrival to its first chunk, by model group."), {"requested_model"}),
      input_tokens(Counter(r, "llmgw_input_tokens_metric_total", "Prompt tokens providers reported, by model group and team."), {"requested_model", "team"}),
      output_tokens(Counter(r, "llmgw_output_tokens_metric_total",
                            "Completion tokens providers reported, by model group and team."), {"requested_model", "team"}),
      spend(Counter(r, "llmgw_spend_metric_total", "USD spent on provider calls, by model group and team."), {"requested_model", "team"}),
      fallbacks(Counter(r, "llmgw_deployment_successful_fallbacks_total",
                        "Requests a fallback group answered, by the group asked for and the one that answered."), {"requested_model", "fallback_model"}) {}

const std::string& RestApi::Metrics::ModelLabel(const std::string& model) const {
  static const std::string kOther = "other";
  return model_groups.count(model) ? model : kOther;
}

void RestApi::Metrics::Observe(const Inference& i) {
  const auto& buckets = telemetry::LatencyBuckets();
  const std::string& model = ModelLabel(i.model);
  char status[12];
  std::snprintf(status, sizeof status, "%d", i.status);
  total_requests.Get({model, i.team, status}).Increment();
  if (i.status >= 400) failed_requests.Get({model, i.team, status, i.error_type}).Increment();
  total_latency.Get({model}, buckets).Observe(i.total_seconds);
  if (i.overhead_seconds) overhead_latency.Get({model}, buckets).Observe(*i.overhead_seconds);
  if (i.api_seconds) api_latency.Get({model}, buckets).Observe(*i.api_seconds);
  if (i.first_token_seconds) time_to_first_token.Get({model}, buckets).Observe(*i.first_token_seconds);
}

void RestApi::Metrics::ObserveUsage(const std::string& model, const std::string& team,
                                    const router::v1::DispatchInfo& info) {
  const std::string& label = ModelLabel(model);
  if (info.cost().micros() > 0) spend.Get({label, team}).Increment(static_cast<double>(info.cost().micros()) / 1e6);
  if (info.fallbacks() > 0) fallbacks.Get({label, ModelLabel(info.model_group())}).Increment();
  if (info.cache_hit()) return;
  const common::v1::Usage& u = info.usage();
  if (u.prompt_tokens() > 0) input_tokens.Get({label, team}).Increment(static_cast<double>(u.prompt_tokens()));
  if (u.completion_tokens() > 0) output_tokens.Get({label, team}).Increment(static_cast<double>(u.completion_tokens()));
}

}  // namespace llmgw::gateway
