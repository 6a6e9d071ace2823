#include "services/gateway/inference_grpc.h"

#include <mutex>

#include "absl/strings/str_cat.h"
#include "llmgw/common/cancel_latch.h"
#include "llmgw/common/error.h"
#include "llmgw/rpc/call_context.h"
#include "llmgw/rpc/status.h"
#include "services/gateway/authenticator.h"

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

class ChatReactor final : public grpc::ServerUnaryReactor {
 public:
  void Start(Gateway& gw, grpc::CallbackServerContext* ctx,
             const common::v1::ChatCompletionRequest* request,
             common::v1::ChatCompletionResponse* response) {
    if (gw.draining()) return Finish(rpc::ToGrpcStatus(Draining()));
    auto call = rpc::FromServerContext(*ctx);
    gw.Admit(KeyOf(*ctx), call, "/v1/chat/completions", [this, &gw, call, request, response](auto principal) {
      if (!principal.ok()) return Finish(rpc::ToGrpcStatus(principal.status()));
      if (absl::Status s = Validate(*request); !s.ok()) return Finish(rpc::ToGrpcStatus(s));
      auto r = std::make_shared<common::v1::ChatCompletionRequest>(*request);
      auto p = std::make_shared<common::v1::Principal>(std::move(*principal));
      gw.Authorize(*p, *r, call, gw.config().llmgw.request_timeout, [this, &gw, call, r, p, response](auto lease) {
        if (!lease.ok()) return Finish(rpc::ToGrpcStatus(lease.status()));
        std::shared_ptr<RateLease> held = *lease;
        gw.OpenBill(*p, *r, call, gw.config().llmgw.request_timeout, [this, &gw, call, r, p, response, held](auto bill) {
          if (!bill.ok()) {
            if (held) held->Finish(0);
            return Finish(rpc::ToGrpcStatus(bill.status()));
          }
          std::shared_ptr<Bill> b = *bill;
          auto upstream = gw.Complete(*p, *r, call, [this, response, held, b](auto res) {
            if (held) held->Finish(res.ok() ? UpstreamTokens(res->dispatch()) : 0);
            b->Settle(res.ok() ? res->dispatch() : router::v1::DispatchInfo(), res.status());
            if (res.ok()) *response = std::move(*res->mutable_completion());
            Finish(rpc::ToGrpcStatus(res.status()));
          });
          latch_.Arm([upstream] { upstream->TryCancel(); });
        });
      });
    });
  }
  void OnCancel() override { latch_.Fire(); }
  void OnDone() override { delete this; }

 private:
  CancelLatch latch_;
};

class EmbedReactor final : public grpc::ServerUnaryReactor {
 public:
  void Start(Gateway& gw, grpc::CallbackServerContext* ctx, const common::v1::EmbeddingsRequest* request,
             common::v1::EmbeddingsResponse* response) {
    if (gw.draining()) return Finish(rpc::ToGrpcStatus(Draining()));
    auto call = rpc::FromServerContext(*ctx);
    gw.Admit(KeyOf(*ctx), call, "/v1/embeddings", [this, &gw, call, request, response](auto principal) {
      if (!principal.ok()) return Finish(rpc::ToGrpcStatus(principal.status()));
      if (request->model().empty() || request->inputs_size() == 0) {
        const char* param = request->model().empty() ? "model" : "inputs";
        return Finish(rpc::ToGrpcStatus(
            MakeError(absl::StatusCode::kInvalidArgument, common::v1::ERROR_KIND_INVALID_REQUEST,
                      absl::StrCat(param, ": required"), {.param = param})));
      }
      auto latch = gw.Embed(*principal, *request, call, [this, response](auto r) {
        if (r.ok()) *response = std::move(*r->routed.mutable_embeddings());
        Finish(rpc::ToGrpcStatus(r.status()));
      });
      latch_.Arm([latch] { latch->Fire(); });
    });
  }
  void OnCancel() override { latch_.Fire(); }
  void OnDone() override { delete this; }

 private:
  CancelLatch latch_;
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
    void OnDone(absl::Status status, router::v1::DispatchInfo info) override {
      if (lease) lease->Finish(UpstreamTokens(info));
      bill->Settle(info, status);
      reactor->Finish(rpc::ToGrpcStatus(status));
    }
  };

  void Start(Gateway& gw, grpc::CallbackServerContext* ctx,
             const common::v1::ChatCompletionRequest* request) {
    if (gw.draining()) return Finish(rpc::ToGrpcStatus(Draining()));
    auto call = rpc::FromServerContext(*ctx);
    gw.Admit(KeyOf(*ctx), call, "/v1/chat/completions", [this, &gw, call, request](auto principal) {
      if (!principal.ok()) return Finish(rpc::ToGrpcStatus(principal.status()));
      if (absl::Status s = Validate(*request); !s.ok()) return Finish(rpc::ToGrpcStatus(s));
      auto r = std::make_shared<common::v1::ChatCompletionRequest>(*request);
      r->set_stream(true);
      auto p = std::make_shared<common::v1::Principal>(std::move(*principal));
      gw.Authorize(*p, *r, call, gw.config().llmgw.max_stream_duration, [this, &gw, call, r, p](auto lease) {
        if (!lease.ok()) return Finish(rpc::ToGrpcStatus(lease.status()));
        std::shared_ptr<RateLease> held = *lease;
        gw.OpenBill(*p, *r, call, gw.config().llmgw.max_stream_duration, [this, &gw, call, r, p, held](auto bill) {
          if (!bill.ok()) {
            if (held) held->Finish(0);
            return Finish(rpc::ToGrpcStatus(bill.status()));
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
