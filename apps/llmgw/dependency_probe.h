// Reports the suite's dependencies (keymgr's and spend's SQL stores) through grpc.health.v1
// under their own names, so the health aggregator can check them through the services that
// own them: a thread pings each every `interval` and sets SERVING or NOT_SERVING. The pings
// block only this thread, never a request. Each is also the gauge llmgw_dependency_up.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "llmgw/rpc/server_host.h"
#include "llmgw/telemetry/prometheus_fwd.h"


namespace llmgw::app {

class DependencyProbe {
 public:
  DependencyProbe(rpc::ServerHost& host, std::chrono::milliseconds interval, prometheus::Registry& registry);
  ~DependencyProbe();

  void Add(std::string health_name, std::function<absl::Status()> ping);
  // One round now (so the names exist before the server reports SERVING), then the thread.
  void Start();

 private:
  void RunOnce();

  struct Dependency {
    std::string name;
    std::function<absl::Status()> ping;
    bool serving = false;
    bool known = false;
  };
  rpc::ServerHost& host_;
  const std::chrono::milliseconds interval_;
  prometheus::Family<prometheus::Gauge>& up_;
  std::vector<Dependency> deps_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace llmgw::app
