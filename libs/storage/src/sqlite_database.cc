// The embedded store: one SQLite connection in WAL mode behind a mutex. Writers are
// serialized anyway in SQLite, and the stores keep hot data in memory, so one connection
// is enough.
#include <sqlite3.h>

#include <map>
#include <mutex>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/storage/src/backends.h"

namespace llmgw::storage::internal {
namespace {

absl::Status SqliteError(sqlite3* db, int rc, std::string_view what) {
  int ext = db ? sqlite3_extended_errcode(db) : rc;
  std::string msg = absl::StrCat("sqlite: ", std::string(what), ": ", db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return absl::AlreadyExistsError(msg);
  }
  int primary = rc & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED || primary == SQLITE_IOERR ||
      primary == SQLITE_FULL || primary == SQLITE_CANTOPEN || primary == SQLITE_READONLY) {
    return absl::UnavailableError(msg);
  }
  return absl::InternalError(msg);
}

// Where each of a statement's $1..$N parameters binds (0: the statement does not use it),
// found once: looking each name up on every execution (sqlite3_bind_parameter_index with
// a formatted "$k") cost more than binding the values.
std::vector<int> ParamSlots(sqlite3_stmt* stmt) {
  std::vector<int> slots;
  int count = sqlite3_bind_parameter_count(stmt);
  for (int i = 1; i <= count; ++i) {
    const char* name = sqlite3_bind_parameter_name(stmt, i);
    int k = 0;
    if (name == nullptr || name[0] != '$' || !absl::SimpleAtoi(name + 1, &k) || k < 1) continue;
    if (slots.size() < static_cast<size_t>(k)) slots.resize(k, 0);
    slots[k - 1] = i;
  }
  return slots;
}

struct Prepared {
  sqlite3_stmt* stmt;
  std::vector<int> slots;  // ParamSlots
};

// Prepared statements by SQL text, kept for the connection's life: parsing a statement
// costs more than running a small INSERT. Only single statements with parameters (the
// hot ones) are cached; guarded by the database's lock.
class StatementCache {
 public:
  ~StatementCache() {
    for (auto& [sql, p] : stmts_) sqlite3_finalize(p.stmt);
  }
  const Prepared* Find(std::string_view sql) const {
    auto it = stmts_.find(std::string(sql));
    return it == stmts_.end() ? nullptr : &it->second;
  }
  // Null when full: the caller runs the statement once and drops it.
  const Prepared* Put(std::string_view sql, sqlite3_stmt* stmt) {
    if (stmts_.size() >= 128) return nullptr;
    return &stmts_.emplace(std::string(sql), Prepared{stmt, ParamSlots(stmt)}).first->second;
  }

 private:
  std::map<std::string, Prepared> stmts_;
};

class SqliteTransaction final : public Transaction {
 public:
  SqliteTransaction(sqlite3* db, StatementCache& cache) : db_(db), cache_(cache) {}

  absl::StatusOr<Result> Execute(std::string_view sql, const std::vector<Value>& params) override {
    if (!params.empty()) {
      const Prepared* p = cache_.Find(sql);
      if (p == nullptr) {
        sqlite3_stmt* stmt = nullptr;
        const char* tail = nullptr;
        int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                                    &tail);
        if (rc != SQLITE_OK) return SqliteError(db_, rc, "prepare");
        bool single = stmt != nullptr && (tail == nullptr || std::string_view(tail).find_first_not_of(" \t\n;") ==
                                                                  std::string_view::npos);
        if (single) p = cache_.Put(sql, stmt);
        if (p == nullptr) {  // a script, or the cache is full: run it uncached
          sqlite3_finalize(stmt);
          return ExecuteScript(sql, params);
        }
      }
      Result result;
      absl::Status s = Run(p->stmt, p->slots, params, result);
      sqlite3_reset(p->stmt);
      sqlite3_clear_bindings(p->stmt);
      if (!s.ok()) return s;
      return result;
    }
    return ExecuteScript(sql, params);
  }

 private:
  absl::StatusOr<Result> ExecuteScript(std::string_view sql, const std::vector<Value>& params) {
    Result result;
    const char* tail = sql.data();
    const char* end = sql.data() + sql.size();
    while (tail < end) {
      sqlite3_stmt* stmt = nullptr;
      const char* next = nullptr;
      int rc = sqlite3_prepare_v2(db_, tail, static_cast<int>(end - tail), &stmt, &next);
      if (rc != SQLITE_OK) return SqliteError(db_, rc, "prepare");
      tail = next;
      if (stmt == nullptr) continue;  // whitespace or a comment
      std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> guard(stmt, sqlite3_finalize);
      if (auto s = Run(stmt, ParamSlots(stmt), params, result); !s.ok()) return s;
    }
    return result;
  }

  absl::Status Run(sqlite3_stmt* stmt, const std::vector<int>& slots, const std::vector<Value>& params,
                   Result& result) {
    if (auto s = Bind(stmt, slots, params); !s.ok()) return s;
    int columns = sqlite3_column_count(stmt);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      Row row;
      row.cells.reserve(columns);
      for (int c = 0; c < columns; ++c) {
        if (sqlite3_column_type(stmt, c) == SQLITE_NULL) {
          row.cells.emplace_back(std::nullopt);
        } else {
          const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
          row.cells.emplace_back(std::string(text, sqlite3_column_bytes(stmt, c)));
        }
      }
      result.rows.push_back(std::move(row));
    }
    if (rc != SQLITE_DONE) return SqliteError(db_, rc, "step");
    result.affected = sqlite3_changes(db_);
    return absl::OkStatus();
  }

 private:
  absl::Status Bind(sqlite3_stmt* stmt, const std::vector<int>& slots, const std::vector<Value>& params) {
    for (size_t i = 0; i < params.size(); ++i) {
      int idx = i < slots.size() ? slots[i] : 0;
      if (idx == 0) continue;  // this statement does not use it
      int rc = SQLITE_OK;
      if (const auto* n = std::get_if<int64_t>(&params[i])) {
        rc = sqlite3_bind_int64(stmt, idx, *n);
      } else if (const auto* s = std::get_if<std::string>(&params[i])) {
        rc = sqlite3_bind_text(stmt, idx, s->data(), static_cast<int>(s->size()), SQLITE_TRANSIENT);
      } else {
        rc = sqlite3_bind_null(stmt, idx);
      }
      if (rc != SQLITE_OK) return SqliteError(db_, rc, "bind");
    }
    return absl::OkStatus();
  }

  sqlite3* db_;
  StatementCache& cache_;
};

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(sqlite3* db, std::string description) : db_(db), description_(std::move(description)) {}
  ~SqliteDatabase() override {
    cache_.reset();  // statements before the connection
    sqlite3_close_v2(db_);
  }

  Dialect dialect() const override { return Dialect::kSqlite; }
  const std::string& description() const override { return description_; }

  absl::Status Transact(const std::function<absl::Status(Transaction&)>& body) override {
    std::lock_guard lock(mu_);
    // IMMEDIATE takes the write lock up front: two processes on one file cannot deadlock
    // upgrading read locks, and migrations are serialized.
    if (int rc = sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr); rc != SQLITE_OK) {
      return SqliteError(db_, rc, "begin");
    }
    SqliteTransaction txn(db_, *cache_);
    absl::Status s = body(txn);
    if (s.ok()) {
      if (int rc = sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr); rc != SQLITE_OK) {
        s = SqliteError(db_, rc, "commit");
      } else {
        return s;
      }
    }
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return s;
  }

  absl::Status Ping() override {
    return Transact([](Transaction& t) { return t.Execute("SELECT 1").status(); });
  }

 private:
  std::mutex mu_;
  sqlite3* db_;
  std::unique_ptr<StatementCache> cache_ = std::make_unique<StatementCache>();
  std::string description_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Database>> OpenSqlite(const std::string& path,
                                                     const DatabaseOptions& options) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status s = absl::UnavailableError(
        absl::StrCat("sqlite: cannot open '", path, "': ", db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    sqlite3_close_v2(db);
    return s;
  }
  sqlite3_busy_timeout(db, static_cast<int>(options.busy_timeout.count()));
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL",
                             "PRAGMA foreign_keys=ON"}) {
    if (path != ":memory:" || std::string_view(pragma) != "PRAGMA journal_mode=WAL") {
      if (int prc = sqlite3_exec(db, pragma, nullptr, nullptr, nullptr); prc != SQLITE_OK) {
        absl::Status s = SqliteError(db, prc, pragma);
        sqlite3_close_v2(db);
        return s;
      }
    }
  }
  return std::make_unique<SqliteDatabase>(db, absl::StrCat("sqlite:", path));
}

}  // namespace llmgw::storage::internal
