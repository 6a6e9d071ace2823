// The gateway's core, shared by the REST edge and the gRPC inference API: admission (who
// is calling, may they use this model), dispatch through the router, and the drain flag.
// Talks to keymgr and the router only through their gRPC contracts.
#pragma once

#include <grpcpp/channel.h>

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "llmgw/common/cancel_latch.h"
#include "llmgw/config/config.h"
#include "llmgw/health/v1/health_aggregator.grpc.pb.h"
#include "llmgw/keymgr/v1/keymgr.grpc.pb.h"
#include "llmgw/router/v1/router.grpc.pb.h"
#include "llmgw/slo/recorder.h"
#include "services/gateway/authenticator.h"
#include "services/gateway/billing.h"
#include "services/gateway/local_services.h"
#include "services/gateway/router_stream.h"

namespace llmgw::gateway {

inline constexpr char kInferenceServiceName[] = "llmgw.gateway.v1.Inference";

// A request's hold on its key's rate limits: released (with the tokens really used) when
// the request ends, or, if this object is dropped first, with the estimate kept.
class RateLease {
 public:
  // Sends a Release to keymgr (fire and forget: a lost one lets the lease expire).
  using ReleaseFn = std::function<void(keymgr::v1::ReleaseRequest)>;
  RateLease(ReleaseFn release, keymgr::v1::AdmitResponse admitted)
      : release_(std::move(release)), admitted_(std::move(admitted)) {}
  ~RateLease() { Finish(-1); }
  RateLease(const RateLease&) = delete;
  RateLease& operator=(const RateLease&) = delete;

  // x-ratelimit-* headers of the tightest request and token limits.
  http::HeaderList Headers() const;
  // Once; later calls do nothing. tokens < 0: keep the estimate.
  void Finish(int64_t tokens);

 private:
  ReleaseFn release_;
  keymgr::v1::AdmitResponse admitted_;
  std::atomic<bool> finished_{false};
};

class Gateway {
 public:
  explicit Gateway(std::shared_ptr<const config::Config> config);

  // Wires the services; until then every request is answered 503.
  void Connect(std::shared_ptr<grpc::Channel> keymgr, std::shared_ptr<grpc::Channel> router,
               std::shared_ptr<grpc::Channel> spend);
  // Under --target all, before Connect: the hot path's calls that skip gRPC.
  void UseLocal(LocalServices local);
  bool ready() const { return ready_.load(std::memory_order_acquire); }

  void BeginDrain() { draining_.store(true); }
  // Ends background streams to keymgr; call before the channels' servers go away.
  void Stop() {
    stopped_->store(true);
    authenticator_.Stop();
    spend_client_->Close(std::chrono::steady_clock::now() + std::chrono::seconds(5));
  }
  bool draining() const { return draining_.load(); }

  // Resolves the key (expired keys fail here, even when cached); `done` runs once, maybe
  // on this thread.
  // `route` ("/v1/chat/completions") is checked against the key's allowed_routes.
  void Admit(const std::string& key, const rpc::CallContext& call, std::string route,
             std::function<void(absl::StatusOr<common::v1::Principal>)> done);

  // Applies the principal's model aliases to `request`, checks model access, and, when
  // the key, its user or its team has rate limits, asks keymgr to admit the request.
  // `done` gets the lease (null when no limit applies) or the refusal.
  void Authorize(const common::v1::Principal& principal, common::v1::ChatCompletionRequest& request,
                 const rpc::CallContext& call, std::chrono::milliseconds lifetime,
                 std::function<void(absl::StatusOr<std::shared_ptr<RateLease>>)> done);

  // After Authorize: reserves the worst case against the budgets that apply (429
  // budget_exceeded when one would be passed) and opens the request's Bill, which
  // settles its ledger row when the request ends.
  void OpenBill(const common::v1::Principal& principal, common::v1::ChatCompletionRequest& request,
                const rpc::CallContext& call, std::chrono::milliseconds lifetime,
                std::function<void(absl::StatusOr<std::shared_ptr<Bill>>)> done) {
    spend_client_->Open(principal, request, call, lifetime, std::move(done));
  }
  // Waits for settles still on their way to spend (SIGTERM); true when none is left.
  bool DrainSettles(std::chrono::steady_clock::time_point deadline) { return spend_client_->Drain(deadline); }

  // PERMISSION_DENIED unless `principal` may call `model`.
  static absl::Status CheckModelAccess(const common::v1::Principal& principal,
                                       const std::string& model);

  // keymgr and spend, for the admin API.
  keymgr::v1::KeyManager::Stub& keymgr() { return *keymgr_; }
  spend::v1::SpendService::Stub& spend() { return spend_client_->stub(); }
  // The router, for /cache/*.
  router::v1::Router::Stub& router() { return *router_; }
  // The health aggregator, for /health/readiness; null until ConnectHealth (called before
  // the HTTP server starts).
  void ConnectHealth(std::shared_ptr<grpc::Channel> channel);
  health::v1::HealthAggregator::Stub* health() { return health_.get(); }

  // Non-streaming chat through the router; `done` may run before this returns. The
  // control cancels the call.
  std::shared_ptr<CallControl> Complete(
      const common::v1::Principal& principal, common::v1::ChatCompletionRequest request,
      const rpc::CallContext& call,
      std::function<void(absl::StatusOr<router::v1::RouteChatResponse>)> done);

  std::shared_ptr<CallControl> Stream(const common::v1::Principal& principal,
                                        common::v1::ChatCompletionRequest request,
                                        const rpc::CallContext& call,
                                        std::shared_ptr<StreamObserver> observer);

  // Embeddings, admitted as chat is: aliases, model access, rate limits and budgets see the
  // inputs as one prompt with no output. The lease and the bill are settled before `done`,
  // which runs once. Firing the returned latch (the caller left) cancels the call.
  struct EmbedAnswer {
    router::v1::RouteEmbeddingsResponse routed;
    http::HeaderList rate_headers;  // x-ratelimit-* of the limits that applied
  };
  std::shared_ptr<CancelLatch> Embed(const common::v1::Principal& principal,
                                     common::v1::EmbeddingsRequest request,
                                     const rpc::CallContext& call,
                                     std::function<void(absl::StatusOr<EmbedAnswer>)> done);

  // The model groups `principal` may use.
  void ListModels(const common::v1::Principal& principal, const rpc::CallContext& call,
                  std::function<void(absl::StatusOr<std::vector<common::v1::Model>>)> done);

  const config::Config& config() const { return *config_; }
  // What this gateway measured for `sla:` (REST and gRPC inference requests).
  slo::Recorder& slo() { return slo_; }

 private:
  std::shared_ptr<const config::Config> config_;
  slo::Recorder slo_;
  Authenticator authenticator_;
  std::shared_ptr<keymgr::v1::KeyManager::Stub> keymgr_;
  std::unique_ptr<router::v1::Router::Stub> router_;
  std::unique_ptr<health::v1::HealthAggregator::Stub> health_;
  std::shared_ptr<SpendClient> spend_client_;
  LocalServices local_;
  RateLease::ReleaseFn release_;
  std::shared_ptr<std::atomic<bool>> stopped_ = std::make_shared<std::atomic<bool>>(false);
  std::atomic<bool> ready_{false};
  std::atomic<bool> draining_{false};
};

}  // namespace llmgw::gateway
