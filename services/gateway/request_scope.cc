#include "services/gateway/request_scope.h"

#include <algorithm>
#include <cstdio>

#include "google/protobuf/util/time_util.h"
#include "llmgw/providers/anthropic_inbound.h"

namespace llmgw::gateway {

std::string UsdText(int64_t micros) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6f", static_cast<double>(micros) / 1e6);
  return buf;
}

std::string AzureDeploymentModel(const std::string& path, std::string_view operation) {
  constexpr std::string_view kPrefix = "/openai/deployments/";
  std::string_view p = path;
  if (!p.starts_with(kPrefix) || !p.ends_with(operation) || p.size() <= kPrefix.size() + operation.size()) {
    return "";
  }
  return std::string(p.substr(kPrefix.size(), p.size() - kPrefix.size() - operation.size()));
}

RequestScope::RequestScope(const http::Request& r, std::string route_name, RestApi::Metrics* m)
    : route(std::move(route_name)), metrics(m) {
  request_id = std::string(r.Header("x-request-id"));
  if (!IsValidRequestId(request_id)) request_id = NewRequestId();
  // An invalid traceparent starts a new trace, and its tracestate goes with it.
  auto incoming = telemetry::ParseTraceparent(r.Header("traceparent"));
  if (incoming) incoming->tracestate = telemetry::SanitizeTracestate(r.Header("tracestate"));
  span = telemetry::StartSpan(telemetry::SpanName({r.method, " ", route}), telemetry::SpanKind::kServer,
                              incoming ? &*incoming : nullptr, incoming.has_value());
  if (span.recording()) {
    span.SetAttribute("http.request.method", r.method);
    span.SetAttribute("url.path", r.path);
    span.SetAttribute("url.scheme", "http");
    span.SetAttribute("http.route", route);
    span.SetAttribute("llmgw.request_id", request_id);
  }
  trace = span.context();
  call = {.request_id = request_id, .traceparent = trace.ToTraceparent(), .tracestate = trace.tracestate};
}

void RequestScope::EndSpan(int status, const std::string& model) const {
  if (!span.recording()) return;
  span.SetAttribute("http.response.status_code", status);
  if (!model.empty()) span.SetAttribute("llmgw.model_group", model);
  // 5xx are the server's errors; 4xx leave the status unset.
  if (status >= 500 || failed_midstream) {
    span.SetAttribute("error.type", failed_midstream ? std::string("stream_failed") : std::to_string(status));
    span.SetError(failed_midstream ? "the stream failed after it started" : "server error");
  }
  span.End();
}

Timing MeasureTiming(Clock::time_point start, const router::v1::DispatchInfo& info) {
  using google::protobuf::util::TimeUtil;
  double total_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  const auto& upstream = info.has_time_to_first_chunk() ? info.time_to_first_chunk() : info.upstream_latency();
  double upstream_ms = static_cast<double>(TimeUtil::DurationToMicroseconds(upstream)) / 1000.0;
  return {.total_ms = total_ms, .overhead_ms = std::max(0.0, total_ms - upstream_ms)};
}

void RequestScope::AddDispatchHeaders(const router::v1::DispatchInfo& info) {
  auto& h = extra_headers;
  h.emplace_back("x-litellm-model-id", info.deployment_id());
  h.emplace_back("x-litellm-model-group", info.model_group());
  if (!info.api_base().empty()) h.emplace_back("x-litellm-model-api-base", info.api_base());
  h.emplace_back("x-litellm-attempted-retries", std::to_string(info.retries()));
  h.emplace_back("x-litellm-attempted-fallbacks", std::to_string(info.fallbacks()));
  if (info.cache_hit()) h.emplace_back("x-litellm-cache-key", info.cache_key());
  Timing t = MeasureTiming(start, info);
  overhead_micros = t.OverheadMicros();
  upstream_seconds = (t.total_ms - t.overhead_ms) / 1000;
  if (info.has_time_to_first_chunk()) first_token_seconds = t.total_ms / 1000;
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3f", t.total_ms);
  h.emplace_back("x-litellm-response-duration-ms", buf);
  std::snprintf(buf, sizeof(buf), "%.3f", t.overhead_ms);
  h.emplace_back("x-litellm-overhead-duration-ms", buf);
}

void RequestScope::AddCost(http::Response& r, int64_t micros) {
  r.headers.emplace_back("x-litellm-response-cost", UsdText(micros));
  cost_micros = micros;
}

void RequestScope::ObserveInference(int status, const std::string& model, double seconds) const {
  bool ok = status < 400;
  std::optional<double> overhead;
  if (ok && overhead_micros) overhead = static_cast<double>(*overhead_micros) / 1e6;
  metrics->Observe({.model = model,
                    .team = team,
                    .status = status,
                    .error_type = error_type,
                    .total_seconds = seconds,
                    .overhead_seconds = overhead,
                    .api_seconds = ok ? upstream_seconds : std::nullopt,
                    .first_token_seconds = ok ? first_token_seconds : std::nullopt});
}

slo::Sample RequestScope::SloSample(int status) const {
  auto outcome = slo::Sample::OutcomeOf(status, failed_midstream);
  if (outcome != slo::Sample::Outcome::kSucceeded) return {.outcome = outcome};
  return {.outcome = outcome, .overhead_micros = overhead_micros, .cost_micros = cost_micros};
}

namespace {

// The same status and headers, with Anthropic's error body.
void ToAnthropic(http::Response& r, std::string_view message) {
  r.body = providers::AnthropicErrorJson(r.status, message);
}

}  // namespace

void RespondError(const std::shared_ptr<http::Exchange>& ex, const RequestScope& scope,
                  const absl::Status& status, const std::string& model) {
  http::Response r = ErrorResponse(status);
  scope.error_type = RowFor(status).type;
  if (scope.anthropic_errors) ToAnthropic(r, std::string(status.message()));
  for (auto& h : scope.Headers()) r.headers.push_back(std::move(h));
  scope.Done(r.status, model);
  ex->Respond(std::move(r));
}

void RespondRow(const std::shared_ptr<http::Exchange>& ex, const RequestScope& scope,
                const ErrorRow& row, const std::string& message) {
  http::Response r = ErrorResponse(row, message);
  scope.error_type = row.type;
  if (scope.anthropic_errors) ToAnthropic(r, message);
  for (auto& h : scope.Headers()) r.headers.push_back(std::move(h));
  scope.Done(r.status);
  ex->Respond(std::move(r));
}

}  // namespace llmgw::gateway
