// The router's logic: resolves the model group, runs each request's Dispatch (deployment
// choice, retries, fallbacks, cooldowns), and answers the operator controls. Knows nothing
// of gRPC; router_grpc.h is its face.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>

#include "absl/status/statusor.h"
#include "llmgw/common/clock.h"
#include "llmgw/common/timer_thread.h"
#include "llmgw/pricing/price_table.h"
#include "llmgw/providers/provider.h"
#include "llmgw/router/v1/router.pb.h"
#include "services/router/cache/answer_cache.h"
#include "services/router/model_registry.h"
#include "services/router/provider_set.h"

namespace llmgw::router {

class HealthChecker;

struct StreamSink {
  // Once, before the first chunk: the deployment that answers.
  std::function<void(v1::DispatchInfo started)> on_start;
  std::function<void(common::v1::ChatCompletionChunk chunk)> on_chunk;
  // Once, last; `info` describes the dispatch whether it succeeded or not.
  std::function<void(absl::Status status, v1::DispatchInfo info)> on_done;
};

struct RouterOptions {
  const Clock* clock = &Clock::Real();
  std::function<double()> uniform = ThreadLocalUniform;
};

class Router {
 public:
  // Starts the background health checks when general_settings.background_health_checks.
  Router(std::shared_ptr<const config::Config> config, ProviderSet providers, TimerThread& timers,
         RouterOptions options = {});
  ~Router();

  // `done` runs once, possibly before RouteChat returns. The handle cancels the call.
  std::shared_ptr<providers::CallHandle> RouteChat(
      const v1::RouteChatRequest& request, const providers::CallOptions& options,
      std::function<void(absl::StatusOr<v1::RouteChatResponse>)> done);

  std::shared_ptr<providers::CallHandle> StreamChat(const v1::RouteChatRequest& request,
                                                    const providers::CallOptions& options,
                                                    StreamSink sink);

  // Embeddings through the same dispatch (retries, fallbacks, cooldowns) and cache.
  std::shared_ptr<providers::CallHandle> RouteEmbeddings(
      const v1::RouteEmbeddingsRequest& request, const providers::CallOptions& options,
      std::function<void(absl::StatusOr<v1::RouteEmbeddingsResponse>)> done);

  v1::ListModelGroupsResponse ListModelGroups() const;

  // The response cache (enabled: false when litellm_settings.cache is off).
  v1::CachePingResponse CachePing();
  // FAILED_PRECONDITION when the cache is off.
  absl::StatusOr<v1::DeleteCacheResponse> DeleteCache(const v1::DeleteCacheRequest& request);

  // Operator controls. NOT_FOUND for an unknown deployment or group.
  absl::StatusOr<v1::ListDeploymentsResponse> ListDeployments(const std::string& model_group) const;
  absl::StatusOr<v1::Deployment> SetCooldown(const std::string& id, Millis duration,
                                             std::string reason);
  absl::StatusOr<v1::Deployment> ClearCooldown(const std::string& id);
  absl::StatusOr<v1::Deployment> ForceFail(const std::string& id, Millis duration);

  const config::Config& config() const { return *config_; }
  int64_t in_flight() const { return in_flight_.load(); }

 private:
  class Unary;
  class Stream;
  class Embed;

  struct DispatchEnv Env();
  absl::Status Admit();
  void Release();
  v1::Deployment Describe(const config::Deployment& d) const;
  absl::StatusOr<const config::Deployment*> Find(const std::string& id) const;
  // The cache plan of a chat request; nullopt when it does not use the cache.
  std::optional<CachePlan> PlanChat(const v1::RouteChatRequest& request) const;

  std::shared_ptr<const config::Config> config_;
  const Clock& clock_;
  ModelRegistry registry_;
  pricing::PriceTable prices_;
  ProviderSet providers_;
  TimerThread& timers_;
  std::function<double()> uniform_;
  std::unique_ptr<AnswerCache> cache_;  // null when off
  std::atomic<int64_t> in_flight_{0};
  std::unique_ptr<HealthChecker> checker_;  // null when background checks are off
};

}  // namespace llmgw::router
