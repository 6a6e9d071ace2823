// keymgr's gRPC face (llmgw.keymgr.v1.KeyManager). RPCs not overridden here answer
// UNIMPLEMENTED until the key store lands.
#pragma once

#include "llmgw/keymgr/v1/keymgr.grpc.pb.h"
#include "services/keymgr/key_manager.h"

namespace llmgw::keymgr {

inline constexpr char kKeyManagerServiceName[] = "llmgw.keymgr.v1.KeyManager";

class KeyManagerGrpc final : public v1::KeyManager::CallbackService {
 public:
  explicit KeyManagerGrpc(const KeyManager& logic) : logic_(logic) {}

  grpc::ServerUnaryReactor* Authenticate(grpc::CallbackServerContext* ctx,
                                         const v1::AuthenticateRequest* request,
                                         v1::AuthenticateResponse* response) override;

 private:
  const KeyManager& logic_;
};

}  // namespace llmgw::keymgr
