// Internal: server and client interceptors that every llmgw server and channel gets. They
// count and time each RPC (Prometheus), log failed ones with the request id, echo the
// request id to the caller, and keep the number of RPCs in flight (health and reflection
// excluded) so a drain knows when the work is done.
#pragma once

#include <grpcpp/support/client_interceptor.h>
#include <grpcpp/support/server_interceptor.h>

#include <atomic>
#include <memory>

namespace prometheus {
class Registry;
template <typename T>
class Family;
class Counter;
class Histogram;
class Gauge;
}  // namespace prometheus

namespace llmgw::rpc::internal {

struct RpcMetrics {
  explicit RpcMetrics(prometheus::Registry* registry);
  prometheus::Family<prometheus::Counter>* server_handled = nullptr;
  prometheus::Family<prometheus::Histogram>* server_seconds = nullptr;
  prometheus::Family<prometheus::Gauge>* server_inflight = nullptr;
  prometheus::Family<prometheus::Counter>* client_handled = nullptr;
  prometheus::Family<prometheus::Histogram>* client_seconds = nullptr;
  prometheus::Family<prometheus::Counter>* client_without_deadline = nullptr;
  std::atomic<int64_t> inflight{0};
};

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> NewServerInterceptorFactory(
    std::shared_ptr<RpcMetrics> metrics);

std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface> NewClientInterceptorFactory(
    std::shared_ptr<RpcMetrics> metrics);

}  // namespace llmgw::rpc::internal
