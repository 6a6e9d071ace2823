// The REST edge: OpenAI-compatible routes (and Anthropic's /v1/messages) on the HTTP
// server, answered through the Gateway core. One instance per gateway process.
#pragma once

#include <functional>
#include <memory>

#include "llmgw/http/server.h"
#include "services/gateway/gateway.h"

namespace prometheus {
class Registry;
}

namespace llmgw::slo {
class Gauges;
}

namespace llmgw::gateway {

struct RequestScope;

class RestApi {
 public:
  RestApi(Gateway& gateway, prometheus::Registry& registry);
  ~RestApi();

  // The handler to give http::Server.
  void Handle(std::shared_ptr<http::Exchange> exchange);

  // Runs before each /metrics body is rendered (gauges of services in this process that
  // are read rather than kept, such as the router's deployments under `--target all`).
  // Set before the HTTP server starts.
  void SetMetricsRefresh(std::function<void()> refresh) { refresh_metrics_ = std::move(refresh); }

  // The body of responses the HTTP server makes itself (413, 431, 503 while draining).
  static http::Response ServerErrorResponse(int status, std::string message);

  struct Metrics;

 private:
  // The wire format of an inference route: OpenAI's Chat Completions, its legacy text
  // Completions (served over chat), or Anthropic's Messages.
  enum class Dialect { kOpenAI, kCompletions, kAnthropic };

  void HandleChat(std::shared_ptr<http::Exchange> ex, std::string path_model, Dialect dialect);
  void Dispatch(std::shared_ptr<http::Exchange> ex, std::shared_ptr<RequestScope> scope,
                const common::v1::Principal& principal, common::v1::ChatCompletionRequest request,
                std::shared_ptr<RateLease> lease, std::shared_ptr<Bill> bill, Dialect dialect);
  void HandleModels(std::shared_ptr<http::Exchange> ex);
  // /v1/embeddings (and Azure's /openai/deployments/{model}/embeddings).
  void HandleEmbeddings(std::shared_ptr<http::Exchange> ex, std::string path_model);
  // The admin API (/key/*, /team/*, /user/*): false when `ex` is not one of its routes.
  bool HandleAdmin(const std::shared_ptr<http::Exchange>& ex);
  // /spend/logs and /global/spend/report: false when `ex` is neither.
  bool HandleSpend(const std::shared_ptr<http::Exchange>& ex);
  // /cache/ping, /cache/delete, /cache/flushall: false when `ex` is none of them.
  bool HandleCache(const std::shared_ptr<http::Exchange>& ex);
  // GET /health: per-deployment health from the router (rest_health.cc).
  bool HandleHealth(const std::shared_ptr<http::Exchange>& ex);
  // GET /health/readiness: the health aggregator's verdict (rest_health.cc).
  void HandleReadiness(const std::shared_ptr<http::Exchange>& ex);

  Gateway& gateway_;
  prometheus::Registry& registry_;
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<slo::Gauges> slo_gauges_;
  std::function<void()> refresh_metrics_;
};

}  // namespace llmgw::gateway
