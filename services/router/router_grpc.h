// The router's gRPC face (llmgw.router.v1.Router): reactors that never block, cancel the
// provider call when the caller goes away, and pace a stream to the caller's reads. The
// operator controls answer only to the master key.
#pragma once

#include "llmgw/router/v1/router.grpc.pb.h"
#include "services/router/router.h"

namespace llmgw::router {

inline constexpr char kRouterServiceName[] = "llmgw.router.v1.Router";

class RouterGrpc final : public v1::Router::CallbackService {
 public:
  explicit RouterGrpc(Router& router) : router_(router) {}

  grpc::ServerUnaryReactor* RouteChat(grpc::CallbackServerContext* ctx,
                                      const v1::RouteChatRequest* request,
                                      v1::RouteChatResponse* response) override;
  grpc::ServerUnaryReactor* RouteEmbeddings(grpc::CallbackServerContext* ctx,
                                            const v1::RouteEmbeddingsRequest* request,
                                            v1::RouteEmbeddingsResponse* response) override;
  grpc::ServerWriteReactor<v1::RouteChatEvent>* StreamChat(
      grpc::CallbackServerContext* ctx, const v1::RouteChatRequest* request) override;
  grpc::ServerUnaryReactor* ListModelGroups(grpc::CallbackServerContext* ctx,
                                            const v1::ListModelGroupsRequest* request,
                                            v1::ListModelGroupsResponse* response) override;
  grpc::ServerUnaryReactor* ListDeployments(grpc::CallbackServerContext* ctx,
                                            const v1::ListDeploymentsRequest* request,
                                            v1::ListDeploymentsResponse* response) override;
  grpc::ServerUnaryReactor* SetCooldown(grpc::CallbackServerContext* ctx,
                                        const v1::SetCooldownRequest* request,
                                        v1::DeploymentResponse* response) override;
  grpc::ServerUnaryReactor* ClearCooldown(grpc::CallbackServerContext* ctx,
                                          const v1::ClearCooldownRequest* request,
                                          v1::DeploymentResponse* response) override;
  grpc::ServerUnaryReactor* ForceFail(grpc::CallbackServerContext* ctx,
                                      const v1::ForceFailRequest* request,
                                      v1::DeploymentResponse* response) override;
  grpc::ServerUnaryReactor* CachePing(grpc::CallbackServerContext* ctx,
                                      const v1::CachePingRequest* request,
                                      v1::CachePingResponse* response) override;
  grpc::ServerUnaryReactor* DeleteCache(grpc::CallbackServerContext* ctx,
                                        const v1::DeleteCacheRequest* request,
                                        v1::DeleteCacheResponse* response) override;

 private:
  Router& router_;
};

}  // namespace llmgw::router
