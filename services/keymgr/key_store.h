// Where keymgr's objects live durably: keys (by token), users and teams, each row a few
// indexed columns plus the object as JSON. keymgr keeps everything in memory and writes
// through; the store is read in full only at start.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "llmgw/keymgr/v1/keymgr.pb.h"
#include "llmgw/storage/database.h"

namespace llmgw::keymgr {

struct Snapshot {
  std::vector<v1::Key> keys;
  std::vector<v1::User> users;
  std::vector<v1::Team> teams;
};

// One atomic change. `create` puts fail with ALREADY_EXISTS when the row exists; other
// puts replace it. Deletes of missing rows are not errors.
struct Mutation {
  struct KeyPut { v1::Key key; bool create = false; };
  struct UserPut { v1::User user; bool create = false; };
  struct TeamPut { v1::Team team; bool create = false; };
  std::vector<KeyPut> keys;
  std::vector<UserPut> users;
  std::vector<TeamPut> teams;
  std::vector<std::string> delete_keys;  // tokens
  std::vector<std::string> delete_users;
  std::vector<std::string> delete_teams;
};

class KeyStore {
 public:
  virtual ~KeyStore() = default;
  virtual absl::StatusOr<Snapshot> LoadAll() = 0;
  // UNAVAILABLE when the database is down: nothing was changed.
  virtual absl::Status Apply(const Mutation& m) = 0;
  virtual absl::Status Ping() = 0;
};

// The store on SQLite or PostgreSQL; applies keymgr's migrations in Create.
class SqlKeyStore final : public KeyStore {
 public:
  static absl::StatusOr<std::unique_ptr<SqlKeyStore>> Create(std::unique_ptr<storage::Database> db);

  absl::StatusOr<Snapshot> LoadAll() override;
  absl::Status Apply(const Mutation& m) override;
  absl::Status Ping() override { return db_->Ping(); }

 private:
  explicit SqlKeyStore(std::unique_ptr<storage::Database> db) : db_(std::move(db)) {}
  std::unique_ptr<storage::Database> db_;
};

}  // namespace llmgw::keymgr
