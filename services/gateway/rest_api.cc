#include "services/gateway/rest_api.h"

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "llmgw/common/error.h"
#include "llmgw/common/ids.h"
#include "llmgw/http/sse.h"
#include "llmgw/providers/anthropic_inbound.h"
#include "llmgw/providers/openai_json.h"
#include "llmgw/providers/tokens.h"
#include "llmgw/slo/evaluate.h"
#include "llmgw/slo/gauges.h"
#include "llmgw/telemetry/log.h"
#include "llmgw/telemetry/metrics.h"
#include "llmgw/telemetry/trace_context.h"
#include "services/gateway/error_table.h"
#include "services/gateway/request_scope.h"

namespace llmgw::gateway {

namespace {

// How a stream is written in a route's wire format.
class StreamFormat {
 public:
  virtual ~StreamFormat() = default;
  // SSE text for a chunk; empty to send nothing.
  virtual std::string Chunk(const common::v1::ChatCompletionChunk& chunk) = 0;
  virtual std::string End() = 0;
  virtual std::string Error(const absl::Status& status) = 0;
};

class OpenAIStream final : public StreamFormat {
 public:
  explicit OpenAIStream(bool include_usage) : include_usage_(include_usage) {}
  std::string Chunk(const common::v1::ChatCompletionChunk& chunk) override {
    // Usage is always asked of the provider, for accounting; this client may not want it.
    if (chunk.choices_size() == 0 && chunk.has_usage() && !include_usage_) return "";
    return http::SseData(providers::ChatChunkToJson(chunk, include_usage_));
  }
  std::string End() override { return "data: [DONE]\n\n"; }
  // Headers are long gone: the error travels as an event, as OpenAI does.
  std::string Error(const absl::Status& status) override { return http::SseData(ErrorJson(status)); }

 private:
  bool include_usage_;
};

class CompletionsStream final : public StreamFormat {
 public:
  explicit CompletionsStream(bool include_usage) : include_usage_(include_usage) {}
  std::string Chunk(const common::v1::ChatCompletionChunk& chunk) override {
    if (chunk.choices_size() == 0 && chunk.has_usage() && !include_usage_) return "";
    // The role-only opening chunk has no text to give.
    if (chunk.choices_size() == 1 && chunk.choices(0).delta().text().empty() &&
        chunk.choices(0).finish_reason().empty()) {
      return "";
    }
    return http::SseData(providers::CompletionChunkToJson(chunk, include_usage_));
  }
  std::string End() override { return "data: [DONE]\n\n"; }
  std::string Error(const absl::Status& status) override { return http::SseData(ErrorJson(status)); }

 private:
  bool include_usage_;
};

class AnthropicStream final : public StreamFormat {
 public:
  std::string Chunk(const common::v1::ChatCompletionChunk& chunk) override { return encoder_.Chunk(chunk); }
  std::string End() override { return encoder_.End(); }
  std::string Error(const absl::Status& status) override {
    return encoder_.Error(RowFor(status).status, std::string(status.message()));
  }

 private:
  providers::AnthropicStreamEncoder encoder_;
};

// Relays router chunks to the client as SSE, one write at a time.
class SseRelay final : public StreamObserver, public std::enable_shared_from_this<SseRelay> {
 public:
  SseRelay(std::shared_ptr<http::Exchange> ex, std::shared_ptr<RequestScope> scope,
           std::unique_ptr<StreamFormat> format, std::string model,
           std::shared_ptr<RateLease> lease, std::shared_ptr<Bill> bill)
      : ex_(std::move(ex)), scope_(std::move(scope)), format_(std::move(format)),
        model_(std::move(model)), lease_(std::move(lease)), bill_(std::move(bill)) {}

  void SetControl(std::shared_ptr<CallControl> control) { control_ = std::move(control); }

  void OnChunk(common::v1::ChatCompletionChunk chunk, std::function<void()> next) override {
    std::string text = format_->Chunk(chunk);
    if (text.empty()) {
      next();
      return;
    }
    Begin();
    for (const auto& c : chunk.choices()) {
      if (c.delta().has_text()) relayed_tokens_ += providers::EstimateTextTokens(c.delta().text());
      for (const auto& t : c.delta().tool_calls()) relayed_tokens_ += providers::EstimateTextTokens(t.function().arguments());
    }
    auto self = shared_from_this();
    ex_->Write(std::move(text),
               [self, next = std::move(next)](bool ok) {
                 if (!ok) self->control_->Cancel();  // the client is gone
                 next();
               });
  }

  void OnStarted(const router::v1::DispatchInfo& started) override {
    if (!started_) scope_->AddDispatchHeaders(started);
  }

  void OnDone(absl::Status status, router::v1::DispatchInfo info) override {
    scope_->CountUsage(model_, info);
    if (lease_) lease_->Finish(UpstreamTokens(info));  // the slot frees as the stream ends
    // A client that left mid-stream is billed what was relayed to it (estimated).
    bill_->Settle(info, status, relayed_tokens_);
    if (!started_ && !status.ok()) {
      if (status.code() == absl::StatusCode::kCancelled && ex_->cancelled()) {
        scope_->Done(499, model_, info.deployment_id());
        ex_->Respond({});
        return;
      }
      RespondError(ex_, *scope_, status, model_);
      return;
    }
    Begin();
    if (!status.ok()) {
      scope_->failed_midstream = !ex_->cancelled();
      ex_->Write(format_->Error(status));
      log::Warn("stream failed", {{"request_id", scope_->request_id},
                                  {"deployment", info.deployment_id()},
                                  {"error", std::string(status.message())}});
    } else {
      scope_->cost_micros = info.cost().micros();
      ex_->Write(format_->End());
    }
    ex_->End();
    scope_->Done(ex_->cancelled() ? 499 : 200, model_, info.deployment_id());
  }

 private:
  void Begin() {
    if (started_) return;
    started_ = true;
    ex_->BeginStream(200, scope_->Headers());
  }

  std::shared_ptr<http::Exchange> ex_;
  std::shared_ptr<RequestScope> scope_;
  std::unique_ptr<StreamFormat> format_;
  std::string model_;
  std::shared_ptr<RateLease> lease_;
  std::shared_ptr<Bill> bill_;
  int64_t relayed_tokens_ = 0;
  std::shared_ptr<CallControl> control_;
  bool started_ = false;
};

std::unordered_set<std::string> ModelGroups(const config::Config& c) {
  std::unordered_set<std::string> out;
  for (const auto& d : c.model_list) out.insert(d.model_name);
  return out;
}

}  // namespace

RestApi::RestApi(Gateway& gateway, prometheus::Registry& registry)
    : gateway_(gateway), registry_(registry), metrics_(std::make_unique<Metrics>(registry, ModelGroups(gateway.config()))),
      slo_gauges_(std::make_unique<slo::Gauges>(registry)) {}

RestApi::~RestApi() = default;

http::Response RestApi::ServerErrorResponse(int status, std::string message) {
  return ErrorResponse(HttpRow(status), message);
}

void RestApi::Handle(std::shared_ptr<http::Exchange> ex) {
  const http::Request& r = ex->request();
  const std::string& path = r.path;
  auto method_is = [&](const char* m) { return r.method == m; };
  auto not_allowed = [&](const std::string& route) {
    RequestScope scope(r, route, metrics_.get());
    RespondRow(ex, scope, HttpRow(405), absl::StrCat(r.method, " is not allowed on ", path));
  };

  std::string azure_model = AzureDeploymentModel(path, "/chat/completions");
  if (path == "/v1/chat/completions" || path == "/chat/completions" || !azure_model.empty()) {
    return method_is("POST") ? HandleChat(ex, azure_model, Dialect::kOpenAI)
                             : not_allowed("/v1/chat/completions");
  }
  if (std::string m = AzureDeploymentModel(path, "/embeddings");
      path == "/v1/embeddings" || path == "/embeddings" || !m.empty()) {
    return method_is("POST") ? HandleEmbeddings(ex, m) : not_allowed("/v1/embeddings");
  }
  if (std::string m = AzureDeploymentModel(path, "/completions");
      path == "/v1/completions" || path == "/completions" || !m.empty()) {
    return method_is("POST") ? HandleChat(ex, m, Dialect::kCompletions) : not_allowed("/v1/completions");
  }
  if (path == "/v1/messages") {
    return method_is("POST") ? HandleChat(ex, "", Dialect::kAnthropic) : not_allowed("/v1/messages");
  }
  if (path == "/v1/models" || path == "/models") {
    return method_is("GET") ? HandleModels(ex) : not_allowed("/v1/models");
  }
  if (HandleAdmin(ex)) return;
  if (HandleSpend(ex)) return;
  if (HandleCache(ex)) return;
  if (HandleHealth(ex)) return;
  if (path == "/health/readiness") {
    return method_is("GET") ? HandleReadiness(ex) : not_allowed("/health/readiness");
  }
  if (path == "/health/liveliness" || path == "/health/liveness") {
    // Process only: answers while the process can run its event loop.
    ex->Respond({.body = "\"I'm alive!\""});
    return;
  }
  if (path == "/metrics" && method_is("GET")) {
    if (refresh_metrics_) refresh_metrics_();
    auto snapshot = gateway_.slo().Take();
    slo_gauges_->Set(slo::Evaluate(gateway_.config().sla, snapshot.window, snapshot.recent));
    ex->Respond({.content_type = "text/plain; version=0.0.4",
                 .body = telemetry::RenderMetrics(registry_)});
    return;
  }
  RequestScope scope(r, "unknown", metrics_.get());
  RespondRow(ex, scope, HttpRow(404), absl::StrCat("no route ", r.method, " ", path));
}

void RestApi::HandleChat(std::shared_ptr<http::Exchange> ex, std::string path_model, Dialect dialect) {
  bool anthropic = dialect == Dialect::kAnthropic;
  const char* route = anthropic ? "/v1/messages"
                      : dialect == Dialect::kCompletions ? "/v1/completions"
                                                         : "/v1/chat/completions";
  auto scope = std::make_shared<RequestScope>(ex->request(), route, metrics_.get());
  scope->anthropic_errors = anthropic;
  scope->slo = &gateway_.slo();
  gateway_.Admit(
      KeyFromHeaders(ex->request()), scope->call, ex->request().path,
      [this, ex, scope, path_model, dialect, anthropic](absl::StatusOr<common::v1::Principal> principal) {
        if (!principal.ok()) return RespondError(ex, *scope, principal.status());
        scope->team = principal->team_id();
        // Azure-style paths name the model in the URL, which wins over the body.
        auto parsed = anthropic ? providers::ParseAnthropicRequest(ex->request().body)
                      : dialect == Dialect::kCompletions
                          ? providers::ParseCompletionRequest(ex->request().body, path_model)
                          : providers::ParseChatRequest(ex->request().body, path_model);
        if (!parsed.ok()) return RespondError(ex, *scope, parsed.status());
        auto request = std::make_shared<common::v1::ChatCompletionRequest>(std::move(*parsed));
        if (!path_model.empty()) request->set_model(path_model);
        const auto& l = gateway_.config().llmgw;
        auto lifetime = request->stream() ? l.max_stream_duration : l.request_timeout;
        auto p = std::make_shared<common::v1::Principal>(std::move(*principal));
        gateway_.Authorize(
            *p, *request, scope->call, lifetime,
            [this, ex, scope, p, request, lifetime, dialect](absl::StatusOr<std::shared_ptr<RateLease>> lease) {
              if (!lease.ok()) return RespondError(ex, *scope, lease.status(), request->model());
              std::shared_ptr<RateLease> held = std::move(*lease);
              gateway_.OpenBill(*p, *request, scope->call, lifetime,
                                [this, ex, scope, p, request, held, dialect](absl::StatusOr<std::shared_ptr<Bill>> bill) {
                                  if (!bill.ok()) {
                                    if (held) held->Finish(0);
                                    return RespondError(ex, *scope, bill.status(), request->model());
                                  }
                                  Dispatch(ex, scope, *p, std::move(*request), held, std::move(*bill), dialect);
                                });
            });
      });
}

void RestApi::Dispatch(std::shared_ptr<http::Exchange> ex, std::shared_ptr<RequestScope> scope,
                       const common::v1::Principal& principal, common::v1::ChatCompletionRequest request,
                       std::shared_ptr<RateLease> lease, std::shared_ptr<Bill> bill, Dialect dialect) {
  std::string model = request.model();
  if (lease) {
    for (auto& h : lease->Headers()) scope->extra_headers.push_back(std::move(h));
  }
  if (request.stream()) {
    std::unique_ptr<StreamFormat> format;
    if (dialect == Dialect::kAnthropic) {
      format = std::make_unique<AnthropicStream>();
    } else if (dialect == Dialect::kCompletions) {
      format = std::make_unique<CompletionsStream>(request.stream_options().include_usage());
    } else {
      format = std::make_unique<OpenAIStream>(request.stream_options().include_usage());
    }
    auto relay = std::make_shared<SseRelay>(ex, scope, std::move(format), model, lease, bill);
    auto control = gateway_.Stream(principal, std::move(request), scope->call, relay);
    relay->SetControl(control);
    ex->OnCancel([control] { control->Cancel(); });
    return;
  }
  auto ctx = gateway_.Complete(
      principal, std::move(request), scope->call,
      [this, ex, scope, model, lease, bill, dialect](absl::StatusOr<router::v1::RouteChatResponse> r) {
        if (lease) lease->Finish(r.ok() ? UpstreamTokens(r->dispatch()) : 0);
        bill->Settle(r.ok() ? r->dispatch() : router::v1::DispatchInfo(), r.status());
        if (!r.ok()) {
          if (r.status().code() == absl::StatusCode::kCancelled && ex->cancelled()) {
            scope->Done(499, model);
            return ex->Respond({});
          }
          return RespondError(ex, *scope, r.status(), model);
        }
        scope->CountUsage(model, r->dispatch());
        http::Response resp{.body = dialect == Dialect::kAnthropic
                                        ? providers::AnthropicResponseJson(r->completion())
                                    : dialect == Dialect::kCompletions
                                        ? providers::CompletionResponseToJson(r->completion())
                                        : providers::ChatResponseToJson(r->completion())};
        scope->AddDispatchHeaders(r->dispatch());
        resp.headers = scope->Headers();
        scope->AddCost(resp, r->dispatch().cost().micros());
        scope->Done(200, model, r->dispatch().deployment_id());
        ex->Respond(std::move(resp));
      });
  ex->OnCancel([ctx] { ctx->Cancel(); });
}

void RestApi::HandleModels(std::shared_ptr<http::Exchange> ex) {
  auto scope = std::make_shared<RequestScope>(ex->request(), "/v1/models", metrics_.get());
  gateway_.Admit(KeyFromHeaders(ex->request()), scope->call, ex->request().path,
                 [this, ex, scope](absl::StatusOr<common::v1::Principal> principal) {
                   if (!principal.ok()) return RespondError(ex, *scope, principal.status());
                   gateway_.ListModels(
                       *principal, scope->call,
                       [ex, scope](absl::StatusOr<std::vector<common::v1::Model>> models) {
                         if (!models.ok()) return RespondError(ex, *scope, models.status());
                         http::Response r{.body = providers::ModelListToJson(*models)};
                         r.headers = scope->Headers();
                         scope->Done(200);
                         ex->Respond(std::move(r));
                       });
                 });
}

}  // namespace llmgw::gateway
