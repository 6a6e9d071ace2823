#include "services/keymgr/key_manager.h"

#include <google/protobuf/util/time_util.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "llmgw/common/crypto.h"
#include "llmgw/common/error.h"
#include "llmgw/common/routes.h"
#include "services/keymgr/admin_util.h"

namespace llmgw::keymgr {

using google::protobuf::util::TimeUtil;

namespace {

constexpr size_t kMaxChangeBatch = 1000;  // more than this: watchers drop everything

absl::Status Unauthenticated(common::v1::ErrorKind kind, std::string message) {
  return MakeError(absl::StatusCode::kUnauthenticated, kind, message);
}

template <typename M>
void AddChecks(std::vector<LimitCheck>& out, const M& m, const std::string& counter, const std::string& scope,
               const std::string& model) {
  if (m.has_rpm_limit() || m.has_tpm_limit() || m.has_max_parallel_requests()) {
    out.push_back({counter, scope, m.has_rpm_limit() ? m.rpm_limit() : -1, m.has_tpm_limit() ? m.tpm_limit() : -1,
                   m.has_max_parallel_requests() ? m.max_parallel_requests() : -1});
  }
  auto rpm = m.model_rpm_limit().find(model);
  auto tpm = m.model_tpm_limit().find(model);
  if (rpm != m.model_rpm_limit().end() || tpm != m.model_tpm_limit().end()) {
    out.push_back({absl::StrCat(counter, ":model:", model), absl::StrCat(scope, " on model '", model, "'"),
                   rpm != m.model_rpm_limit().end() ? rpm->second : -1,
                   tpm != m.model_tpm_limit().end() ? tpm->second : -1, -1});
  }
}

}  // namespace

KeyManager::KeyManager(KeyManagerOptions options, KeyStore& store, CounterStore& counters, const Clock& clock)
    : options_(std::move(options)),
      master_hash_(Sha256Hex(options_.master_key)),
      master_name_(KeyDisplayName(options_.master_key)),
      store_(store),
      counters_(counters),
      clock_(clock) {
  options_.master_key.clear();  // only the hash is kept
}

absl::StatusOr<std::unique_ptr<KeyManager>> KeyManager::Create(KeyManagerOptions options, KeyStore& store,
                                                               CounterStore& counters, const Clock& clock) {
  auto snap = store.LoadAll();
  if (!snap.ok()) return snap.status();
  std::unique_ptr<KeyManager> km(new KeyManager(std::move(options), store, counters, clock));
  std::set<std::string> tokens;
  for (auto& k : snap->keys) {
    tokens.insert(k.token());
    km->state_.keys[k.token()] = std::move(k);
  }
  for (auto& u : snap->users) km->state_.users[u.user_id()] = std::move(u);
  for (auto& t : snap->teams) km->state_.teams[t.team_id()] = std::move(t);
  km->Recompute(tokens);
  return km;
}

size_t KeyManager::key_count() const {
  std::shared_lock lock(state_mu_);
  return state_.keys.size();
}

google::protobuf::Timestamp KeyManager::NowTs() const {
  return TimeUtil::NanosecondsToTimestamp(
      std::chrono::duration_cast<std::chrono::nanoseconds>(clock_.Now().time_since_epoch()).count());
}

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
  std::shared_lock lock(state_mu_);
  // The map is keyed by SHA-256: finding an entry reveals nothing an attacker could use
  // to guess a key, so a hash lookup (not a constant-time scan) is safe here.
  auto it = state_.principals.find(key_hash);
  if (it == state_.principals.end()) {
    return Unauthenticated(common::v1::ERROR_KIND_AUTHENTICATION, "invalid API key");
  }
  const v1::Key& key = state_.keys.at(key_hash);
  if (key.blocked()) {
    return Unauthenticated(common::v1::ERROR_KIND_BLOCKED_KEY,
                           absl::StrCat("key ", key.key_name(), " is blocked; an admin can unblock it with /key/unblock"));
  }
  if (!key.team_id().empty()) {
    auto team = state_.teams.find(key.team_id());
    if (team != state_.teams.end() && team->second.blocked()) {
      return Unauthenticated(common::v1::ERROR_KIND_BLOCKED_KEY,
                             absl::StrCat("team '", key.team_id(), "' of key ", key.key_name(), " is blocked"));
    }
  }
  if (key.has_expires() && key.expires() <= NowTs()) {
    return Unauthenticated(common::v1::ERROR_KIND_EXPIRED_KEY,
                           absl::StrCat("key ", key.key_name(), " expired at ", TimeUtil::ToString(key.expires())));
  }
  return it->second;
}

std::vector<LimitCheck> KeyManager::ChecksFor(const v1::Key& key, const std::string& model) const {
  std::vector<LimitCheck> checks;
  AddChecks(checks, key, "key:" + key.token(), "key " + key.key_name(), model);
  if (auto u = state_.users.find(key.user_id()); !key.user_id().empty() && u != state_.users.end()) {
    AddChecks(checks, u->second, "user:" + key.user_id(), "user '" + key.user_id() + "'", model);
  }
  if (auto t = state_.teams.find(key.team_id()); !key.team_id().empty() && t != state_.teams.end()) {
    AddChecks(checks, t->second, "team:" + key.team_id(), "team '" + key.team_id() + "'", model);
  }
  return checks;
}

absl::StatusOr<v1::AdmitResponse> KeyManager::Admit(const v1::AdmitRequest& request) {
  std::vector<LimitCheck> checks;
  {
    std::shared_lock lock(state_mu_);
    auto it = state_.keys.find(request.key_hash());
    if (it == state_.keys.end()) return v1::AdmitResponse{};  // the master key has no limits
    checks = ChecksFor(it->second, request.model());
  }
  v1::AdmitResponse out;
  if (checks.empty()) return out;
  auto lease = std::chrono::milliseconds(TimeUtil::DurationToMilliseconds(request.lease()));
  if (lease <= std::chrono::milliseconds::zero()) lease = std::chrono::minutes(10);
  Admission a = counters_.TryAcquire(checks, std::max<int64_t>(0, request.estimated_tokens()), lease);
  auto view = [](const LimitView& v, common::v1::RateLimitState* s) {
    s->set_limit(v.limit);
    s->set_remaining(v.remaining);
    s->mutable_reset()->set_seconds(v.reset.count());
  };
  if (!a.admitted) {
    const char* unit = a.refused_limit == "max_parallel_requests" ? "parallel requests"
                       : a.refused_limit == "tpm_limit"             ? "tokens per minute"
                                                                    : "requests per minute";
    absl::Status st = MakeError(absl::StatusCode::kResourceExhausted, common::v1::ERROR_KIND_RATE_LIMITED,
                                absl::StrCat("rate limit exceeded for ", a.refused_scope, ": ", a.refused_limit,
                                             " is ", a.refused_value, " ", unit, "; retry in ",
                                             a.retry_after.count(), "s"),
                                {.retry_after = a.retry_after});
    common::v1::ErrorDetail d = GetErrorDetail(st);
    if (a.requests.limit >= 0) view(a.requests, d.mutable_requests());
    if (a.tokens.limit >= 0) view(a.tokens, d.mutable_tokens());
    if (a.refused_limit == "max_parallel_requests") {
      view({a.refused_value, 0, a.retry_after}, d.mutable_parallel_requests());
    }
    SetErrorDetail(st, d);
    return st;
  }
  out.set_lease_id(a.lease_id);
  if (a.requests.limit >= 0) view(a.requests, out.mutable_requests());
  if (a.tokens.limit >= 0) view(a.tokens, out.mutable_tokens());
  return out;
}

void KeyManager::Release(const v1::ReleaseRequest& request) {
  if (!request.lease_id().empty()) counters_.Release(request.lease_id(), request.actual_tokens());
}

absl::StatusOr<Caller> KeyManager::ResolveCaller(const std::string& presented_key, std::string_view route) const {
  if (presented_key.empty()) {
    return Unauthenticated(common::v1::ERROR_KIND_AUTHENTICATION,
                           "missing API key: send 'Authorization: Bearer sk-...'");
  }
  auto p = Authenticate(Sha256Hex(presented_key));
  if (!p.ok()) return p.status();
  if (!route.empty() && !RouteAllowed(p->allowed_routes(), route)) {
    return internal::Forbidden(absl::StrCat("key ", p->key_name(), " may not call ", std::string(route),
                                            " (its allowed_routes do not include it)"));
  }
  Caller c;
  c.master = p->is_master_key();
  c.role = p->role();
  c.user_id = p->user_id();
  c.token = p->key_hash();
  std::shared_lock lock(state_mu_);
  if (!c.user_id.empty()) {
    for (const auto& [id, team] : state_.teams) {
      for (const auto& m : team.members_with_roles()) {
        if (m.user_id() != c.user_id) continue;
        c.member_of.insert(id);
        if (m.role() == v1::TEAM_ROLE_ADMIN) c.admin_of.insert(id);
      }
    }
  }
  return c;
}

const v1::Key* KeyManager::FindKey(const std::string& ref) const {
  std::string token = absl::StartsWith(ref, "sk-") ? Sha256Hex(ref) : ref;
  auto it = state_.keys.find(token);
  return it == state_.keys.end() ? nullptr : &it->second;
}

v1::Key KeyManager::NewKey(const Caller& c, v1::Key k, const std::string& plain) const {
  k.set_token(Sha256Hex(plain));
  k.set_key_name(KeyDisplayName(plain));
  *k.mutable_created_at() = NowTs();
  *k.mutable_updated_at() = NowTs();
  k.set_created_by(c.master ? "master_key" : c.user_id);
  k.set_updated_by(k.created_by());
  return k;
}

std::set<std::string> KeyManager::AffectedTokens(const Mutation& m) const {
  std::set<std::string> tokens(m.delete_keys.begin(), m.delete_keys.end());
  for (const auto& p : m.keys) tokens.insert(p.key.token());
  std::set<std::string> users(m.delete_users.begin(), m.delete_users.end());
  for (const auto& p : m.users) users.insert(p.user.user_id());
  std::set<std::string> teams(m.delete_teams.begin(), m.delete_teams.end());
  for (const auto& p : m.teams) teams.insert(p.team.team_id());
  if (users.empty() && teams.empty()) return tokens;
  for (const auto& [token, key] : state_.keys) {
    if ((!key.user_id().empty() && users.count(key.user_id())) || (!key.team_id().empty() && teams.count(key.team_id()))) {
      tokens.insert(token);
    }
  }
  return tokens;
}

void KeyManager::Recompute(const std::set<std::string>& tokens) {
  for (const auto& token : tokens) {
    auto k = state_.keys.find(token);
    if (k == state_.keys.end()) {
      state_.principals.erase(token);
      continue;
    }
    KeyContext ctx{.key = &k->second};
    if (auto u = state_.users.find(k->second.user_id()); u != state_.users.end()) ctx.user = &u->second;
    if (auto t = state_.teams.find(k->second.team_id()); t != state_.teams.end()) ctx.team = &t->second;
    state_.principals[token] = ResolvePrincipal(ctx, options_.catalog);
  }
}

absl::Status KeyManager::Commit(const Mutation& m) {
  if (auto s = store_.Apply(m); !s.ok()) return internal::StoreError(s);
  v1::PrincipalChange change;
  {
    std::unique_lock lock(state_mu_);
    std::set<std::string> before = AffectedTokens(m);  // keys of users/teams about to go
    for (const auto& t : m.delete_keys) state_.keys.erase(t);
    for (const auto& u : m.delete_users) state_.users.erase(u);
    for (const auto& t : m.delete_teams) state_.teams.erase(t);
    for (const auto& p : m.users) state_.users[p.user.user_id()] = p.user;
    for (const auto& p : m.teams) state_.teams[p.team.team_id()] = p.team;
    for (const auto& p : m.keys) state_.keys[p.key.token()] = p.key;
    std::set<std::string> tokens = AffectedTokens(m);
    tokens.insert(before.begin(), before.end());
    Recompute(tokens);
    if (tokens.size() > kMaxChangeBatch) {
      change.set_reset(true);
    } else {
      for (const auto& t : tokens) change.add_key_hashes(t);
    }
  }
  std::lock_guard lock(listeners_mu_);
  for (const auto& [id, listener] : listeners_) listener(change);
  return absl::OkStatus();
}

int KeyManager::Subscribe(Listener listener) {
  std::lock_guard lock(listeners_mu_);
  int id = next_listener_++;
  listeners_[id] = std::move(listener);
  return id;
}

void KeyManager::Unsubscribe(int id) {
  std::lock_guard lock(listeners_mu_);
  listeners_.erase(id);
}

}  // namespace llmgw::keymgr
