#include "llmgw/rpc/server_host.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "interceptors.h"

namespace llmgw::rpc {
namespace {

std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
ClientInterceptors(const std::shared_ptr<internal::RpcMetrics>& metrics) {
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> v;
  v.push_back(internal::NewClientInterceptorFactory(metrics));
  return v;
}

grpc::ChannelArguments ChannelArgs(int max_message_bytes) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(max_message_bytes);
  args.SetMaxSendMessageSize(max_message_bytes);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // A restarted peer is reached again within a second, not after gRPC's default backoff
  // (which grows to two minutes): the health aggregator must see a service come back fast.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 250);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 250);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1'000);
  return args;
}

}  // namespace

std::shared_ptr<internal::RpcMetrics> NewRpcMetrics(prometheus::Registry* registry) {
  return std::make_shared<internal::RpcMetrics>(registry);
}

absl::StatusOr<std::unique_ptr<ServerHost>> ServerHost::Start(ServerOptions options) {
  if (options.registry == nullptr) return absl::InvalidArgumentError("ServerHost needs a registry");
  if (options.services.empty()) {
    return absl::InvalidArgumentError("ServerHost needs at least one service");
  }
  // Both must happen before the builder builds (build-notes P9, P10).
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  std::unique_ptr<ServerHost> host(new ServerHost());
  host->metrics_ = NewRpcMetrics(options.registry);
  host->health_names_ = options.health_names;

  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen_address, grpc::InsecureServerCredentials(),
                           &host->port_);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  // Without this gRPC sets SO_REUSEPORT and a second process would silently share the port.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10'000);
  for (grpc::Service* s : options.services) builder.RegisterService(s);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
  creators.push_back(internal::NewServerInterceptorFactory(host->metrics_));
  builder.experimental().SetInterceptorCreators(std::move(creators));

  host->server_ = builder.BuildAndStart();
  if (host->server_ == nullptr || host->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen_address,
                     " (address in use or not valid for this host)"));
  }
  host->SetServing(options.start_serving);
  return host;
}

ServerHost::~ServerHost() {
  if (server_ != nullptr && !shut_down_) Shutdown(std::chrono::system_clock::now());
}

std::shared_ptr<grpc::Channel> ServerHost::InProcessChannel() {
  return server_->experimental().InProcessChannelWithInterceptors(ChannelArgs(16 << 20),
                                                                  ClientInterceptors(metrics_));
}

void ServerHost::SetServing(bool serving) {
  auto* health = server_->GetHealthCheckService();
  if (health == nullptr) return;
  health->SetServingStatus(serving);  // "" and every name set so far
  for (const auto& name : health_names_) health->SetServingStatus(name, serving);
}

void ServerHost::SetHealth(const std::string& name, bool serving) {
  if (auto* health = server_->GetHealthCheckService()) health->SetServingStatus(name, serving);
}

int64_t ServerHost::inflight() const { return metrics_->inflight.load(); }

bool ServerHost::WaitIdle(std::chrono::steady_clock::time_point deadline) const {
  while (inflight() > 0) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

void ServerHost::Shutdown(std::chrono::system_clock::time_point deadline) {
  if (shut_down_) return;
  shut_down_ = true;
  SetServing(false);
  server_->Shutdown(deadline);
  server_->Wait();
}

std::shared_ptr<grpc::Channel> NewNetworkChannel(
    const std::string& target, const std::shared_ptr<internal::RpcMetrics>& metrics) {
  grpc::ChannelArguments args = ChannelArgs(16 << 20);
  args.SetLoadBalancingPolicyName("round_robin");
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      target, grpc::InsecureChannelCredentials(), args, ClientInterceptors(metrics));
}

}  // namespace llmgw::rpc
