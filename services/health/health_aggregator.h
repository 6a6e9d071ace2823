// The health aggregator: watches every service of the suite's grpc.health.v1 status (one
// Watch stream per name, reopened when it ends), asks the router for its deployments'
// states, and reports one verdict with reasons.
// WatchSystemHealth streams the verdict whenever it changes. GetSlo adds up the SLO counts
// of every gateway and evaluates the `sla:` objectives (slo_view.cc).
#pragma once

#include <grpcpp/channel.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "llmgw/common/timer_thread.h"
#include "llmgw/config/config.h"
#include "llmgw/health/v1/health_aggregator.grpc.pb.h"
#include "llmgw/router/v1/router.grpc.pb.h"
#include "services/health/service_watch.h"

namespace llmgw::health {

inline constexpr char kHealthAggregatorServiceName[] = "llmgw.health.v1.HealthAggregator";

struct ServiceTarget {
  // The grpc.health.v1 service name to check, e.g. "llmgw.router.v1.Router".
  std::string service;
  std::shared_ptr<grpc::Channel> channel;
  // Requests cannot be served without it: its failure makes the system NOT_SERVING rather
  // than DEGRADED.
  bool critical = true;
  // The component's name; empty: "service/<service>". Dependencies reported by the service
  // that owns them use "dependency/<what>".
  std::string component;
};

class HealthAggregator {
 public:
  HealthAggregator(std::vector<ServiceTarget> targets, std::chrono::milliseconds timeout);

  ~HealthAggregator();

  // Replaces the targets (wiring that needs the server running first) and opens their
  // watch streams.
  void SetTargets(std::vector<ServiceTarget> targets);
  // Adds the router's deployments as components (its operator RPC takes the master key).
  void SetRouter(std::shared_ptr<grpc::Channel> channel, std::string master_key);

  // The verdict: a target whose watch stream says SERVING is taken at its word (no call);
  // any other is asked with Check. `done` runs once (NOT_SERVING without any call after
  // Stop).
  void Check(std::function<void(v1::SystemHealth)> done);

  // A gateway whose llmgw.gateway.v1.SloSource GetSlo asks; `name` is how it is reported.
  struct SloSource {
    std::string name;
    std::shared_ptr<grpc::Channel> channel;
  };
  void SetSlo(config::Sla sla, std::vector<SloSource> sources);
  // Asks every gateway for its counts concurrently, adds them up and evaluates `sla`;
  // gateways that do not answer are listed as unreachable. `done` runs once.
  void Slo(std::function<void(v1::GetSloResponse)> done);
  // Before the server shuts down: no check starts a call after it returns.
  void Stop();

 private:
  using Watches = std::vector<std::unique_ptr<ServiceWatch>>;

  TimerThread timers_;  // the watches' reconnects; outlives them
  std::mutex mu_;
  std::shared_ptr<const std::vector<ServiceTarget>> targets_;
  std::shared_ptr<const Watches> watches_;  // one per target, in order
  std::shared_ptr<router::v1::Router::Stub> router_;
  std::string master_key_;
  std::shared_ptr<const config::Sla> sla_;                      // under mu_
  std::shared_ptr<const std::vector<SloSource>> slo_sources_;  // under mu_
  std::chrono::milliseconds timeout_;
  std::mutex calls_mu_;
  bool stopped_ = false;  // under calls_mu_
};

class HealthAggregatorGrpc final : public v1::HealthAggregator::CallbackService {
 public:
  explicit HealthAggregatorGrpc(HealthAggregator& logic) : logic_(logic) {}
  grpc::ServerUnaryReactor* GetSystemHealth(grpc::CallbackServerContext* ctx,
                                            const v1::GetSystemHealthRequest* request,
                                            v1::SystemHealth* response) override;
  grpc::ServerUnaryReactor* ListComponents(grpc::CallbackServerContext* ctx,
                                           const v1::ListComponentsRequest* request,
                                           v1::ListComponentsResponse* response) override;
  // The verdict now, then again whenever its status or reasons change (checked every
  // `watch_interval`), until the client leaves or the server shuts down.
  grpc::ServerWriteReactor<v1::SystemHealth>* WatchSystemHealth(
      grpc::CallbackServerContext* ctx, const v1::WatchSystemHealthRequest* request) override;
  grpc::ServerUnaryReactor* GetSlo(grpc::CallbackServerContext* ctx, const v1::GetSloRequest* request,
                                   v1::GetSloResponse* response) override;

  static constexpr std::chrono::milliseconds kWatchInterval{500};

 private:
  HealthAggregator& logic_;
  TimerThread timers_;
};

}  // namespace llmgw::health
