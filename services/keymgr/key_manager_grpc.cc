#include "services/keymgr/key_manager_grpc.h"

#include <deque>
#include <mutex>

#include "llmgw/common/error.h"
#include "llmgw/rpc/call_context.h"
#include "llmgw/rpc/status.h"
#include "llmgw/telemetry/log.h"

namespace llmgw::keymgr {
namespace {

// A watcher's queue holds at most this many changes; past it they collapse into a reset.
constexpr size_t kMaxQueuedChanges = 256;

// One gateway's watch: the first message is a reset (the watcher starts from a clean
// cache), then every change as it happens, one write in flight at a time.
class WatchReactor final : public grpc::ServerWriteReactor<v1::PrincipalChange> {
 public:
  explicit WatchReactor(KeyManager& km) : km_(km) {
    v1::PrincipalChange hello;
    hello.set_reset(true);
    Push(hello);
    id_ = km_.Subscribe([this](const v1::PrincipalChange& c) { Push(c); });
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard lock(mu_);
    writing_ = false;
    if (!ok) return Close(grpc::Status::CANCELLED);
    WriteNext();
  }
  void OnCancel() override {
    std::lock_guard lock(mu_);
    Close(grpc::Status::CANCELLED);
  }
  void OnDone() override {
    km_.Unsubscribe(id_);  // no callback runs after this returns
    delete this;
  }

 private:
  void Push(const v1::PrincipalChange& c) {
    std::lock_guard lock(mu_);
    if (closed_) return;
    if (queue_.size() >= kMaxQueuedChanges) {
      queue_.clear();
      v1::PrincipalChange reset;
      reset.set_reset(true);
      queue_.push_back(std::move(reset));
    } else {
      queue_.push_back(c);
    }
    WriteNext();
  }
  void WriteNext() {  // holds mu_
    if (writing_ || closed_ || queue_.empty()) return;
    current_ = std::move(queue_.front());
    queue_.pop_front();
    writing_ = true;
    StartWrite(&current_);
  }
  void Close(const grpc::Status& s) {  // holds mu_
    if (closed_) return;
    closed_ = true;
    Finish(s);
  }

  KeyManager& km_;
  int id_ = 0;
  std::mutex mu_;
  std::deque<v1::PrincipalChange> queue_;
  v1::PrincipalChange current_;
  bool writing_ = false;
  bool closed_ = false;
};

}  // namespace

grpc::ServerUnaryReactor* KeyManagerGrpc::Authenticate(grpc::CallbackServerContext* ctx,
                                                       const v1::AuthenticateRequest* request,
                                                       v1::AuthenticateResponse* response) {
  auto* reactor = ctx->DefaultReactor();
  auto principal = logic_.Authenticate(request->key_hash());
  if (principal.ok()) *response->mutable_principal() = std::move(*principal);
  reactor->Finish(rpc::ToGrpcStatus(principal.status()));
  return reactor;
}

grpc::ServerWriteReactor<v1::PrincipalChange>* KeyManagerGrpc::WatchPrincipals(grpc::CallbackServerContext*,
                                                                               const v1::WatchPrincipalsRequest*) {
  return new WatchReactor(logic_);
}

grpc::ServerUnaryReactor* KeyManagerGrpc::Admit(grpc::CallbackServerContext* ctx, const v1::AdmitRequest* request,
                                                v1::AdmitResponse* response) {
  auto* reactor = ctx->DefaultReactor();
  auto r = logic_.Admit(*request);
  if (r.ok()) *response = std::move(*r);
  reactor->Finish(rpc::ToGrpcStatus(r.status()));
  return reactor;
}

grpc::ServerUnaryReactor* KeyManagerGrpc::Release(grpc::CallbackServerContext* ctx, const v1::ReleaseRequest* request,
                                                  v1::ReleaseResponse*) {
  auto* reactor = ctx->DefaultReactor();
  logic_.Release(*request);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

template <typename Req, typename Resp, typename Fn>
grpc::ServerUnaryReactor* KeyManagerGrpc::RunAdmin(grpc::CallbackServerContext* ctx, const char* route,
                                                   const Req* request, Resp* response, Fn fn) {
  auto* reactor = ctx->DefaultReactor();
  std::string key = rpc::BearerToken(rpc::ClientMetadata(*ctx, rpc::kAuthorizationKey));
  std::string request_id = rpc::ClientMetadata(*ctx, rpc::kRequestIdKey);
  bool queued = pool_.Submit(rpc::InCallTrace(*ctx, [this, reactor, route, key = std::move(key), request_id, request, response, fn] {
    auto caller = logic_.ResolveCaller(key, route);
    if (!caller.ok()) return reactor->Finish(rpc::ToGrpcStatus(caller.status()));
    auto r = fn(*caller, *request);
    // The audit trail: who changed what, never the keys themselves.
    std::string_view rv(route);
    if (rv.find("/info") == std::string_view::npos && rv.find("/list") == std::string_view::npos) {
      log::Info("admin change", {{"route", route},
                                 {"caller", caller->master ? std::string("master_key") : caller->user_id},
                                 {"caller_key", caller->token.substr(0, 12)},
                                 {"outcome", r.ok() ? std::string("ok") : std::string(absl::StatusCodeToString(r.status().code()))},
                                 {"request_id", request_id}});
    }
    if (r.ok()) *response = std::move(*r);
    reactor->Finish(rpc::ToGrpcStatus(r.status()));
  }));
  if (!queued) {
    reactor->Finish(rpc::ToGrpcStatus(MakeError(absl::StatusCode::kUnavailable, common::v1::ERROR_KIND_OVERLOADED,
                                                "keymgr has too many admin requests queued; retry shortly",
                                                {.retry_after = std::chrono::seconds(1)})));
  }
  return reactor;
}

#define LLMGW_KEYMGR_ADMIN_IMPL(Name, Route, Req, Resp, Call)                                                 \
  grpc::ServerUnaryReactor* KeyManagerGrpc::Name(grpc::CallbackServerContext* ctx, const v1::Req* request,   \
                                                 v1::Resp* response) {                                        \
    return RunAdmin(ctx, Route, request, response, [this](const Caller& c, const v1::Req& r) { return Call; }); \
  }
LLMGW_KEYMGR_ADMIN_IMPL(GenerateKey, "/key/generate", GenerateKeyRequest, GenerateKeyResponse, logic_.GenerateKey(c, r))
LLMGW_KEYMGR_ADMIN_IMPL(UpdateKey, "/key/update", UpdateKeyRequest, Key, logic_.UpdateKey(c, r))
LLMGW_KEYMGR_ADMIN_IMPL(GetKey, "/key/info", KeyRef, KeyInfoResponse, logic_.GetKey(c, r))
LLMGW_KEYMGR_ADMIN_IMPL(ListKeys, "/key/list", ListKeysRequest, ListKeysResponse, logic_.ListKeys(c, r))
LLMGW_KEYMGR_ADMIN_IMPL(DeleteKeys, "/key/delete", DeleteKeysRequest, DeleteKeysResponse, logic_.DeleteKeys(c, r))
LLMGW_KEYMGR_ADMIN_IMPL(RegenerateKey, "/key/regenerate", RegenerateKeyRequest, GenerateKeyResponse, logic_.RegenerateKey(c, r))
LLMGW_KEYMGR_ADMIN_IMPL(BlockKey, "/key/block", KeyRef, Key, logic_.SetBlocked(c, r, true))
LLMGW_KEYMGR_ADMIN_IMPL(UnblockKey, "/key/unblock", KeyRef, Key, logic_.SetBlocked(c, r, false))
LLMGW_KEYMGR_ADMIN_IMPL(CreateTeam, "/team/new", CreateTeamRequest, Team, logic_.CreateTeam(c, r))
LLMGW_KEYMGR_ADMIN_IMPL(UpdateTeam, "/team/update", UpdateTeamRequest, Team, logic_.UpdateTeam(c, r))
LLMGW_KEYMGR_ADMIN_IMPL(GetTeam, "/team/info", GetTeamRequest, TeamInfoResponse, logic_.GetTeam(c, r))
LLMGW_KEYMGR_ADMIN_IMPL(ListTeams, "/team/list", ListTeamsRequest, ListTeamsResponse, logic_.ListTeams(c, r))
LLMGW_KEYMGR_ADMIN_IMPL(DeleteTeams, "/team/delete", DeleteTeamsRequest, DeleteTeamsResponse, logic_.DeleteTeams(c, r))
LLMGW_KEYMGR_ADMIN_IMPL(AddTeamMembers, "/team/member_add", AddTeamMembersRequest, Team, logic_.AddTeamMembers(c, r))
LLMGW_KEYMGR_ADMIN_IMPL(RemoveTeamMembers, "/team/member_delete", RemoveTeamMembersRequest, Team, logic_.RemoveTeamMembers(c, r))
LLMGW_KEYMGR_ADMIN_IMPL(CreateUser, "/user/new", CreateUserRequest, CreateUserResponse, logic_.CreateUser(c, r))
LLMGW_KEYMGR_ADMIN_IMPL(GetUser, "/user/info", GetUserRequest, UserInfoResponse, logic_.GetUser(c, r))
LLMGW_KEYMGR_ADMIN_IMPL(UpdateUser, "/user/update", UpdateUserRequest, User, logic_.UpdateUser(c, r))
LLMGW_KEYMGR_ADMIN_IMPL(ListUsers, "/user/list", ListUsersRequest, ListUsersResponse, logic_.ListUsers(c, r))
LLMGW_KEYMGR_ADMIN_IMPL(DeleteUsers, "/user/delete", DeleteUsersRequest, DeleteUsersResponse, logic_.DeleteUsers(c, r))
#undef LLMGW_KEYMGR_ADMIN_IMPL

}  // namespace llmgw::keymgr
