#include "services/keymgr/key_manager_grpc.h"

#include "llmgw/rpc/status.h"

namespace llmgw::keymgr {

grpc::ServerUnaryReactor* KeyManagerGrpc::Authenticate(grpc::CallbackServerContext* ctx,
                                                       const v1::AuthenticateRequest* request,
                                                       v1::AuthenticateResponse* response) {
  auto* reactor = ctx->DefaultReactor();
  auto principal = logic_.Authenticate(request->key_hash());
  if (principal.ok()) *response->mutable_principal() = std::move(*principal);
  reactor->Finish(rpc::ToGrpcStatus(principal.status()));
  return reactor;
}

}  // namespace llmgw::keymgr
