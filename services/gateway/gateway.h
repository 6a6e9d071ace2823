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
#include "llmgw/config/config.h"
#include "llmgw/router/v1/router.grpc.pb.h"
#include "services/gateway/authenticator.h"
#include "services/gateway/router_stream.h"

namespace llmgw::gateway {

inline constexpr char kInferenceServiceName[] = "llmgw.gateway.v1.Inference";

class Gateway {
 public:
  explicit Gateway(std::shared_ptr<const config::Config> config);

  // Wires the services; until then every request is answered 503.
  void Connect(std::shared_ptr<grpc::Channel> keymgr, std::shared_ptr<grpc::Channel> router);
  bool ready() const { return ready_.load(std::memory_order_acquire); }

  void BeginDrain() { draining_.store(true); }
  bool draining() const { return draining_.load(); }

  // Resolves the key; `done` runs once, maybe on this thread.
  void Admit(const std::string& key, const rpc::CallContext& call,
             std::function<void(absl::StatusOr<common::v1::Principal>)> done);

  // PERMISSION_DENIED unless `principal` may call `model`.
  static absl::Status CheckModelAccess(const common::v1::Principal& principal,
                                       const std::string& model);

  // Non-streaming chat through the router. Returns the context so the caller can cancel.
  std::shared_ptr<grpc::ClientContext> Complete(
      const common::v1::Principal& principal, common::v1::ChatCompletionRequest request,
      const rpc::CallContext& call,
      std::function<void(absl::StatusOr<router::v1::RouteChatResponse>)> done);

  std::shared_ptr<StreamControl> Stream(const common::v1::Principal& principal,
                                        common::v1::ChatCompletionRequest request,
                                        const rpc::CallContext& call,
                                        std::shared_ptr<StreamObserver> observer);

  // The model groups `principal` may use.
  void ListModels(const common::v1::Principal& principal, const rpc::CallContext& call,
                  std::function<void(absl::StatusOr<std::vector<common::v1::Model>>)> done);

  const config::Config& config() const { return *config_; }

 private:
  std::shared_ptr<const config::Config> config_;
  Authenticator authenticator_;
  std::unique_ptr<router::v1::Router::Stub> router_;
  std::atomic<bool> ready_{false};
  std::atomic<bool> draining_{false};
};

}  // namespace llmgw::gateway
