// Internal to keymgr: the errors admin operations return and the helpers they share.
#pragma once

#include <google/protobuf/field_mask.pb.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "llmgw/keymgr/v1/keymgr.pb.h"
#include "services/keymgr/key_manager.h"

namespace llmgw::keymgr::internal {

absl::Status Forbidden(std::string_view message);
absl::Status NotFound(std::string_view message);
absl::Status Invalid(std::string_view message);
// Keeps a validation message but gives it the INVALID_REQUEST kind.
absl::Status AsInvalid(const absl::Status& s);
// A store failure as the admin API reports it (503 while the database is down).
absl::Status StoreError(const absl::Status& s);

// "sk-" + 32 url-safe characters (192 bits from the CSPRNG).
std::string NewKeyValue();
// "<prefix>-" + 16 hex characters.
std::string NewId(std::string_view prefix);

// Copies the fields named by `mask` from `changes` into `target` (unset in `changes`
// clears). INVALID_ARGUMENT for a path that is not a field or not in `allowed`.
absl::Status MergeMasked(const google::protobuf::Message& changes, const google::protobuf::FieldMask& mask,
                         const std::set<std::string>& allowed, google::protobuf::Message& target);

// PERMISSION_DENIED when `after` loosens any limit or budget of `before` (a higher or
// removed rpm/tpm/parallel limit or budget, a wider model list, a changed period).
template <typename M>
absl::Status CheckNotLoosened(const M& before, const M& after, std::string_view what);

}  // namespace llmgw::keymgr::internal
