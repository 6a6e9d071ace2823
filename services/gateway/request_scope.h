// Internal to the REST edge: the per-request scope (ids, trace, timing, metrics, access
// log) and the error responses every route sends, shared by the inference and admin
// routes.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "llmgw/common/ids.h"
#include "llmgw/http/server.h"
#include "llmgw/router/v1/router.pb.h"
#include "llmgw/rpc/call_context.h"
#include "llmgw/slo/recorder.h"
#include "llmgw/telemetry/log.h"
#include "llmgw/telemetry/metrics.h"
#include "llmgw/telemetry/trace_context.h"
#include "llmgw/telemetry/tracing.h"
#include "services/gateway/error_table.h"
#include "services/gateway/gateway_metrics.h"
#include "services/gateway/rest_api.h"

namespace llmgw::gateway {

using Clock = std::chrono::steady_clock;

// So far: the whole call for a response, the time to the first chunk for a stream; the
// overhead is what the provider's time leaves of it.
struct Timing {
  double total_ms = 0;
  double overhead_ms = 0;
  int64_t OverheadMicros() const { return static_cast<int64_t>(overhead_ms * 1000); }
};
Timing MeasureTiming(Clock::time_point start, const router::v1::DispatchInfo& info);

// Per request: ids, timing, and the access-log line written when it ends.
struct RequestScope {
  std::string route;
  std::string request_id;
  telemetry::TraceContext trace;  // this hop's span: span's context
  rpc::CallContext call;          // what goes downstream
  Clock::time_point start = Clock::now();
  RestApi::Metrics* metrics = nullptr;

  // The HTTP server span (HTTP semantic conventions), child of the client's traceparent or
  // a new trace; ended by Done.
  mutable telemetry::Span span;

  RequestScope(const http::Request& r, std::string route_name, RestApi::Metrics* m);

  // Rate-limit headers, once admission has decided.
  http::HeaderList extra_headers;
  // Errors in Anthropic's body (`/v1/messages`) instead of OpenAI's.
  bool anthropic_errors = false;

  http::HeaderList Headers() const {
    http::HeaderList h = {{"x-request-id", request_id}, {"traceparent", trace.ToTraceparent()}};
    h.insert(h.end(), extra_headers.begin(), extra_headers.end());
    return h;
  }

  // LiteLLM's x-litellm-* headers describing how the router served the request; notes
  // its overhead for the SLO.
  void AddDispatchHeaders(const router::v1::DispatchInfo& info);

  // Inference routes: the request counts for the SLO and the per-model metrics when it
  // ends (Done).
  slo::Recorder* slo = nullptr;
  std::string team;  // the caller's, once admitted
  std::optional<int64_t> overhead_micros;
  std::optional<double> upstream_seconds;
  std::optional<double> first_token_seconds;  // streams
  std::optional<int64_t> cost_micros;
  bool failed_midstream = false;  // answered 200, then the stream failed
  mutable std::string error_type;  // set by the error responses

  void Done(int status, const std::string& model = "", const std::string& deployment = "") const {
    if (slo) slo->Record(SloSample(status));
    EndSpan(status, model);
    double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    metrics->requests.Get({route, std::to_string(status)}).Increment();
    metrics->duration.Get({route}, telemetry::LatencyBuckets()).Observe(seconds);
    if (slo) ObserveInference(status, model, seconds);
    log::Info("request", {{"request_id", request_id},
                          {"trace_id", trace.trace_id},
                          {"span_id", trace.span_id},
                          {"route", route},
                          {"status", status},
                          {"duration_ms", seconds * 1000},
                          {"model", model},
                          {"deployment", deployment}});
  }

  // x-litellm-response-cost on `r`; the cost counts for the SLO.
  void AddCost(http::Response& r, int64_t micros);

  // Tokens and spend of the provider's answer, for the metrics.
  void CountUsage(const std::string& model, const router::v1::DispatchInfo& info) const {
    metrics->ObserveUsage(model, team, info);
  }

  slo::Sample SloSample(int status) const;
  void EndSpan(int status, const std::string& model) const;
  void ObserveInference(int status, const std::string& model, double seconds) const;
};
// USD with six decimals, for x-litellm-response-cost.
std::string UsdText(int64_t micros);
// "/openai/deployments/{model}{operation}" (Azure SDKs) -> "{model}"; "" for other paths.
std::string AzureDeploymentModel(const std::string& path, std::string_view operation);

void RespondError(const std::shared_ptr<http::Exchange>& ex, const RequestScope& scope,
                  const absl::Status& status, const std::string& model = "");
void RespondRow(const std::shared_ptr<http::Exchange>& ex, const RequestScope& scope,
                const ErrorRow& row, const std::string& message);

}  // namespace llmgw::gateway
