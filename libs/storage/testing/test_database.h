// Tests run the same suites against both SQL backends: a fresh SQLite file, or a fresh
// schema on the real PostgreSQL the test command starts (LLMGW_TEST_POSTGRES_URL).
#pragma once

#include <memory>
#include <string>

#include "llmgw/storage/database.h"

namespace llmgw::storage::testing {

enum class Backend { kSqlite, kPostgres };

// "sqlite" / "postgres": for INSTANTIATE_TEST_SUITE_P names.
std::string BackendName(Backend b);

class TestDatabase {
 public:
  // FAILED_PRECONDITION for kPostgres when LLMGW_TEST_POSTGRES_URL is not set: the test
  // must fail, not skip, so a misconfigured run cannot look green.
  static absl::StatusOr<std::unique_ptr<TestDatabase>> Create(Backend backend);
  ~TestDatabase();

  // Opens another connection (pool) to the same database, as a restarted process would.
  absl::StatusOr<std::unique_ptr<Database>> Open(const DatabaseOptions& options = {}) const;
  const std::string& url() const { return url_; }

 private:
  TestDatabase(Backend backend, std::string url, std::string cleanup)
      : backend_(backend), url_(std::move(url)), cleanup_(std::move(cleanup)) {}
  Backend backend_;
  std::string url_;
  std::string cleanup_;  // file to remove, or schema to drop
};

}  // namespace llmgw::storage::testing
