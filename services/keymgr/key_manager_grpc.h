// keymgr's gRPC face (llmgw.keymgr.v1.KeyManager). Admission RPCs answer inline from
// memory; admin RPCs authenticate the `authorization` metadata and run on a bounded
// worker pool, because they write to the database.
#pragma once

#include "llmgw/common/worker_pool.h"
#include "llmgw/keymgr/v1/keymgr.grpc.pb.h"
#include "services/keymgr/key_manager.h"

namespace llmgw::keymgr {

inline constexpr char kKeyManagerServiceName[] = "llmgw.keymgr.v1.KeyManager";

class KeyManagerGrpc final : public v1::KeyManager::CallbackService {
 public:
  KeyManagerGrpc(KeyManager& logic, WorkerPool& admin_pool) : logic_(logic), pool_(admin_pool) {}

  grpc::ServerUnaryReactor* Authenticate(grpc::CallbackServerContext* ctx, const v1::AuthenticateRequest* request,
                                         v1::AuthenticateResponse* response) override;
  grpc::ServerWriteReactor<v1::PrincipalChange>* WatchPrincipals(grpc::CallbackServerContext* ctx,
                                                                 const v1::WatchPrincipalsRequest* request) override;
  grpc::ServerUnaryReactor* Admit(grpc::CallbackServerContext* ctx, const v1::AdmitRequest* request,
                                  v1::AdmitResponse* response) override;
  grpc::ServerUnaryReactor* Release(grpc::CallbackServerContext* ctx, const v1::ReleaseRequest* request,
                                    v1::ReleaseResponse* response) override;

#define LLMGW_KEYMGR_ADMIN_RPC(Name, Req, Resp)                                                         \
  grpc::ServerUnaryReactor* Name(grpc::CallbackServerContext* ctx, const v1::Req* request, v1::Resp* response) \
      override;
  LLMGW_KEYMGR_ADMIN_RPC(GenerateKey, GenerateKeyRequest, GenerateKeyResponse)
  LLMGW_KEYMGR_ADMIN_RPC(UpdateKey, UpdateKeyRequest, Key)
  LLMGW_KEYMGR_ADMIN_RPC(GetKey, KeyRef, KeyInfoResponse)
  LLMGW_KEYMGR_ADMIN_RPC(ListKeys, ListKeysRequest, ListKeysResponse)
  LLMGW_KEYMGR_ADMIN_RPC(DeleteKeys, DeleteKeysRequest, DeleteKeysResponse)
  LLMGW_KEYMGR_ADMIN_RPC(RegenerateKey, RegenerateKeyRequest, GenerateKeyResponse)
  LLMGW_KEYMGR_ADMIN_RPC(BlockKey, KeyRef, Key)
  LLMGW_KEYMGR_ADMIN_RPC(UnblockKey, KeyRef, Key)
  LLMGW_KEYMGR_ADMIN_RPC(CreateTeam, CreateTeamRequest, Team)
  LLMGW_KEYMGR_ADMIN_RPC(UpdateTeam, UpdateTeamRequest, Team)
  LLMGW_KEYMGR_ADMIN_RPC(GetTeam, GetTeamRequest, TeamInfoResponse)
  LLMGW_KEYMGR_ADMIN_RPC(ListTeams, ListTeamsRequest, ListTeamsResponse)
  LLMGW_KEYMGR_ADMIN_RPC(DeleteTeams, DeleteTeamsRequest, DeleteTeamsResponse)
  LLMGW_KEYMGR_ADMIN_RPC(AddTeamMembers, AddTeamMembersRequest, Team)
  LLMGW_KEYMGR_ADMIN_RPC(RemoveTeamMembers, RemoveTeamMembersRequest, Team)
  LLMGW_KEYMGR_ADMIN_RPC(CreateUser, CreateUserRequest, CreateUserResponse)
  LLMGW_KEYMGR_ADMIN_RPC(GetUser, GetUserRequest, UserInfoResponse)
  LLMGW_KEYMGR_ADMIN_RPC(UpdateUser, UpdateUserRequest, User)
  LLMGW_KEYMGR_ADMIN_RPC(ListUsers, ListUsersRequest, ListUsersResponse)
  LLMGW_KEYMGR_ADMIN_RPC(DeleteUsers, DeleteUsersRequest, DeleteUsersResponse)
#undef LLMGW_KEYMGR_ADMIN_RPC

 private:
  // `route` is the REST route the RPC stands for, for allowed_routes.
  template <typename Req, typename Resp, typename Fn>
  grpc::ServerUnaryReactor* RunAdmin(grpc::CallbackServerContext* ctx, const char* route, const Req* request,
                                     Resp* response, Fn fn);

  KeyManager& logic_;
  WorkerPool& pool_;
};

}  // namespace llmgw::keymgr
