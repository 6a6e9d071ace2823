// keymgr's logic. Admission (Authenticate, Admit, Release) is answered from memory, so a
// database outage never turns valid keys into 401s; admin operations check the caller's
// role and ownership, write through to the KeyStore (503 while it is down), update memory,
// and tell watchers which principals changed.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "absl/status/statusor.h"
#include "llmgw/common/clock.h"
#include "llmgw/common/v1/common.pb.h"
#include "llmgw/keymgr/v1/keymgr.pb.h"
#include "services/keymgr/key_store.h"
#include "services/keymgr/policy.h"
#include "services/keymgr/rate_limiter.h"

namespace llmgw::keymgr {

// Who is calling an admin RPC, from the key they presented.
struct Caller {
  bool master = false;
  common::v1::Role role = common::v1::ROLE_UNSPECIFIED;
  std::string user_id;
  std::string token;
  std::set<std::string> admin_of;   // teams where the caller's role is admin
  std::set<std::string> member_of;  // every team the caller belongs to

  bool IsAdmin() const { return role == common::v1::ROLE_PROXY_ADMIN; }
  bool CanReadAll() const { return IsAdmin() || role == common::v1::ROLE_PROXY_ADMIN_VIEWER; }
  bool ReadOnly() const {
    return role == common::v1::ROLE_PROXY_ADMIN_VIEWER || role == common::v1::ROLE_INTERNAL_USER_VIEWER;
  }
};

struct KeyManagerOptions {
  std::string master_key;  // a secret; only its hash is kept
  ModelCatalog catalog;
};

class KeyManager {
 public:
  // Loads every key, user and team from `store`. UNAVAILABLE when it cannot be read.
  static absl::StatusOr<std::unique_ptr<KeyManager>> Create(KeyManagerOptions options, KeyStore& store,
                                                            CounterStore& counters, const Clock& clock);

  // --- admission (memory only) ---
  // UNAUTHENTICATED with kind AUTHENTICATION (unknown), EXPIRED_KEY or BLOCKED_KEY.
  absl::StatusOr<common::v1::Principal> Authenticate(const std::string& key_hash) const;
  // RESOURCE_EXHAUSTED (RATE_LIMITED, retry_after) when a limit of the key, its user or
  // its team (overall or for the model) is reached.
  absl::StatusOr<v1::AdmitResponse> Admit(const v1::AdmitRequest& request);
  void Release(const v1::ReleaseRequest& request);

  // --- admin ---
  // `presented_key` is the plain key from the `authorization` metadata; `route` is the
  // admin route the call stands for ("/key/generate"), checked against allowed_routes.
  absl::StatusOr<Caller> ResolveCaller(const std::string& presented_key, std::string_view route = "") const;

  absl::StatusOr<v1::GenerateKeyResponse> GenerateKey(const Caller& c, const v1::GenerateKeyRequest& r);
  absl::StatusOr<v1::Key> UpdateKey(const Caller& c, const v1::UpdateKeyRequest& r);
  absl::StatusOr<v1::KeyInfoResponse> GetKey(const Caller& c, const v1::KeyRef& r) const;
  absl::StatusOr<v1::ListKeysResponse> ListKeys(const Caller& c, const v1::ListKeysRequest& r) const;
  absl::StatusOr<v1::DeleteKeysResponse> DeleteKeys(const Caller& c, const v1::DeleteKeysRequest& r);
  absl::StatusOr<v1::GenerateKeyResponse> RegenerateKey(const Caller& c, const v1::RegenerateKeyRequest& r);
  absl::StatusOr<v1::Key> SetBlocked(const Caller& c, const v1::KeyRef& r, bool blocked);

  absl::StatusOr<v1::Team> CreateTeam(const Caller& c, const v1::CreateTeamRequest& r);
  absl::StatusOr<v1::Team> UpdateTeam(const Caller& c, const v1::UpdateTeamRequest& r);
  absl::StatusOr<v1::TeamInfoResponse> GetTeam(const Caller& c, const v1::GetTeamRequest& r) const;
  absl::StatusOr<v1::ListTeamsResponse> ListTeams(const Caller& c, const v1::ListTeamsRequest& r) const;
  absl::StatusOr<v1::DeleteTeamsResponse> DeleteTeams(const Caller& c, const v1::DeleteTeamsRequest& r);
  absl::StatusOr<v1::Team> AddTeamMembers(const Caller& c, const v1::AddTeamMembersRequest& r);
  absl::StatusOr<v1::Team> RemoveTeamMembers(const Caller& c, const v1::RemoveTeamMembersRequest& r);

  absl::StatusOr<v1::CreateUserResponse> CreateUser(const Caller& c, const v1::CreateUserRequest& r);
  absl::StatusOr<v1::UserInfoResponse> GetUser(const Caller& c, const v1::GetUserRequest& r) const;
  absl::StatusOr<v1::User> UpdateUser(const Caller& c, const v1::UpdateUserRequest& r);
  absl::StatusOr<v1::ListUsersResponse> ListUsers(const Caller& c, const v1::ListUsersRequest& r) const;
  absl::StatusOr<v1::DeleteUsersResponse> DeleteUsers(const Caller& c, const v1::DeleteUsersRequest& r);

  // --- watchers ---
  // `listener` runs after every change, on the thread that made it; it must not block.
  using Listener = std::function<void(const v1::PrincipalChange&)>;
  int Subscribe(Listener listener);
  void Unsubscribe(int id);

  absl::Status PingStore() { return store_.Ping(); }
  size_t key_count() const;

 private:
  KeyManager(KeyManagerOptions options, KeyStore& store, CounterStore& counters, const Clock& clock);

  // State; guarded by state_mu_ (shared for reads).
  struct State {
    std::unordered_map<std::string, v1::Key> keys;  // by token
    std::map<std::string, v1::User> users;
    std::map<std::string, v1::Team> teams;
    std::unordered_map<std::string, common::v1::Principal> principals;  // by token
  };

  // Writes `m` to the store, then to memory, then tells watchers. Holds write_mu_.
  absl::Status Commit(const Mutation& m);
  void Recompute(const std::set<std::string>& tokens);  // holds state_mu_ exclusively
  std::set<std::string> AffectedTokens(const Mutation& m) const;
  const v1::Key* FindKey(const std::string& ref) const;  // plain key or token
  std::vector<LimitCheck> ChecksFor(const v1::Key& key, const std::string& model) const;
  v1::Key NewKey(const Caller& c, v1::Key fields, const std::string& plain) const;
  google::protobuf::Timestamp NowTs() const;
  // A copy of the key `ref` names if `c` may change it: NOT_FOUND when `c` may not even
  // see it (existence is not revealed), PERMISSION_DENIED when `c` may only look.
  absl::StatusOr<v1::Key> ManagedKey(const Caller& c, const std::string& ref, std::string_view action) const;
  // A copy of team `id` if `c` may see it (members and readers), else NOT_FOUND.
  absl::StatusOr<v1::Team> VisibleTeam(const Caller& c, const std::string& id) const;
  // The user a key or membership names when an admin names one that does not exist yet.
  v1::User NewInternalUser(const std::string& id, const std::string& email) const;

  KeyManagerOptions options_;
  std::string master_hash_;
  std::string master_name_;
  KeyStore& store_;
  CounterStore& counters_;
  const Clock& clock_;

  std::mutex write_mu_;  // one admin write at a time: store and memory change in the same order
  mutable std::shared_mutex state_mu_;
  State state_;

  std::mutex listeners_mu_;
  std::map<int, Listener> listeners_;
  int next_listener_ = 1;
};

}  // namespace llmgw::keymgr
