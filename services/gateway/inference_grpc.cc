#include "services/gateway/inference_grpc.h"

#include <mutex>
#include <optional>

#include "absl/strings/str_cat.h"
#include "llmgw/common/cancel_latch.h"
#include "llmgw/common/error.h"
#include "llmgw/rpc/call_context.h"
#include "llmgw/rpc/status.h"
#include "services/gateway/authenticator.h"
#include "services/gateway/error_table.h"
#include "services/gateway/request_scope.h"

namespace llmgw::gateway {
namespace {

std::string KeyOf(const grpc::CallbackServerContext& ctx) {
  return KeyFromAuthorization(rpc::ClientMetadata(ctx, rpc::kAuthorizationKey));
}

absl::Status Draining() {
  return MakeError(absl::StatusCode::kUnavailable, common::v1::ERROR_KIND_OVERLOADED,
                   "the server is shutting down; retry on another instance",
                   {.retry_after = std::chrono::seconds(1)});
}

absl::Status Validate(const common::v1::ChatCompletionRequest& r) {
  if (r.model().empty()) {
    return MakeError(absl::StatusCode::kInvalidArgument, common::v1::ERROR_KIND_INVALID_REQUEST,
                     "model: you must provide a model parameter", {.param = "model"});
  }
  if (r.messages_size() == 0) {
    return MakeError(absl::StatusCode::kInvalidArgument, common::v1::ERROR_KIND_INVALID_REQUEST,
                     "messages: must be a non-empty array", {.param = "messages"});
  }
  return absl::OkStatus();
}

// What a call counts for the SLO, recorded when it ends, as RequestScope does for REST:
// by the HTTP status its error maps to, with the overhead and cost of a served call.
class SloCall {
 public:
  explicit SloCall(slo::Recorder& recorder) : recorder_(recorder) {}
  void Served(const router::v1::DispatchInfo& info) {
    if (!overhead_) overhead_ = MeasureTiming(start_, info).OverheadMicros();
    cost_ = info.cost().micros();
  }
  // A stream's first chunk: its overhead is measured to it.
  void Started(const router::v1::DispatchInfo& info) { overhead_ = MeasureTiming(start_, info).OverheadMicros(); }
  grpc::Status End(const absl::Status& status) {
    auto outcome = slo::Sample::OutcomeOf(status.ok() ? 200 : RowFor(status).status);
    if (outcome == slo::Sample::Outcome::kSucceeded) {
      recorder_.Record({.outcome = outcome, .overhead_micros = overhead_, .cost_micros = cost_});
    } else {
      recorder_.Record({.outcome = outcome});
    }
    return rpc::ToGrpcStatus(status);
  }

 private:
  slo::Recorder& recorder_;
  Clock::time_point start_ = Clock::now();
  std::optional<int64_t> overhead_;
  std::optional<int64_t> cost_;
};

class ChatReactor final : public grpc::ServerUnaryReactor {
 public:
  void Start(Gateway& gw, grpc::CallbackServerContext* ctx,
             const common::v1::ChatCompletionRequest* request,
             common::v1::ChatCompletionResponse* response) {
    // Draining answers are not counted, as the HTTP server's own 503s are not.
    if (gw.draining()) return Finish(rpc::ToGrpcStatus(Draining()));
    auto call = rpc::FromServerContext(*ctx);
    slo_.emplace(gw.slo());
    gw.Admit(KeyOf(*ctx), call, "/v1/chat/completions", [this, &gw, call, request, response](auto principal) {
      if (!principal.ok()) return Finish(slo_->End(principal.status()));
      if (absl::Status s = Validate(*request); !s.ok()) return Finish(slo_->End(s));
      auto r = std::make_shared<common::v1::ChatCompletionRequest>(*request);
      auto p = std::make_shared<common::v1::Principal>(std::move(*principal));
      gw.Authorize(*p, *r, call, gw.config().llmgw.request_timeout, [this, &gw, call, r, p, response](auto lease) {
        if (!lease.ok()) return Finish(slo_->End(lease.status()));
        std::shared_ptr<RateLease> held = *lease;
        gw.OpenBill(*p, *r, call, gw.config().llmgw.request_timeout, [this, &gw, call, r, p, response, held](auto bill) {
          if (!bill.ok()) {
            if (held) held->Finish(0);
            return Finish(slo_->End(bill.status()));
          }
          std::shared_ptr<Bill> b = *bill;
          auto upstream = gw.Complete(*p, *r, call, [this, response, held, b](auto res) {
            if (held) held->Finish(res.ok() ? UpstreamTokens(res->dispatch()) : 0);
            b->Settle(res.ok() ? res->dispatch() : router::v1::DispatchInfo(), res.status());
            if (res.ok()) {
              slo_->Served(res->dispatch());
              *response = std::move(*res->mutable_completion());
            }
            Finish(slo_->End(res.status()));
          });
          latch_.Arm([upstream] { upstream->Cancel(); });
        });
      });
    });
  }
  void OnCancel() override { latch_.Fire(); }
  void OnDone() override { delete this; }

 private:
  CancelLatch latch_;
  std::optional<SloCall> slo_;
};

class EmbedReactor final : public grpc::ServerUnaryReactor {
 public:
  void Start(Gateway& gw, grpc::CallbackServerContext* ctx, const common::v1::EmbeddingsRequest* request,
             common::v1::EmbeddingsResponse* response) {
    if (gw.draining()) return Finish(rpc::ToGrpcStatus(Draining()));
    auto call = rpc::FromServerContext(*ctx);
    slo_.emplace(gw.slo());
    gw.Admit(KeyOf(*ctx), call, "/v1/embeddings", [this, &gw, call, request, response](auto principal) {
      if (!principal.ok()) return Finish(slo_->End(principal.status()));
      if (request->model().empty() || request->inputs_size() == 0) {
        const char* param = request->model().empty() ? "model" : "inputs";
        return Finish(slo_->End(
            MakeError(absl::StatusCode::kInvalidArgument, common::v1::ERROR_KIND_INVALID_REQUEST,
                      absl::StrCat(param, ": required"), {.param = param})));
      }
      auto latch = gw.Embed(*principal, *request, call, [this, response](auto r) {
        if (r.ok()) {
          slo_->Served(r->routed.dispatch());
          *response = std::move(*r->routed.mutable_embeddings());
        }
        Finish(slo_->End(r.status()));
      });
      latch_.Arm([latch] { latch->Fire(); });
    });
  }
  void OnCancel() override { latch_.Fire(); }
  void OnDone() override { delete this; }

 private:
  CancelLatch latch_;
  std::optional<SloCall> slo_;
};

// Relays router chunks to the caller, one write at a time; the next router read starts
// when the write is done.
class StreamReactor final : public grpc::ServerWriteReactor<common::v1::ChatCompletionChunk> {
 public:
  struct Relay final : StreamObserver {
    StreamReactor* reactor;
    bool include_usage;
    std::shared_ptr<RateLease> lease;
    std::shared_ptr<Bill> bill;
    void OnChunk(common::v1::ChatCompletionChunk chunk, std::function<void()> next) override {
      if (chunk.choices_size() == 0 && chunk.has_usage() && !include_usage) return next();
      reactor->Send(std::move(chunk), std::move(next));
    }
    void OnStarted(const router::v1::DispatchInfo& started) override { reactor->slo_->Started(started); }
    void OnDone(absl::Status status, router::v1::DispatchInfo info) override {
      if (lease) lease->Finish(UpstreamTokens(info));
      bill->Settle(info, status);
      if (status.ok()) reactor->slo_->Served(info);
      reactor->Finish(reactor->slo_->End(status));
    }
  };

  void Start(Gateway& gw, grpc::CallbackServerContext* ctx,
             const common::v1::ChatCompletionRequest* request) {
    if (gw.draining()) return Finish(rpc::ToGrpcStatus(Draining()));
    auto call = rpc::FromServerContext(*ctx);
    slo_.emplace(gw.slo());
    gw.Admit(KeyOf(*ctx), call, "/v1/chat/completions", [this, &gw, call, request](auto principal) {
      if (!principal.ok()) return Finish(slo_->End(principal.status()));
      if (absl::Status s = Validate(*request); !s.ok()) return Finish(slo_->End(s));
      auto r = std::make_shared<common::v1::ChatCompletionRequest>(*request);
      r->set_stream(true);
      auto p = std::make_shared<common::v1::Principal>(std::move(*principal));
      gw.Authorize(*p, *r, call, gw.config().llmgw.max_stream_duration, [this, &gw, call, r, p](auto lease) {
        if (!lease.ok()) return Finish(slo_->End(lease.status()));
        std::shared_ptr<RateLease> held = *lease;
        gw.OpenBill(*p, *r, call, gw.config().llmgw.max_stream_duration, [this, &gw, call, r, p, held](auto bill) {
          if (!bill.ok()) {
            if (held) held->Finish(0);
            return Finish(slo_->End(bill.status()));
          }
          auto relay = std::make_shared<Relay>();
          relay->reactor = this;
          relay->include_usage = r->stream_options().include_usage();
          relay->lease = held;
          relay->bill = *bill;
          auto control = gw.Stream(*p, std::move(*r), call, relay);
          latch_.Arm([control] { control->Cancel(); });
        });
      });
    });
  }

  void Send(common::v1::ChatCompletionChunk chunk, std::function<void()> next) {
    chunk_ = std::move(chunk);
    next_ = std::move(next);
    StartWrite(&chunk_);
  }
  void OnWriteDone(bool ok) override {
    if (!ok) OnCancel();
    auto next = std::move(next_);
    next();
  }
  void OnCancel() override { latch_.Fire(); }
  void OnDone() override { delete this; }

 private:
  CancelLatch latch_;
  std::optional<SloCall> slo_;
  common::v1::ChatCompletionChunk chunk_;
  std::function<void()> next_;
};

}  // namespace

grpc::ServerUnaryReactor* InferenceGrpc::ChatCompletion(
    grpc::CallbackServerContext* ctx, const common::v1::ChatCompletionRequest* request,
    common::v1::ChatCompletionResponse* response) {
  auto* reactor = new ChatReactor();
  reactor->Start(gateway_, ctx, request, response);
  return reactor;
}

grpc::ServerUnaryReactor* InferenceGrpc::Embeddings(grpc::CallbackServerContext* ctx,
                                                     const common::v1::EmbeddingsRequest* request,
                                                     common::v1::EmbeddingsResponse* response) {
  auto* reactor = new EmbedReactor();
  reactor->Start(gateway_, ctx, request, response);
  return reactor;
}

grpc::ServerWriteReactor<common::v1::ChatCompletionChunk>* InferenceGrpc::StreamChatCompletion(
    grpc::CallbackServerContext* ctx, const common::v1::ChatCompletionRequest* request) {
  auto* reactor = new StreamReactor();
  reactor->Start(gateway_, ctx, request);
  return reactor;
}

grpc::ServerUnaryReactor* InferenceGrpc::ListModels(grpc::CallbackServerContext* ctx,
                                                    const v1::ListModelsRequest*,
                                                    v1::ListModelsResponse* response) {
  auto* reactor = ctx->DefaultReactor();
  auto call = rpc::FromServerContext(*ctx);
  gateway_.Admit(KeyOf(*ctx), call, "/v1/models", [this, reactor, response, call](auto principal) {
    if (!principal.ok()) return reactor->Finish(rpc::ToGrpcStatus(principal.status()));
    gateway_.ListModels(*principal, call, [reactor, response](auto models) {
      if (models.ok()) {
        for (auto& m : *models) *response->add_models() = std::move(m);
      }
      reactor->Finish(rpc::ToGrpcStatus(models.status()));
    });
  });
  return reactor;
}

}  // namespace llmgw::gateway
