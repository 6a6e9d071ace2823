// The health aggregator: asks every service of the suite for its grpc.health.v1 status and
// reports one verdict with reasons. Watching, dependencies, deployments and SLOs come with
// the operations issue; those RPCs answer UNIMPLEMENTED until then.
#pragma once

#include <grpcpp/channel.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "llmgw/health/v1/health_aggregator.grpc.pb.h"

namespace llmgw::health {

inline constexpr char kHealthAggregatorServiceName[] = "llmgw.health.v1.HealthAggregator";

struct ServiceTarget {
  // The grpc.health.v1 service name to check, e.g. "llmgw.router.v1.Router".
  std::string service;
  std::shared_ptr<grpc::Channel> channel;
  // Requests cannot be served without it: its failure makes the system NOT_SERVING rather
  // than DEGRADED.
  bool critical = true;
};

class HealthAggregator {
 public:
  HealthAggregator(std::vector<ServiceTarget> targets, std::chrono::milliseconds timeout);

  // Replaces the targets (wiring that needs the server running first).
  void SetTargets(std::vector<ServiceTarget> targets);

  // Checks every target concurrently; `done` runs once with the verdict.
  void Check(std::function<void(v1::SystemHealth)> done);

 private:
  std::mutex mu_;
  std::shared_ptr<const std::vector<ServiceTarget>> targets_;
  std::chrono::milliseconds timeout_;
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

 private:
  HealthAggregator& logic_;
};

}  // namespace llmgw::health
