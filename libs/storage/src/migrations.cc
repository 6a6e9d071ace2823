#include "llmgw/storage/migrations.h"

#include "absl/strings/str_cat.h"

namespace llmgw::storage {
namespace {

// Any fixed number: every llmgw process that migrates takes the same advisory lock.
constexpr char kPgLock[] = "SELECT pg_advisory_xact_lock(7274823001)";
constexpr char kCreateTable[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " component TEXT NOT NULL, version BIGINT NOT NULL, description TEXT NOT NULL,"
    " applied_at BIGINT NOT NULL, PRIMARY KEY (component, version))";

absl::StatusOr<int> CurrentVersion(Transaction& t, const std::string& component) {
  auto r = t.Execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations WHERE component = $1",
                     {component});
  if (!r.ok()) return r.status();
  return r->rows.empty() ? 0 : static_cast<int>(r->rows[0].Int(0));
}

}  // namespace

absl::Status Migrate(Database& db, const std::string& component,
                     const std::vector<Migration>& migrations) {
  // One transaction under one lock: a replica that starts meanwhile waits, then finds
  // the work done. DDL is transactional in both engines, so a failed step leaves nothing.
  return db.Transact([&](Transaction& t) -> absl::Status {
    if (db.dialect() == Dialect::kPostgres) {
      if (auto r = t.Execute(kPgLock); !r.ok()) return r.status();
    }
    if (auto r = t.Execute(kCreateTable); !r.ok()) return r.status();
    auto current = CurrentVersion(t, component);
    if (!current.ok()) return current.status();
    int known = migrations.empty() ? 0 : migrations.back().version;
    if (*current > known) {
      return absl::FailedPreconditionError(absl::StrCat(
          component, " schema is at version ", *current, " but this llmgw knows only up to ", known,
          ": run a newer llmgw or restore the matching database"));
    }
    int previous = 0;
    for (const auto& m : migrations) {
      if (m.version <= previous) {
        return absl::InternalError(absl::StrCat(component, " migrations out of order at ", m.version));
      }
      previous = m.version;
      if (m.version <= *current) continue;
      const std::string& sql =
          db.dialect() == Dialect::kPostgres && !m.postgres_sql.empty() ? m.postgres_sql : m.sql;
      if (auto r = t.Execute(sql); !r.ok()) {
        return absl::Status(r.status().code(), absl::StrCat(component, " migration ", m.version, " (",
                                                            m.description, "): ", r.status().message()));
      }
      auto now = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch()).count();
      auto r = t.Execute(
          "INSERT INTO schema_migrations (component, version, description, applied_at) "
          "VALUES ($1, $2, $3, $4)",
          {component, int64_t{m.version}, m.description, int64_t{now}});
      if (!r.ok()) return r.status();
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<int> SchemaVersion(Database& db, const std::string& component) {
  int version = 0;
  absl::Status s = db.Transact([&](Transaction& t) -> absl::Status {
    if (auto r = t.Execute(kCreateTable); !r.ok()) return r.status();
    auto v = CurrentVersion(t, component);
    if (!v.ok()) return v.status();
    version = *v;
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return version;
}

}  // namespace llmgw::storage
