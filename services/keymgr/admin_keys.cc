// Admin operations on keys: /key/generate, /key/update, /key/info, /key/list,
// /key/delete, /key/regenerate, /key/block, /key/unblock.
#include <google/protobuf/util/time_util.h>

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "llmgw/common/crypto.h"
#include "services/keymgr/admin_util.h"
#include "services/keymgr/key_manager.h"

namespace llmgw::keymgr {

using google::protobuf::util::TimeUtil;
using namespace internal;  // NOLINT: this file is the admin API's implementation

namespace {

// Fields a key update may name (identity and timestamps are not among them).
const std::set<std::string> kKeyUpdatable = {
    "key_alias", "models", "aliases", "allowed_routes", "metadata", "tags", "blocked",
    "max_parallel_requests", "rpm_limit", "tpm_limit", "model_rpm_limit", "model_tpm_limit",
    "max_budget", "soft_budget", "budget_duration", "model_max_budget", "user_id", "team_id", "expires"};

bool CanSee(const Caller& c, const v1::Key& k) {
  return c.CanReadAll() || k.token() == c.token || (!c.user_id.empty() && k.user_id() == c.user_id) ||
         (!k.team_id().empty() && c.admin_of.count(k.team_id()));
}

bool CanManage(const Caller& c, const v1::Key& k) {
  if (c.IsAdmin()) return true;
  if (c.ReadOnly()) return false;
  return (!c.user_id.empty() && k.user_id() == c.user_id) || (!k.team_id().empty() && c.admin_of.count(k.team_id()));
}

absl::Status KeyNotFound(const std::string& ref) {
  return NotFound(absl::StrCat("no key ", absl::StartsWith(ref, "sk-") ? KeyDisplayName(ref) : ref,
                               " that you may see"));
}

absl::Status ValidateKeyValue(const std::string& v) {
  if (!absl::StartsWith(v, "sk-") || v.size() < 20) {
    return Invalid("key: a custom key must start with 'sk-' and be at least 20 characters");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::Key> KeyManager::ManagedKey(const Caller& c, const std::string& ref, std::string_view action) const {
  std::shared_lock lock(state_mu_);
  const v1::Key* found = FindKey(ref);
  if (found == nullptr || !CanSee(c, *found)) return KeyNotFound(ref);
  if (!CanManage(c, *found)) return Forbidden(absl::StrCat("your role may not ", std::string(action), " this key"));
  return *found;
}

v1::User KeyManager::NewInternalUser(const std::string& id, const std::string& email) const {
  v1::User u;
  u.set_user_id(id);
  u.set_user_email(email);
  u.set_user_role(common::v1::ROLE_INTERNAL_USER);
  *u.mutable_created_at() = NowTs();
  *u.mutable_updated_at() = NowTs();
  return u;
}

absl::StatusOr<v1::GenerateKeyResponse> KeyManager::GenerateKey(const Caller& c, const v1::GenerateKeyRequest& r) {
  if (c.ReadOnly()) return Forbidden("your role may only read; it may not create keys");
  std::lock_guard write(write_mu_);
  v1::Key k = r.key();
  Mutation m;
  {
    std::shared_lock lock(state_mu_);
    if (!c.IsAdmin()) {
      if (k.user_id().empty()) k.set_user_id(c.user_id);
      bool team_admin = !k.team_id().empty() && c.admin_of.count(k.team_id());
      if (k.user_id().empty()) return Forbidden("this key has no user, so it may not create keys");
      if (k.user_id() != c.user_id && !team_admin) {
        return Forbidden("you may only create keys for yourself (or for members of a team you administer)");
      }
      if (!k.team_id().empty() && !c.member_of.count(k.team_id())) {
        return Forbidden(absl::StrCat("you are not a member of team '", k.team_id(), "'"));
      }
      if (!k.team_id().empty() && k.user_id() != c.user_id) {
        const auto& members = state_.teams.at(k.team_id()).members_with_roles();
        if (std::none_of(members.begin(), members.end(), [&](const auto& mm) { return mm.user_id() == k.user_id(); })) {
          return Forbidden(absl::StrCat("user '", k.user_id(), "' is not a member of team '", k.team_id(), "'"));
        }
      }
    }
    if (auto s = ValidateLimits(k); !s.ok()) return AsInvalid(s);
    if (auto s = options_.catalog.Validate({k.models().begin(), k.models().end()}, "models"); !s.ok()) return AsInvalid(s);
    if (!k.team_id().empty() && !state_.teams.count(k.team_id())) {
      return Invalid(absl::StrCat("team_id: no team '", k.team_id(), "'; create it with /team/new"));
    }
    if (!k.user_id().empty() && !state_.users.count(k.user_id())) {
      // LiteLLM creates the user a key names; so do we, for admins, as an internal_user.
      if (!c.IsAdmin()) return Invalid(absl::StrCat("user_id: no user '", k.user_id(), "'"));
      m.users.push_back({NewInternalUser(k.user_id(), ""), true});
    }
  }
  if (!r.duration().empty()) {
    auto secs = ParseDurationSeconds(r.duration(), "duration");
    if (!secs.ok()) return AsInvalid(secs.status());
    *k.mutable_expires() = NowTs() + TimeUtil::SecondsToDuration(*secs);
  }
  std::string plain = r.custom_key().empty() ? NewKeyValue() : r.custom_key();
  if (auto s = ValidateKeyValue(plain); !s.ok()) return s;
  if (ConstantTimeEquals(Sha256Hex(plain), master_hash_)) return Invalid("key: may not be the master key");
  k = NewKey(c, std::move(k), plain);
  m.keys.push_back({k, true});
  if (auto s = Commit(m); !s.ok()) return s;
  v1::GenerateKeyResponse out;
  out.set_key(plain);
  *out.mutable_info() = std::move(k);
  return out;
}

absl::StatusOr<v1::Key> KeyManager::UpdateKey(const Caller& c, const v1::UpdateKeyRequest& r) {
  std::lock_guard write(write_mu_);
  auto managed = ManagedKey(c, r.key(), "change");
  if (!managed.ok()) return managed.status();
  v1::Key k = std::move(*managed);
  v1::Key before = k;
  if (auto s = MergeMasked(r.changes(), r.update_mask(), kKeyUpdatable, k); !s.ok()) return s;
  if (!r.duration().empty()) {
    auto secs = ParseDurationSeconds(r.duration(), "duration");
    if (!secs.ok()) return AsInvalid(secs.status());
    *k.mutable_expires() = NowTs() + TimeUtil::SecondsToDuration(*secs);
  }
  if (auto s = ValidateLimits(k); !s.ok()) return AsInvalid(s);
  if (auto s = options_.catalog.Validate({k.models().begin(), k.models().end()}, "models"); !s.ok()) return AsInvalid(s);
  if (!c.IsAdmin()) {
    if (k.user_id() != before.user_id() || k.team_id() != before.team_id()) {
      return Forbidden("only a proxy_admin may move a key to another user or team");
    }
    if (before.blocked() && !k.blocked()) return Forbidden("only a proxy_admin may unblock a key");
    if (before.has_expires() && (!k.has_expires() || k.expires() > before.expires())) {
      return Forbidden("only a proxy_admin may extend a key's expiry");
    }
    if (auto s = CheckNotLoosened(before, k, "this key"); !s.ok()) return s;
  }
  {
    std::shared_lock lock(state_mu_);
    if (!k.team_id().empty() && !state_.teams.count(k.team_id())) {
      return Invalid(absl::StrCat("team_id: no team '", k.team_id(), "'"));
    }
    if (!k.user_id().empty() && !state_.users.count(k.user_id())) {
      return Invalid(absl::StrCat("user_id: no user '", k.user_id(), "'"));
    }
  }
  *k.mutable_updated_at() = NowTs();
  k.set_updated_by(c.master ? "master_key" : c.user_id);
  Mutation m;
  m.keys.push_back({k, false});
  if (auto s = Commit(m); !s.ok()) return s;
  return k;
}

absl::StatusOr<v1::KeyInfoResponse> KeyManager::GetKey(const Caller& c, const v1::KeyRef& r) const {
  std::shared_lock lock(state_mu_);
  std::string ref = r.key().empty() ? c.token : r.key();
  const v1::Key* k = FindKey(ref);
  if (k == nullptr || !CanSee(c, *k)) {
    if (r.key().empty() && c.master) return NotFound("the master key is not a virtual key; pass ?key=");
    return KeyNotFound(ref);
  }
  v1::KeyInfoResponse out;
  out.set_key(k->token());
  *out.mutable_info() = *k;
  return out;
}

absl::StatusOr<v1::ListKeysResponse> KeyManager::ListKeys(const Caller& c, const v1::ListKeysRequest& r) const {
  int page = r.page() <= 0 ? 1 : r.page();
  int size = r.size() <= 0 ? 10 : r.size();
  if (size > 100) return Invalid("size: at most 100");
  std::vector<const v1::Key*> match;
  std::shared_lock lock(state_mu_);
  for (const auto& [token, k] : state_.keys) {
    if (!CanSee(c, k)) continue;
    if (!r.user_id().empty() && k.user_id() != r.user_id()) continue;
    if (!r.team_id().empty() && k.team_id() != r.team_id()) continue;
    if (!r.key_alias().empty() && k.key_alias() != r.key_alias()) continue;
    match.push_back(&k);
  }
  std::sort(match.begin(), match.end(), [](const v1::Key* a, const v1::Key* b) {
    if (a->created_at() != b->created_at()) return a->created_at() > b->created_at();
    return a->token() < b->token();
  });
  v1::ListKeysResponse out;
  out.set_total_count(static_cast<int64_t>(match.size()));
  out.set_current_page(page);
  out.set_total_pages(static_cast<int32_t>((match.size() + size - 1) / size));
  for (size_t i = static_cast<size_t>(page - 1) * size; i < match.size() && i < static_cast<size_t>(page) * size; ++i) {
    out.add_keys(match[i]->token());
    if (r.return_full_object()) *out.add_full_keys() = *match[i];
  }
  return out;
}

absl::StatusOr<v1::DeleteKeysResponse> KeyManager::DeleteKeys(const Caller& c, const v1::DeleteKeysRequest& r) {
  if (r.keys().empty() && r.key_aliases().empty()) return Invalid("keys: name at least one key (or key_aliases)");
  std::lock_guard write(write_mu_);
  Mutation m;
  {
    std::shared_lock lock(state_mu_);
    auto take = [&](const v1::Key& k) -> absl::Status {
      if (!CanManage(c, k)) return Forbidden(absl::StrCat("your role may not delete key ", k.key_name()));
      m.delete_keys.push_back(k.token());
      return absl::OkStatus();
    };
    for (const auto& ref : r.keys()) {
      const v1::Key* k = FindKey(ref);
      if (k == nullptr || !CanSee(c, *k)) return KeyNotFound(ref);
      if (auto s = take(*k); !s.ok()) return s;
    }
    for (const auto& alias : r.key_aliases()) {
      bool any = false;
      for (const auto& [token, k] : state_.keys) {
        if (k.key_alias() != alias || !CanSee(c, k)) continue;
        any = true;
        if (auto s = take(k); !s.ok()) return s;
      }
      if (!any) return NotFound(absl::StrCat("no key with alias '", alias, "' that you may see"));
    }
  }
  if (auto s = Commit(m); !s.ok()) return s;
  v1::DeleteKeysResponse out;
  for (const auto& t : m.delete_keys) out.add_deleted_keys(t);
  return out;
}

absl::StatusOr<v1::GenerateKeyResponse> KeyManager::RegenerateKey(const Caller& c, const v1::RegenerateKeyRequest& r) {
  std::lock_guard write(write_mu_);
  auto managed = ManagedKey(c, r.key(), "regenerate");
  if (!managed.ok()) return managed.status();
  v1::Key k = std::move(*managed);
  std::string plain = r.new_key().empty() ? NewKeyValue() : r.new_key();
  if (auto s = ValidateKeyValue(plain); !s.ok()) return s;
  Mutation m;
  m.delete_keys.push_back(k.token());
  v1::Key fresh = NewKey(c, k, plain);
  *fresh.mutable_created_at() = k.created_at();
  fresh.set_created_by(k.created_by());
  m.keys.push_back({fresh, true});
  if (auto s = Commit(m); !s.ok()) return s;
  v1::GenerateKeyResponse out;
  out.set_key(plain);
  *out.mutable_info() = std::move(fresh);
  return out;
}

absl::StatusOr<v1::Key> KeyManager::SetBlocked(const Caller& c, const v1::KeyRef& r, bool blocked) {
  std::lock_guard write(write_mu_);
  v1::Key k;
  {
    std::shared_lock lock(state_mu_);
    const v1::Key* found = FindKey(r.key());
    if (found == nullptr || !CanSee(c, *found)) return KeyNotFound(r.key());
    bool team_admin = !found->team_id().empty() && c.admin_of.count(found->team_id());
    if (!c.IsAdmin() && !team_admin) {
      return Forbidden(absl::StrCat("only a proxy_admin or the key's team admin may ", blocked ? "block" : "unblock", " keys"));
    }
    k = *found;
  }
  k.set_blocked(blocked);
  *k.mutable_updated_at() = NowTs();
  Mutation m;
  m.keys.push_back({k, false});
  if (auto s = Commit(m); !s.ok()) return s;
  return k;
}

}  // namespace llmgw::keymgr
