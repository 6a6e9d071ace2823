// The one gRPC server bootstrap every llmgw service uses: callback services, the standard
// grpc.health.v1 service (overall "" and one name per service), server reflection, and the
// shared interceptors (metrics, logging, request id, in-flight count). Under `--target all`
// one ServerHost carries every service and hands out in-process channels to it.
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/server.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace prometheus {
class Registry;
}

namespace llmgw::rpc {

namespace internal {
struct RpcMetrics;
}

struct ServerOptions {
  // "host:port"; port 0 picks a free one (see ServerHost::port()).
  std::string listen_address;
  // Registered as given; not owned; must outlive the ServerHost.
  std::vector<grpc::Service*> services;
  // Full proto service names reported by grpc.health.v1 (besides "").
  std::vector<std::string> health_names;
  prometheus::Registry* registry = nullptr;
  int max_message_bytes = 16 * 1024 * 1024;
  // False: health reports NOT_SERVING until SetServing(true), for wiring done after start.
  bool start_serving = true;
};

class ServerHost {
 public:
  static absl::StatusOr<std::unique_ptr<ServerHost>> Start(ServerOptions options);
  ~ServerHost();

  int port() const { return port_; }
  // A channel into this server that skips the network, with the client interceptors.
  std::shared_ptr<grpc::Channel> InProcessChannel();

  // Health of every registered name and "".
  void SetServing(bool serving);
  // The status of one more grpc.health.v1 name, outside `health_names` (a dependency such as
  // "llmgw.keymgr.v1.KeyManager.store"); SetServing leaves it alone.
  void SetHealth(const std::string& name, bool serving);
  // RPCs in progress, health checks and reflection excluded.
  int64_t inflight() const;
  // Waits until no RPC is in flight or `deadline` passes; true when drained.
  bool WaitIdle(std::chrono::steady_clock::time_point deadline) const;
  // Stops the server: in-flight RPCs get until `deadline`, then are cancelled.
  void Shutdown(std::chrono::system_clock::time_point deadline);

  // The interceptor metrics, shared with channels made by NewNetworkChannel.
  const std::shared_ptr<internal::RpcMetrics>& metrics() const { return metrics_; }

 private:
  ServerHost() = default;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<internal::RpcMetrics> metrics_;
  std::vector<std::string> health_names_;
  int port_ = 0;
  bool shut_down_ = false;
};

// Interceptor metrics for a process's clients; one per registry.
std::shared_ptr<internal::RpcMetrics> NewRpcMetrics(prometheus::Registry* registry);

// A network channel to `target` (host:port, or any gRPC target such as dns:///svc:50051 with
// round-robin over its addresses), with keepalive and the client interceptors. Create once
// per target and reuse.
std::shared_ptr<grpc::Channel> NewNetworkChannel(const std::string& target,
                                                 const std::shared_ptr<internal::RpcMetrics>& metrics);

}  // namespace llmgw::rpc
