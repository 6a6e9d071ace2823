// Admin operations on teams and users: /team/*, /user/*.
#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/keymgr/admin_util.h"
#include "services/keymgr/key_manager.h"

namespace llmgw::keymgr {

using namespace internal;  // NOLINT: this file is the admin API's implementation

namespace {

// What a team admin may change on their own team; the rest (models, limits, budgets,
// blocked) only a proxy_admin may, so nobody raises their own ceiling.
const std::set<std::string> kTeamAdminUpdatable = {"team_alias", "metadata", "tags", "model_aliases"};
const std::set<std::string> kTeamUpdatable = {
    "team_alias", "metadata", "tags", "model_aliases", "models", "blocked", "max_parallel_requests",
    "rpm_limit", "tpm_limit", "model_rpm_limit", "model_tpm_limit", "max_budget", "soft_budget",
    "budget_duration", "model_max_budget", "members_with_roles"};
// What users may change about themselves.
const std::set<std::string> kSelfUpdatable = {"user_alias", "user_email", "metadata"};
const std::set<std::string> kUserUpdatable = {
    "user_email", "user_alias", "user_role", "models", "metadata", "max_parallel_requests", "rpm_limit",
    "tpm_limit", "model_rpm_limit", "model_tpm_limit", "max_budget", "soft_budget", "budget_duration",
    "model_max_budget"};

absl::Status AdminOnly(std::string_view action) {
  return Forbidden(absl::StrCat("only a proxy_admin may ", std::string(action)));
}

bool MaskWithin(const google::protobuf::FieldMask& mask, const std::set<std::string>& allowed) {
  return std::all_of(mask.paths().begin(), mask.paths().end(), [&](const auto& p) { return allowed.count(p) > 0; });
}

template <typename M>
absl::Status ValidateEntity(const M& m, const ModelCatalog& catalog) {
  if (auto s = ValidateLimits(m); !s.ok()) return AsInvalid(s);
  return AsInvalid(catalog.Validate({m.models().begin(), m.models().end()}, "models"));
}

}  // namespace

absl::StatusOr<v1::Team> KeyManager::VisibleTeam(const Caller& c, const std::string& id) const {
  if (id.empty()) return Invalid("team_id: required");
  std::shared_lock lock(state_mu_);
  auto it = state_.teams.find(id);
  if (it == state_.teams.end() || (!c.CanReadAll() && !c.member_of.count(id))) {
    return NotFound(absl::StrCat("no team '", id, "' that you may see"));
  }
  return it->second;
}

absl::StatusOr<v1::Team> KeyManager::CreateTeam(const Caller& c, const v1::CreateTeamRequest& r) {
  if (!c.IsAdmin()) return AdminOnly("create teams");
  std::lock_guard write(write_mu_);
  v1::Team t = r.team();
  if (t.team_id().empty()) t.set_team_id(NewId("team"));
  if (auto s = ValidateEntity(t, options_.catalog); !s.ok()) return s;
  Mutation m;
  {
    std::shared_lock lock(state_mu_);
    if (state_.teams.count(t.team_id())) return Invalid(absl::StrCat("team_id: team '", t.team_id(), "' exists"));
    for (auto& member : *t.mutable_members_with_roles()) {
      if (member.user_id().empty()) return Invalid("members_with_roles: each member needs a user_id");
      if (member.role() == v1::TEAM_ROLE_UNSPECIFIED) member.set_role(v1::TEAM_ROLE_USER);
      if (!state_.users.count(member.user_id())) {
        m.users.push_back({NewInternalUser(member.user_id(), member.user_email()), true});
      }
    }
  }
  *t.mutable_created_at() = NowTs();
  *t.mutable_updated_at() = NowTs();
  m.teams.push_back({t, true});
  if (auto s = Commit(m); !s.ok()) return s;
  return t;
}

absl::StatusOr<v1::Team> KeyManager::UpdateTeam(const Caller& c, const v1::UpdateTeamRequest& r) {
  std::lock_guard write(write_mu_);
  auto visible = VisibleTeam(c, r.team().team_id());
  if (!visible.ok()) return visible.status();
  v1::Team t = std::move(*visible);
  if (!c.IsAdmin()) {
    if (!c.admin_of.count(t.team_id()) || c.ReadOnly()) return Forbidden("only a proxy_admin or this team's admin may change it");
    if (!MaskWithin(r.update_mask(), kTeamAdminUpdatable)) {
      return Forbidden("only a proxy_admin may change a team's models, limits, budgets, members or blocked state "
                       "(team admins: team_alias, metadata, tags, model_aliases; members via /team/member_add)");
    }
  }
  if (auto s = MergeMasked(r.team(), r.update_mask(), kTeamUpdatable, t); !s.ok()) return s;
  if (auto s = ValidateEntity(t, options_.catalog); !s.ok()) return s;
  *t.mutable_updated_at() = NowTs();
  Mutation m;
  m.teams.push_back({t, false});
  if (auto s = Commit(m); !s.ok()) return s;
  return t;
}

absl::StatusOr<v1::TeamInfoResponse> KeyManager::GetTeam(const Caller& c, const v1::GetTeamRequest& r) const {
  std::shared_lock lock(state_mu_);
  auto it = state_.teams.find(r.team_id());
  if (r.team_id().empty()) return Invalid("team_id: required");
  if (it == state_.teams.end() || (!c.CanReadAll() && !c.member_of.count(r.team_id()))) {
    return NotFound(absl::StrCat("no team '", r.team_id(), "' that you may see"));
  }
  v1::TeamInfoResponse out;
  out.set_team_id(r.team_id());
  *out.mutable_team_info() = it->second;
  bool all = c.CanReadAll() || c.admin_of.count(r.team_id());
  for (const auto& [token, k] : state_.keys) {
    if (k.team_id() == r.team_id() && (all || k.user_id() == c.user_id)) *out.add_keys() = k;
  }
  return out;
}

absl::StatusOr<v1::ListTeamsResponse> KeyManager::ListTeams(const Caller& c, const v1::ListTeamsRequest& r) const {
  std::shared_lock lock(state_mu_);
  v1::ListTeamsResponse out;
  for (const auto& [id, t] : state_.teams) {
    if (!c.CanReadAll() && !c.member_of.count(id)) continue;
    if (!r.user_id().empty()) {
      const auto& ms = t.members_with_roles();
      if (std::none_of(ms.begin(), ms.end(), [&](const auto& mm) { return mm.user_id() == r.user_id(); })) continue;
    }
    *out.add_teams() = t;
  }
  return out;
}

absl::StatusOr<v1::DeleteTeamsResponse> KeyManager::DeleteTeams(const Caller& c, const v1::DeleteTeamsRequest& r) {
  if (!c.IsAdmin()) return AdminOnly("delete teams");
  if (r.team_ids().empty()) return Invalid("team_ids: name at least one team");
  std::lock_guard write(write_mu_);
  Mutation m;
  {
    std::shared_lock lock(state_mu_);
    for (const auto& id : r.team_ids()) {
      if (!state_.teams.count(id)) return NotFound(absl::StrCat("no team '", id, "'"));
      m.delete_teams.push_back(id);
    }
    // A team's keys go with it, as in LiteLLM.
    for (const auto& [token, k] : state_.keys) {
      if (std::find(m.delete_teams.begin(), m.delete_teams.end(), k.team_id()) != m.delete_teams.end()) {
        m.delete_keys.push_back(token);
      }
    }
  }
  if (auto s = Commit(m); !s.ok()) return s;
  v1::DeleteTeamsResponse out;
  for (const auto& id : m.delete_teams) out.add_deleted_teams(id);
  return out;
}

absl::StatusOr<v1::Team> KeyManager::AddTeamMembers(const Caller& c, const v1::AddTeamMembersRequest& r) {
  if (r.members().empty()) return Invalid("member: name at least one member");
  std::lock_guard write(write_mu_);
  auto visible = VisibleTeam(c, r.team_id());
  if (!visible.ok()) return visible.status();
  if (!c.IsAdmin() && (!c.admin_of.count(r.team_id()) || c.ReadOnly())) {
    return Forbidden("only a proxy_admin or this team's admin may add members");
  }
  v1::Team t = std::move(*visible);
  Mutation m;
  {
    std::shared_lock lock(state_mu_);
    for (v1::Member member : r.members()) {
      if (member.user_id().empty()) return Invalid("member.user_id: required");
      if (member.role() == v1::TEAM_ROLE_UNSPECIFIED) member.set_role(v1::TEAM_ROLE_USER);
      if (!state_.users.count(member.user_id())) {
        if (!c.IsAdmin()) return Invalid(absl::StrCat("member.user_id: no user '", member.user_id(), "'"));
        m.users.push_back({NewInternalUser(member.user_id(), member.user_email()), true});
      }
      auto* ms = t.mutable_members_with_roles();
      auto existing = std::find_if(ms->begin(), ms->end(), [&](const auto& x) { return x.user_id() == member.user_id(); });
      if (existing != ms->end()) {
        *existing = member;
      } else {
        *ms->Add() = member;
      }
    }
  }
  *t.mutable_updated_at() = NowTs();
  m.teams.push_back({t, false});
  if (auto s = Commit(m); !s.ok()) return s;
  return t;
}

absl::StatusOr<v1::Team> KeyManager::RemoveTeamMembers(const Caller& c, const v1::RemoveTeamMembersRequest& r) {
  if (r.user_ids().empty() && r.user_emails().empty()) return Invalid("user_id: name at least one member");
  std::lock_guard write(write_mu_);
  auto visible = VisibleTeam(c, r.team_id());
  if (!visible.ok()) return visible.status();
  if (!c.IsAdmin() && (!c.admin_of.count(r.team_id()) || c.ReadOnly())) {
    return Forbidden("only a proxy_admin or this team's admin may remove members");
  }
  v1::Team t = std::move(*visible);
  auto* ms = t.mutable_members_with_roles();
  auto gone = [&](const v1::Member& x) {
    return std::find(r.user_ids().begin(), r.user_ids().end(), x.user_id()) != r.user_ids().end() ||
           (!x.user_email().empty() &&
            std::find(r.user_emails().begin(), r.user_emails().end(), x.user_email()) != r.user_emails().end());
  };
  ms->erase(std::remove_if(ms->begin(), ms->end(), gone), ms->end());
  *t.mutable_updated_at() = NowTs();
  Mutation m;
  m.teams.push_back({t, false});
  if (auto s = Commit(m); !s.ok()) return s;
  return t;
}

absl::StatusOr<v1::CreateUserResponse> KeyManager::CreateUser(const Caller& c, const v1::CreateUserRequest& r) {
  if (!c.IsAdmin()) return AdminOnly("create users");
  v1::User u = r.user();
  if (u.user_id().empty()) u.set_user_id(NewId("user"));
  if (u.user_role() == common::v1::ROLE_UNSPECIFIED) u.set_user_role(common::v1::ROLE_INTERNAL_USER);
  u.clear_teams();
  if (auto s = ValidateEntity(u, options_.catalog); !s.ok()) return s;
  *u.mutable_created_at() = NowTs();
  *u.mutable_updated_at() = NowTs();
  v1::CreateUserResponse out;
  {
    std::lock_guard write(write_mu_);
    {
      std::shared_lock lock(state_mu_);
      if (state_.users.count(u.user_id())) return Invalid(absl::StrCat("user_id: user '", u.user_id(), "' exists"));
    }
    Mutation m;
    m.users.push_back({u, true});
    if (auto s = Commit(m); !s.ok()) return s;
  }
  *out.mutable_user() = u;
  if (!r.has_auto_create_key() || r.auto_create_key()) {
    v1::GenerateKeyRequest g;
    g.mutable_key()->set_user_id(u.user_id());
    auto key = GenerateKey(c, g);
    if (!key.ok()) return key.status();
    out.set_key(key->key());
    *out.mutable_key_info() = key->info();
  }
  return out;
}

absl::StatusOr<v1::UserInfoResponse> KeyManager::GetUser(const Caller& c, const v1::GetUserRequest& r) const {
  std::string id = r.user_id().empty() ? c.user_id : r.user_id();
  if (id.empty()) return Invalid("user_id: required (the master key is not a user)");
  if (!c.CanReadAll() && id != c.user_id) return NotFound(absl::StrCat("no user '", id, "' that you may see"));
  std::shared_lock lock(state_mu_);
  auto it = state_.users.find(id);
  if (it == state_.users.end()) return NotFound(absl::StrCat("no user '", id, "'"));
  v1::UserInfoResponse out;
  out.set_user_id(id);
  *out.mutable_user_info() = it->second;
  for (const auto& [tid, t] : state_.teams) {
    for (const auto& mm : t.members_with_roles()) {
      if (mm.user_id() != id) continue;
      out.mutable_user_info()->add_teams(tid);
      *out.add_teams() = t;
      break;
    }
  }
  for (const auto& [token, k] : state_.keys) {
    if (k.user_id() == id) *out.add_keys() = k;
  }
  return out;
}

absl::StatusOr<v1::User> KeyManager::UpdateUser(const Caller& c, const v1::UpdateUserRequest& r) {
  const std::string& id = r.user().user_id();
  if (id.empty()) return Invalid("user_id: required");
  if (!c.IsAdmin()) {
    if (id != c.user_id || c.ReadOnly()) return Forbidden("you may only change your own user");
    if (!MaskWithin(r.update_mask(), kSelfUpdatable)) {
      return Forbidden("you may not change your own role, models, limits or budget (only user_alias, user_email, metadata)");
    }
  }
  std::lock_guard write(write_mu_);
  v1::User u;
  {
    std::shared_lock lock(state_mu_);
    auto it = state_.users.find(id);
    if (it == state_.users.end()) return NotFound(absl::StrCat("no user '", id, "'"));
    u = it->second;
  }
  if (auto s = MergeMasked(r.user(), r.update_mask(), kUserUpdatable, u); !s.ok()) return s;
  if (auto s = ValidateEntity(u, options_.catalog); !s.ok()) return s;
  *u.mutable_updated_at() = NowTs();
  Mutation m;
  m.users.push_back({u, false});
  if (auto s = Commit(m); !s.ok()) return s;
  return u;
}

absl::StatusOr<v1::ListUsersResponse> KeyManager::ListUsers(const Caller& c, const v1::ListUsersRequest& r) const {
  if (!c.CanReadAll()) return Forbidden("only proxy_admin and proxy_admin_viewer may list users");
  int page = r.page() <= 0 ? 1 : r.page();
  int size = r.page_size() <= 0 ? 25 : r.page_size();
  if (size > 100) return Invalid("page_size: at most 100");
  std::shared_lock lock(state_mu_);
  std::vector<const v1::User*> match;
  for (const auto& [id, u] : state_.users) {
    if (!r.role().empty() && common::v1::Role_Name(u.user_role()) != "ROLE_" + absl::AsciiStrToUpper(r.role())) continue;
    if (!r.team_id().empty()) {
      auto t = state_.teams.find(r.team_id());
      if (t == state_.teams.end()) continue;
      const auto& ms = t->second.members_with_roles();
      if (std::none_of(ms.begin(), ms.end(), [&](const auto& mm) { return mm.user_id() == id; })) continue;
    }
    match.push_back(&u);
  }
  v1::ListUsersResponse out;
  out.set_total(static_cast<int64_t>(match.size()));
  out.set_page(page);
  out.set_page_size(size);
  out.set_total_pages(static_cast<int32_t>((match.size() + size - 1) / size));
  for (size_t i = static_cast<size_t>(page - 1) * size; i < match.size() && i < static_cast<size_t>(page) * size; ++i) {
    *out.add_users() = *match[i];
  }
  return out;
}

absl::StatusOr<v1::DeleteUsersResponse> KeyManager::DeleteUsers(const Caller& c, const v1::DeleteUsersRequest& r) {
  if (!c.IsAdmin()) return AdminOnly("delete users");
  if (r.user_ids().empty()) return Invalid("user_ids: name at least one user");
  std::lock_guard write(write_mu_);
  Mutation m;
  {
    std::shared_lock lock(state_mu_);
    std::set<std::string> ids(r.user_ids().begin(), r.user_ids().end());
    for (const auto& id : ids) {
      if (!state_.users.count(id)) return NotFound(absl::StrCat("no user '", id, "'"));
      m.delete_users.push_back(id);
    }
    // Their keys go with them, and they leave every team.
    for (const auto& [token, k] : state_.keys) {
      if (ids.count(k.user_id())) m.delete_keys.push_back(token);
    }
    for (const auto& [tid, t] : state_.teams) {
      const auto& ms = t.members_with_roles();
      if (std::none_of(ms.begin(), ms.end(), [&](const auto& mm) { return ids.count(mm.user_id()) > 0; })) continue;
      v1::Team copy = t;
      auto* cm = copy.mutable_members_with_roles();
      cm->erase(std::remove_if(cm->begin(), cm->end(), [&](const auto& mm) { return ids.count(mm.user_id()) > 0; }),
                cm->end());
      m.teams.push_back({copy, false});
    }
  }
  if (auto s = Commit(m); !s.ok()) return s;
  v1::DeleteUsersResponse out;
  for (const auto& id : m.delete_users) out.add_deleted_users(id);
  return out;
}

}  // namespace llmgw::keymgr
