#include "services/router/router_grpc.h"

#include <deque>
#include <mutex>

#include "google/protobuf/util/time_util.h"
#include "llmgw/common/cancel_latch.h"
#include "llmgw/common/crypto.h"
#include "llmgw/common/error.h"
#include "llmgw/rpc/call_context.h"
#include "llmgw/rpc/status.h"

namespace llmgw::router {
namespace {

providers::CallOptions OptionsFrom(const grpc::CallbackServerContext& ctx) {
  rpc::CallContext call = rpc::FromServerContext(ctx);
  providers::CallOptions o{.request_id = call.request_id, .traceparent = call.traceparent, .tracestate = call.tracestate};
  auto deadline = ctx.deadline();
  if (deadline != std::chrono::system_clock::time_point::max()) {
    o.deadline = std::chrono::steady_clock::now() +
                 std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                     deadline - std::chrono::system_clock::now());
  }
  return o;
}

// The operator controls are for the master key only (ConstantTimeEquals).
absl::Status CheckOperator(const grpc::CallbackServerContext& ctx, const config::Config& config) {
  std::string token = rpc::BearerToken(rpc::ClientMetadata(ctx, rpc::kAuthorizationKey));
  if (token.empty()) {
    return MakeError(absl::StatusCode::kUnauthenticated, common::v1::ERROR_KIND_AUTHENTICATION,
                     "the router's operator RPCs need the master key in `authorization` metadata");
  }
  if (!ConstantTimeEquals(token, config.general_settings.master_key)) {
    return MakeError(absl::StatusCode::kPermissionDenied, common::v1::ERROR_KIND_FORBIDDEN,
                     "only the master key may use the router's operator RPCs");
  }
  return absl::OkStatus();
}

Millis MillisOf(const google::protobuf::Duration& d) {
  return Millis(google::protobuf::util::TimeUtil::DurationToMilliseconds(d));
}

// Runs `fn` (short, never blocking) after the operator check and finishes the RPC.
template <typename Fn>
grpc::ServerUnaryReactor* Operate(grpc::CallbackServerContext* ctx, const config::Config& config,
                                  Fn fn) {
  auto* reactor = ctx->DefaultReactor();
  absl::Status s = CheckOperator(*ctx, config);
  if (s.ok()) s = fn();
  reactor->Finish(rpc::ToGrpcStatus(s));
  return reactor;
}

// One unary routed call (chat or embeddings): the router's answer finishes the RPC, the
// caller going away cancels the provider call.
template <typename Response>
class RouteReactor final : public grpc::ServerUnaryReactor {
 public:
  // `start(options, done)` begins the call and returns its handle.
  template <typename StartFn>
  void Start(grpc::CallbackServerContext* ctx, Response* resp, StartFn start) {
    auto handle = start(OptionsFrom(*ctx), [this, resp](absl::StatusOr<Response> r) {
      if (r.ok()) *resp = std::move(*r);
      Finish(rpc::ToGrpcStatus(r.status()));
    });
    latch_.Arm([handle] { handle->Cancel(); });
  }
  void OnCancel() override { latch_.Fire(); }
  void OnDone() override { delete this; }

 private:
  CancelLatch latch_;
};

// Chunks from the provider queue here and go out one write at a time. A deep queue pauses
// the provider; a drained one resumes it. The provider may still call in after the RPC is
// done, so callbacks reach the reactor only through State, which outlives it.
class StreamReactor final : public grpc::ServerWriteReactor<v1::RouteChatEvent> {
 public:
  static constexpr size_t kPauseAt = 64;
  static constexpr size_t kResumeAt = 16;

  struct State {
    std::mutex mu;
    StreamReactor* reactor = nullptr;  // null once OnDone ran
  };

  StreamReactor() : state_(std::make_shared<State>()) { state_->reactor = this; }

  void Start(Router& router, grpc::CallbackServerContext* ctx, const v1::RouteChatRequest* req) {
    std::weak_ptr<State> weak = state_;
    auto handle = router.StreamChat(
        *req, OptionsFrom(*ctx),
        {.on_start =
             [weak](v1::DispatchInfo started) {
               v1::RouteChatEvent e;
               *e.mutable_started() = std::move(started);
               Deliver(weak, std::move(e), std::nullopt);
             },
         .on_chunk =
             [weak](common::v1::ChatCompletionChunk chunk) {
               v1::RouteChatEvent e;
               *e.mutable_chunk() = std::move(chunk);
               Deliver(weak, std::move(e), std::nullopt);
             },
         .on_done =
             [weak](absl::Status status, v1::DispatchInfo info) {
               v1::RouteChatEvent e;
               *e.mutable_dispatch() = std::move(info);
               Deliver(weak, std::move(e), rpc::ToGrpcStatus(status));
             }});
    {
      std::lock_guard lock(mu_);
      handle_ = handle;
    }
    latch_.Arm([handle] { handle->Cancel(); });
  }

  void OnWriteDone(bool ok) override {
    std::shared_ptr<providers::CallHandle> cancel, resume;
    {
      std::lock_guard lock(mu_);
      queue_.pop_front();
      writing_ = false;
      if (!ok) {
        // The caller is gone; stop the provider and wait for its final callback.
        broken_ = true;
        queue_.clear();
        cancel = handle_;
      } else if (paused_ && queue_.size() <= kResumeAt) {
        paused_ = false;
        resume = handle_;
      }
      Pump();
    }
    if (cancel) cancel->Cancel();
    if (resume) resume->Resume();
  }

  void OnCancel() override { latch_.Fire(); }

  void OnDone() override {
    {
      std::lock_guard lock(state_->mu);
      state_->reactor = nullptr;
    }
    delete this;
  }

 private:
  static void Deliver(const std::weak_ptr<State>& weak, v1::RouteChatEvent event,
                      std::optional<grpc::Status> final_status) {
    auto st = weak.lock();
    if (!st) return;
    std::lock_guard state_lock(st->mu);
    if (st->reactor == nullptr) return;
    st->reactor->Enqueue(std::move(event), std::move(final_status));
  }

  void Enqueue(v1::RouteChatEvent event, std::optional<grpc::Status> final_status) {
    std::shared_ptr<providers::CallHandle> pause;
    {
      std::lock_guard lock(mu_);
      if (final_status) {
        final_ = std::move(final_status);
        // The dispatch summary is worth sending only to a caller still listening.
        if (!broken_) queue_.push_back(std::move(event));
      } else if (!broken_) {
        queue_.push_back(std::move(event));
        if (!paused_ && queue_.size() >= kPauseAt) {
          paused_ = true;
          pause = handle_;
        }
      }
      Pump();
    }
    if (pause) pause->Pause();
  }

  // Under mu_: start the next write, or finish once the queue is empty and the end is known.
  void Pump() {
    if (writing_ || finished_) return;
    if (!queue_.empty()) {
      writing_ = true;
      StartWrite(&queue_.front());
      return;
    }
    if (final_) {
      finished_ = true;
      Finish(*final_);
    }
  }

  std::shared_ptr<State> state_;
  std::mutex mu_;
  std::deque<v1::RouteChatEvent> queue_;  // front() is being written while writing_
  std::optional<grpc::Status> final_;
  std::shared_ptr<providers::CallHandle> handle_;  // for pause and resume
  CancelLatch latch_;
  bool writing_ = false;
  bool finished_ = false;
  bool paused_ = false;
  bool broken_ = false;
};

}  // namespace

grpc::ServerUnaryReactor* RouterGrpc::RouteChat(grpc::CallbackServerContext* ctx,
                                                const v1::RouteChatRequest* request,
                                                v1::RouteChatResponse* response) {
  auto* reactor = new RouteReactor<v1::RouteChatResponse>();
  reactor->Start(ctx, response, [&](providers::CallOptions options, auto done) {
    return router_.RouteChat(*request, options, std::move(done));
  });
  return reactor;
}

grpc::ServerUnaryReactor* RouterGrpc::RouteEmbeddings(grpc::CallbackServerContext* ctx,
                                                      const v1::RouteEmbeddingsRequest* request,
                                                      v1::RouteEmbeddingsResponse* response) {
  auto* reactor = new RouteReactor<v1::RouteEmbeddingsResponse>();
  reactor->Start(ctx, response, [&](providers::CallOptions options, auto done) {
    return router_.RouteEmbeddings(*request, options, std::move(done));
  });
  return reactor;
}

grpc::ServerWriteReactor<v1::RouteChatEvent>* RouterGrpc::StreamChat(
    grpc::CallbackServerContext* ctx, const v1::RouteChatRequest* request) {
  auto* reactor = new StreamReactor();
  reactor->Start(router_, ctx, request);
  return reactor;
}

grpc::ServerUnaryReactor* RouterGrpc::ListModelGroups(grpc::CallbackServerContext* ctx,
                                                      const v1::ListModelGroupsRequest*,
                                                      v1::ListModelGroupsResponse* response) {
  auto* reactor = ctx->DefaultReactor();
  *response = router_.ListModelGroups();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* RouterGrpc::ListDeployments(grpc::CallbackServerContext* ctx,
                                                      const v1::ListDeploymentsRequest* request,
                                                      v1::ListDeploymentsResponse* response) {
  return Operate(ctx, router_.config(), [&]() -> absl::Status {
    auto r = router_.ListDeployments(request->model_group());
    if (!r.ok()) return r.status();
    *response = std::move(*r);
    return absl::OkStatus();
  });
}

namespace {

absl::Status Store(absl::StatusOr<v1::Deployment> r, v1::DeploymentResponse* response) {
  if (!r.ok()) return r.status();
  *response->mutable_deployment() = std::move(*r);
  return absl::OkStatus();
}

}  // namespace

grpc::ServerUnaryReactor* RouterGrpc::SetCooldown(grpc::CallbackServerContext* ctx,
                                                  const v1::SetCooldownRequest* request,
                                                  v1::DeploymentResponse* response) {
  return Operate(ctx, router_.config(), [&] {
    return Store(router_.SetCooldown(request->deployment_id(), MillisOf(request->duration()),
                                     request->reason()),
                 response);
  });
}

grpc::ServerUnaryReactor* RouterGrpc::ClearCooldown(grpc::CallbackServerContext* ctx,
                                                    const v1::ClearCooldownRequest* request,
                                                    v1::DeploymentResponse* response) {
  return Operate(ctx, router_.config(),
                 [&] { return Store(router_.ClearCooldown(request->deployment_id()), response); });
}

grpc::ServerUnaryReactor* RouterGrpc::ForceFail(grpc::CallbackServerContext* ctx,
                                                const v1::ForceFailRequest* request,
                                                v1::DeploymentResponse* response) {
  return Operate(ctx, router_.config(), [&] {
    return Store(router_.ForceFail(request->deployment_id(), MillisOf(request->duration())),
                 response);
  });
}

grpc::ServerUnaryReactor* RouterGrpc::CachePing(grpc::CallbackServerContext* ctx,
                                                const v1::CachePingRequest*,
                                                v1::CachePingResponse* response) {
  auto* reactor = ctx->DefaultReactor();
  *response = router_.CachePing();  // in memory: short, never blocking
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* RouterGrpc::DeleteCache(grpc::CallbackServerContext* ctx,
                                                  const v1::DeleteCacheRequest* request,
                                                  v1::DeleteCacheResponse* response) {
  return Operate(ctx, router_.config(), [&]() -> absl::Status {
    auto r = router_.DeleteCache(*request);
    if (!r.ok()) return r.status();
    *response = std::move(*r);
    return absl::OkStatus();
  });
}

}  // namespace llmgw::router
