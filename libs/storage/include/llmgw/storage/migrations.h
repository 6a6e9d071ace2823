// Versioned schema migrations, applied at start, idempotently and under a lock so that
// several replicas starting together apply each step once (PostgreSQL advisory lock;
// SQLite's write lock).
#pragma once

#include <string>
#include <vector>

#include "llmgw/storage/database.h"

namespace llmgw::storage {

struct Migration {
  int version;             // 1, 2, 3 ... in order, never reused
  std::string description;
  std::string sql;          // both dialects
  std::string postgres_sql;  // when PostgreSQL needs different text
};

// Applies the migrations of `component` ("keymgr", "spend") newer than the recorded
// version, all in one transaction (DDL is transactional in both engines: a failed step
// leaves the schema as it was), recording each in schema_migrations.
// FAILED_PRECONDITION when the database records a version newer than this binary knows.
absl::Status Migrate(Database& db, const std::string& component,
                     const std::vector<Migration>& migrations);

// The highest applied version of `component`, 0 when none.
absl::StatusOr<int> SchemaVersion(Database& db, const std::string& component);

}  // namespace llmgw::storage
