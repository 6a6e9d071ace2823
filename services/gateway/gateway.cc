#include "services/gateway/gateway.h"

#include <google/protobuf/util/time_util.h>

#include "absl/strings/str_cat.h"
#include "llmgw/common/routes.h"
#include "services/gateway/error_table.h"
#include "llmgw/providers/tokens.h"
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

http::HeaderList RateLease::Headers() const {
  http::HeaderList h;
  AppendRateLimitHeaders(admitted_.has_requests() ? &admitted_.requests() : nullptr,
                         admitted_.has_tokens() ? &admitted_.tokens() : nullptr, nullptr, h);
  return h;
}

void RateLease::Finish(int64_t tokens) {
  if (finished_.exchange(true) || admitted_.lease_id().empty()) return;
  keymgr::v1::ReleaseRequest r;
  r.set_lease_id(admitted_.lease_id());
  r.set_actual_tokens(tokens);
  release_(std::move(r));
}

Gateway::Gateway(std::shared_ptr<const config::Config> config)
    : config_(std::move(config)),
      slo_(config_->sla.window_length, config_->sla.max_p95_overhead_ms),
      authenticator_({.watched_ttl = config_->general_settings.user_api_key_cache_ttl,
                      .unwatched_ttl = config_->llmgw.auth_cache_ttl,
                      .rpc_timeout = config_->llmgw.rpc_timeout}),
      spend_client_(std::make_shared<SpendClient>(config_->llmgw.rpc_timeout,
                                                  config_->litellm_settings.max_end_user_budget.has_value())) {}

void Gateway::UseLocal(LocalServices local) { local_ = std::move(local); }

void Gateway::Connect(std::shared_ptr<grpc::Channel> keymgr, std::shared_ptr<grpc::Channel> router,
                      std::shared_ptr<grpc::Channel> spend) {
  spend_client_->Connect(spend::v1::SpendService::NewStub(std::move(spend)), local_.reserve, local_.settle_batch);
  keymgr_ = keymgr::v1::KeyManager::NewStub(std::move(keymgr));
  authenticator_.Connect(keymgr_);
  router_ = router::v1::Router::NewStub(std::move(router));
  // Once stopped_ is set keymgr may be gone: nothing is sent (the lease expires on its own).
  if (local_.release) {
    release_ = [release = local_.release, stopped = stopped_](keymgr::v1::ReleaseRequest r) {
      if (!stopped->load()) release(r);
    };
  } else {
    release_ = [stub = keymgr_, timeout = config_->llmgw.rpc_timeout,
                stopped = std::shared_ptr<const std::atomic<bool>>(stopped_)](keymgr::v1::ReleaseRequest r) {
      if (stopped->load()) return;
      struct Call {
        std::unique_ptr<grpc::ClientContext> ctx;
        keymgr::v1::ReleaseRequest request;
        keymgr::v1::ReleaseResponse response;
      };
      auto c = std::make_shared<Call>();
      c->ctx = rpc::NewClientContext({}, timeout);
      c->request = std::move(r);
      stub->async()->Release(c->ctx.get(), &c->request, &c->response, [c](grpc::Status) {});
    };
  }
  ready_.store(true, std::memory_order_release);
}

void Gateway::ConnectHealth(std::shared_ptr<grpc::Channel> channel) {
  health_ = health::v1::HealthAggregator::NewStub(std::move(channel));
}

void Gateway::Admit(const std::string& key, const rpc::CallContext& call, std::string route,
                    std::function<void(absl::StatusOr<common::v1::Principal>)> done) {
  if (!ready()) return done(NotReady());
  authenticator_.Authenticate(key, call, [route = std::move(route), done = std::move(done)](
                                             absl::StatusOr<common::v1::Principal> p) {
    if (p.ok() && !RouteAllowed(p->allowed_routes(), route)) {
      return done(MakeError(absl::StatusCode::kPermissionDenied, common::v1::ERROR_KIND_FORBIDDEN,
                            absl::StrCat("key ", p->key_name(), " may not call ", route,
                                         " (its allowed_routes do not include it)")));
    }
    if (p.ok() && p->has_expires_at()) {
      auto now = google::protobuf::util::TimeUtil::GetCurrentTime();
      if (p->expires_at() <= now) {
        return done(MakeError(absl::StatusCode::kUnauthenticated, common::v1::ERROR_KIND_EXPIRED_KEY,
                              absl::StrCat("key ", p->key_name(), " expired at ",
                                           google::protobuf::util::TimeUtil::ToString(p->expires_at()))));
      }
    }
    done(std::move(p));
  });
}

void Gateway::Authorize(const common::v1::Principal& principal, common::v1::ChatCompletionRequest& request,
                        const rpc::CallContext& call, std::chrono::milliseconds lifetime,
                        std::function<void(absl::StatusOr<std::shared_ptr<RateLease>>)> done) {
  if (auto alias = principal.model_aliases().find(request.model()); alias != principal.model_aliases().end()) {
    request.set_model(alias->second);
  }
  // router_settings.model_group_alias: access, limits and budgets apply to the real group.
  const auto& group_aliases = config_->router_settings.model_group_alias;
  if (auto alias = group_aliases.find(request.model()); alias != group_aliases.end()) {
    request.set_model(alias->second.model_group);
  }
  if (auto s = CheckModelAccess(principal, request.model()); !s.ok()) return done(s);
  if (!principal.has_rate_limits()) return done(std::shared_ptr<RateLease>());
  keymgr::v1::AdmitRequest admit;
  admit.set_key_hash(principal.key_hash());
  admit.set_model(request.model());
  int64_t out = request.has_max_completion_tokens() ? request.max_completion_tokens()
                : request.has_max_tokens()          ? request.max_tokens()
                                                    : 0;
  admit.set_estimated_tokens(providers::EstimatePromptTokens(request) + out);
  admit.set_request_id(call.request_id);
  // The slot outlives the request's own deadline only by a margin: if this gateway dies,
  // the limit frees itself.
  *admit.mutable_lease() = google::protobuf::util::TimeUtil::MillisecondsToDuration(
      (lifetime + std::chrono::seconds(30)).count());
  if (local_.admit) {
    auto r = local_.admit(admit);
    if (!r.ok()) return done(r.status());
    return done(std::make_shared<RateLease>(release_, std::move(*r)));
  }
  struct Call {
    std::unique_ptr<grpc::ClientContext> ctx;
    keymgr::v1::AdmitRequest request;
    keymgr::v1::AdmitResponse response;
  };
  auto c = std::make_shared<Call>();
  c->ctx = rpc::NewClientContext(call, config_->llmgw.rpc_timeout);
  c->request = std::move(admit);
  keymgr_->async()->Admit(c->ctx.get(), &c->request, &c->response,
                          [c, release = release_, done = std::move(done)](grpc::Status s) {
                            if (!s.ok()) return done(rpc::FromGrpcStatus(s));
                            done(std::make_shared<RateLease>(release, std::move(c->response)));
                          });
}

absl::Status Gateway::CheckModelAccess(const common::v1::Principal& principal,
                                       const std::string& model) {
  if (principal.all_models()) return absl::OkStatus();
  for (const auto& m : principal.models()) {
    if (m == model) return absl::OkStatus();
  }
  return MakeError(absl::StatusCode::kPermissionDenied, common::v1::ERROR_KIND_PERMISSION_DENIED,
                   absl::StrCat("key ", principal.key_name(), " may not use model '", model,
                                "'; GET /v1/models lists the models it may use"),
                   {.param = "model"});
}

namespace {

// A gRPC call's control: the context holds a reference on the call, so TryCancel stays
// safe after the call ended.
class ContextControl final : public CallControl {
 public:
  explicit ContextControl(std::shared_ptr<grpc::ClientContext> ctx) : ctx_(std::move(ctx)) {}
  void Cancel() override { ctx_->TryCancel(); }

 private:
  std::shared_ptr<grpc::ClientContext> ctx_;
};

}  // namespace

namespace {

router::v1::RouteChatRequest RouteRequest(const common::v1::Principal& principal,
                                          common::v1::ChatCompletionRequest request) {
  router::v1::RouteChatRequest r;
  *r.mutable_request() = std::move(request);
  *r.mutable_principal() = principal;
  return r;
}

}  // namespace

std::shared_ptr<CallControl> Gateway::Complete(
    const common::v1::Principal& principal, common::v1::ChatCompletionRequest request,
    const rpc::CallContext& call,
    std::function<void(absl::StatusOr<router::v1::RouteChatResponse>)> done) {
  auto r = RouteRequest(principal, std::move(request));
  if (local_.route_chat) {
    return local_.route_chat(r, call, std::chrono::steady_clock::now() + config_->llmgw.request_timeout,
                             std::move(done));
  }
  struct Call {
    std::shared_ptr<grpc::ClientContext> ctx;
    router::v1::RouteChatRequest request;
    router::v1::RouteChatResponse response;
  };
  auto c = std::make_shared<Call>();
  c->request = std::move(r);
  c->ctx = rpc::NewClientContext(call, config_->llmgw.request_timeout);
  router_->async()->RouteChat(c->ctx.get(), &c->request, &c->response,
                              [c, done = std::move(done)](grpc::Status s) {
                                if (!s.ok()) return done(rpc::FromGrpcStatus(s));
                                done(std::move(c->response));
                              });
  return std::make_shared<ContextControl>(c->ctx);
}

std::shared_ptr<CallControl> Gateway::Stream(const common::v1::Principal& principal,
                                             common::v1::ChatCompletionRequest request,
                                             const rpc::CallContext& call,
                                             std::shared_ptr<StreamObserver> observer) {
  auto r = RouteRequest(principal, std::move(request));
  if (local_.stream_chat) {
    return local_.stream_chat(r, call, std::chrono::steady_clock::now() + config_->llmgw.max_stream_duration,
                              std::move(observer));
  }
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
      [c, principal, config = config_, done = std::move(done)](grpc::Status s) {
        if (!s.ok()) return done(rpc::FromGrpcStatus(s));
        std::vector<common::v1::Model> models;
        for (const auto& g : c->response.model_groups()) {
          std::string group = g.name();
          const auto& aliases = config->router_settings.model_group_alias;
          if (auto a = aliases.find(group); a != aliases.end()) group = a->second.model_group;
          if (!CheckModelAccess(principal, group).ok()) continue;
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
