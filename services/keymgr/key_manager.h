// keymgr's logic: resolves a presented key (by its SHA-256) to a Principal. In this slice
// the only key is the master key; virtual keys, users and teams come with their store.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "llmgw/common/v1/common.pb.h"

namespace llmgw::keymgr {

class KeyManager {
 public:
  explicit KeyManager(const std::string& master_key);

  // `key_hash` is lowercase hex SHA-256 of the presented key. Compared in constant time.
  // UNAUTHENTICATED (ERROR_KIND_AUTHENTICATION) with one message for every failure cause.
  absl::StatusOr<common::v1::Principal> Authenticate(const std::string& key_hash) const;

 private:
  std::string master_hash_;
  std::string master_name_;
};

}  // namespace llmgw::keymgr
