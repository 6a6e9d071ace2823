// One SQL interface over the embedded default (SQLite) and the production store
// (PostgreSQL, libpqxx). Statements use $1..$n placeholders in both dialects and a common
// subset of types (TEXT, BIGINT), so a store's SQL is written once.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace llmgw::storage {

// A statement parameter: NULL, an integer or text.
using Value = std::variant<std::nullptr_t, int64_t, std::string>;

struct Row {
  std::vector<std::optional<std::string>> cells;

  bool IsNull(size_t i) const { return !cells.at(i).has_value(); }
  // "" for NULL.
  const std::string& Text(size_t i) const;
  // 0 for NULL.
  int64_t Int(size_t i) const;
};

struct Result {
  std::vector<Row> rows;
  int64_t affected = 0;  // rows changed by INSERT/UPDATE/DELETE
};

class Transaction {
 public:
  virtual ~Transaction() = default;
  // Without parameters `sql` may hold several statements (migrations).
  virtual absl::StatusOr<Result> Execute(std::string_view sql,
                                         const std::vector<Value>& params = {}) = 0;
};

enum class Dialect { kSqlite, kPostgres };

// Failures map to canonical codes: UNAVAILABLE when the server cannot be reached (retry
// later; nothing was committed), ALREADY_EXISTS for a unique-key conflict, INTERNAL for
// anything else. Messages never contain parameter values.
class Database {
 public:
  virtual ~Database() = default;
  virtual Dialect dialect() const = 0;
  // Runs `body` in one transaction: committed when it returns OK, rolled back otherwise.
  // Blocks the calling thread: call it from a worker pool, never from an event loop.
  virtual absl::Status Transact(const std::function<absl::Status(Transaction&)>& body) = 0;
  // A cheap round trip, for health.
  virtual absl::Status Ping() = 0;
  // The URL without its password, for logs and health.
  virtual const std::string& description() const = 0;
};

struct DatabaseOptions {
  int pool_size = 4;                           // PostgreSQL connections per process
  std::chrono::seconds connect_timeout{3};     // per connection attempt
  std::chrono::milliseconds busy_timeout{5000};  // SQLite: wait for a writer lock
};

// `url`: "postgresql://user:pass@host:port/db?..." (or postgres://), or a SQLite file as
// "sqlite:///abs/path.db", "sqlite:relative/path.db" or ":memory:". A PostgreSQL server
// that is down at open is not an error: connections are made on first use and remade
// after failures, so the process starts (and serves from memory) while the store is away.
absl::StatusOr<std::unique_ptr<Database>> OpenDatabase(const std::string& url,
                                                       const DatabaseOptions& options = {});

// `url` with any password replaced by "***".
std::string RedactUrl(std::string_view url);

}  // namespace llmgw::storage
