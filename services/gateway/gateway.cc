#include "services/gateway/gateway.h"

#include "absl/strings/str_cat.h"
#include "llmgw/common/error.h"
#include "llmgw/rpc/status.h"

namespace llmgw::gateway {
namespace {

absl::Status NotReady() {
  return MakeError(absl::StatusCode::kUnavailable, common::v1::ERROR_KIND_OVERLOADED,
                   "the gateway is starting; retry shortly",
                   {.retry_after = std::chrono::seconds(1)});
}

}  // namespace

Gateway::Gateway(std::shared_ptr<const config::Config> config)
    : config_(std::move(config)),
      authenticator_(config_->llmgw.auth_cache_ttl, config_->llmgw.rpc_timeout) {}

void Gateway::Connect(std::shared_ptr<grpc::Channel> keymgr, std::shared_ptr<grpc::Channel> router) {
  authenticator_.Connect(keymgr::v1::KeyManager::NewStub(std::move(keymgr)));
  router_ = router::v1::Router::NewStub(std::move(router));
  ready_.store(true, std::memory_order_release);
}

void Gateway::Admit(const std::string& key, const rpc::CallContext& call,
                    std::function<void(absl::StatusOr<common::v1::Principal>)> done) {
  if (!ready()) return done(NotReady());
  authenticator_.Authenticate(key, call, std::move(done));
}

absl::Status Gateway::CheckModelAccess(const common::v1::Principal& principal,
                                       const std::string& model) {
  if (principal.all_models()) return absl::OkStatus();
  for (const auto& m : principal.models()) {
    if (m == model) return absl::OkStatus();
  }
  return MakeError(absl::StatusCode::kPermissionDenied, common::v1::ERROR_KIND_PERMISSION_DENIED,
                   absl::StrCat("this key may not use model '", model, "'"), {.param = "model"});
}

std::shared_ptr<grpc::ClientContext> Gateway::Complete(
    const common::v1::Principal& principal, common::v1::ChatCompletionRequest request,
    const rpc::CallContext& call,
    std::function<void(absl::StatusOr<router::v1::RouteChatResponse>)> done) {
  struct Call {
    std::shared_ptr<grpc::ClientContext> ctx;
    router::v1::RouteChatRequest request;
    router::v1::RouteChatResponse response;
  };
  auto c = std::make_shared<Call>();
  c->ctx = rpc::NewClientContext(call, config_->llmgw.request_timeout);
  *c->request.mutable_request() = std::move(request);
  *c->request.mutable_principal() = principal;
  router_->async()->RouteChat(c->ctx.get(), &c->request, &c->response,
                              [c, done = std::move(done)](grpc::Status s) {
                                if (!s.ok()) return done(rpc::FromGrpcStatus(s));
                                done(std::move(c->response));
                              });
  return c->ctx;
}

std::shared_ptr<StreamControl> Gateway::Stream(const common::v1::Principal& principal,
                                               common::v1::ChatCompletionRequest request,
                                               const rpc::CallContext& call,
                                               std::shared_ptr<StreamObserver> observer) {
  router::v1::RouteChatRequest r;
  *r.mutable_request() = std::move(request);
  *r.mutable_principal() = principal;
  return StartRouterStream(*router_, rpc::NewClientContext(call, config_->llmgw.max_stream_duration),
                           std::move(r), std::move(observer));
}

void Gateway::ListModels(const common::v1::Principal& principal, const rpc::CallContext& call,
                         std::function<void(absl::StatusOr<std::vector<common::v1::Model>>)> done) {
  if (!ready()) return done(NotReady());
  struct Call {
    std::unique_ptr<grpc::ClientContext> ctx;
    router::v1::ListModelGroupsRequest request;
    router::v1::ListModelGroupsResponse response;
  };
  auto c = std::make_shared<Call>();
  c->ctx = rpc::NewClientContext(call, config_->llmgw.rpc_timeout);
  router_->async()->ListModelGroups(
      c->ctx.get(), &c->request, &c->response,
      [c, principal, done = std::move(done)](grpc::Status s) {
        if (!s.ok()) return done(rpc::FromGrpcStatus(s));
        std::vector<common::v1::Model> models;
        for (const auto& g : c->response.model_groups()) {
          if (!CheckModelAccess(principal, g.name()).ok()) continue;
          common::v1::Model m;
          m.set_id(g.name());
          m.set_created(1677610602);  // OpenAI's and LiteLLM's fixed value for proxied models
          m.set_owned_by(g.owned_by());
          models.push_back(std::move(m));
        }
        done(std::move(models));
      });
}

}  // namespace llmgw::gateway
