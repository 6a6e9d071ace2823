#include "services/keymgr/key_manager.h"

#include "llmgw/common/crypto.h"
#include "llmgw/common/error.h"

namespace llmgw::keymgr {

KeyManager::KeyManager(const std::string& master_key)
    : master_hash_(Sha256Hex(master_key)), master_name_(KeyDisplayName(master_key)) {}

absl::StatusOr<common::v1::Principal> KeyManager::Authenticate(const std::string& key_hash) const {
  if (ConstantTimeEquals(key_hash, master_hash_)) {
    common::v1::Principal p;
    p.set_key_hash(master_hash_);
    p.set_key_name(master_name_);
    p.set_role(common::v1::ROLE_PROXY_ADMIN);
    p.set_all_models(true);
    p.set_is_master_key(true);
    return p;
  }
  return MakeError(absl::StatusCode::kUnauthenticated, common::v1::ERROR_KIND_AUTHENTICATION,
                   "invalid API key");
}

}  // namespace llmgw::keymgr
