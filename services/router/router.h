// The router's logic: finds the model group, picks a deployment, calls its provider, and
// reports what the call used and cost. Knows nothing of gRPC; router_grpc.h is its face.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>

#include "absl/status/statusor.h"
#include "llmgw/pricing/price_table.h"
#include "llmgw/providers/provider.h"
#include "llmgw/router/v1/router.pb.h"
#include "services/router/model_registry.h"

namespace llmgw::router {

// The adapters by provider prefix ("openai", "mock"); anything else gets `unsupported`.
struct ProviderSet {
  std::map<std::string, providers::Provider*> by_name;
  providers::Provider* unsupported = nullptr;
  providers::Provider& For(const std::string& name) const;
};

struct StreamSink {
  std::function<void(common::v1::ChatCompletionChunk chunk)> on_chunk;
  // Once, last; `info` describes the dispatch whether it succeeded or not.
  std::function<void(absl::Status status, v1::DispatchInfo info)> on_done;
};

class Router {
 public:
  Router(std::shared_ptr<const config::Config> config, ProviderSet providers,
         std::function<double()> uniform = ThreadLocalUniform);

  // `done` runs once, possibly before RouteChat returns. The handle cancels the call.
  std::shared_ptr<providers::CallHandle> RouteChat(
      const v1::RouteChatRequest& request, const providers::CallOptions& options,
      std::function<void(absl::StatusOr<v1::RouteChatResponse>)> done);

  std::shared_ptr<providers::CallHandle> StreamChat(const v1::RouteChatRequest& request,
                                                    const providers::CallOptions& options,
                                                    StreamSink sink);

  v1::ListModelGroupsResponse ListModelGroups() const;

  int64_t in_flight() const { return in_flight_.load(); }

 private:
  // Resolves the group and picks a deployment, or explains why not.
  absl::StatusOr<const config::Deployment*> Select(const std::string& model_group);
  v1::DispatchInfo Describe(const config::Deployment& d) const;
  bool Admit();
  void Release();

  std::shared_ptr<const config::Config> config_;
  ModelRegistry registry_;
  pricing::PriceTable prices_;
  ProviderSet providers_;
  std::function<double()> uniform_;
  std::atomic<int64_t> in_flight_{0};
};

}  // namespace llmgw::router
