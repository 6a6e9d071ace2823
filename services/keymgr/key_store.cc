#include "services/keymgr/key_store.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "llmgw/json/proto_json.h"
#include "llmgw/storage/migrations.h"

namespace llmgw::keymgr {
namespace {

using storage::Transaction;
using storage::Value;

const std::vector<storage::Migration>& Migrations() {
  static const auto* m = new std::vector<storage::Migration>{
      {1, "keys, users and teams",
       "CREATE TABLE keymgr_keys (token TEXT PRIMARY KEY, key_alias TEXT, user_id TEXT, team_id TEXT,"
       " updated_at BIGINT NOT NULL, body TEXT NOT NULL);"
       "CREATE INDEX keymgr_keys_user ON keymgr_keys (user_id);"
       "CREATE INDEX keymgr_keys_team ON keymgr_keys (team_id);"
       "CREATE TABLE keymgr_users (user_id TEXT PRIMARY KEY, user_email TEXT,"
       " updated_at BIGINT NOT NULL, body TEXT NOT NULL);"
       "CREATE TABLE keymgr_teams (team_id TEXT PRIMARY KEY, team_alias TEXT,"
       " updated_at BIGINT NOT NULL, body TEXT NOT NULL);"},
  };
  return *m;
}

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

Value Nullable(const std::string& s) { return s.empty() ? Value(nullptr) : Value(s); }

// INSERT for creates (a conflict is ALREADY_EXISTS), upsert otherwise; the same text in
// both dialects.
absl::Status Put(Transaction& t, const char* table, const char* id_col, const char* c1, const char* c2,
                 const char* c3, bool create, std::vector<Value> values) {
  std::string cols = absl::StrCat(id_col, ", ", c1);
  std::string params = "$1, $2";
  int n = 2;
  for (const char* c : {c2, c3}) {
    if (c == nullptr) continue;
    absl::StrAppend(&cols, ", ", c);
    absl::StrAppend(&params, ", $", ++n);
  }
  absl::StrAppend(&cols, ", updated_at, body");
  absl::StrAppend(&params, ", $", n + 1, ", $", n + 2);
  std::string sql = absl::StrCat("INSERT INTO ", table, " (", cols, ") VALUES (", params, ")");
  if (!create) {
    absl::StrAppend(&sql, " ON CONFLICT (", id_col, ") DO UPDATE SET ", c1, " = excluded.", c1);
    for (const char* c : {c2, c3}) {
      if (c) absl::StrAppend(&sql, ", ", c, " = excluded.", c);
    }
    absl::StrAppend(&sql, ", updated_at = excluded.updated_at, body = excluded.body");
  }
  return t.Execute(sql, values).status();
}

template <typename T>
absl::Status LoadTable(Transaction& t, const char* table, std::vector<T>& out) {
  auto r = t.Execute(absl::StrCat("SELECT body FROM ", table));
  if (!r.ok()) return r.status();
  for (const auto& row : r->rows) {
    T obj;
    if (auto s = json::FromJsonText(row.Text(0), obj); !s.ok()) {
      return absl::DataLossError(absl::StrCat(table, ": unreadable row: ", s.message()));
    }
    out.push_back(std::move(obj));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqlKeyStore>> SqlKeyStore::Create(std::unique_ptr<storage::Database> db) {
  if (auto s = storage::Migrate(*db, "keymgr", Migrations()); !s.ok()) return s;
  return std::unique_ptr<SqlKeyStore>(new SqlKeyStore(std::move(db)));
}

absl::StatusOr<Snapshot> SqlKeyStore::LoadAll() {
  Snapshot snap;
  absl::Status s = db_->Transact([&](Transaction& t) -> absl::Status {
    snap = {};
    if (auto st = LoadTable(t, "keymgr_keys", snap.keys); !st.ok()) return st;
    if (auto st = LoadTable(t, "keymgr_users", snap.users); !st.ok()) return st;
    return LoadTable(t, "keymgr_teams", snap.teams);
  });
  if (!s.ok()) return s;
  return snap;
}

absl::Status SqlKeyStore::Apply(const Mutation& m) {
  int64_t now = NowMillis();
  return db_->Transact([&](Transaction& t) -> absl::Status {
    for (const auto& token : m.delete_keys) {
      if (auto r = t.Execute("DELETE FROM keymgr_keys WHERE token = $1", {token}); !r.ok()) return r.status();
    }
    for (const auto& id : m.delete_users) {
      if (auto r = t.Execute("DELETE FROM keymgr_users WHERE user_id = $1", {id}); !r.ok()) return r.status();
    }
    for (const auto& id : m.delete_teams) {
      if (auto r = t.Execute("DELETE FROM keymgr_teams WHERE team_id = $1", {id}); !r.ok()) return r.status();
    }
    for (const auto& p : m.users) {
      if (auto s = Put(t, "keymgr_users", "user_id", "user_email", nullptr, nullptr, p.create,
                       {p.user.user_id(), Nullable(p.user.user_email()), now, json::ToJsonText(p.user)});
          !s.ok()) {
        return s;
      }
    }
    for (const auto& p : m.teams) {
      if (auto s = Put(t, "keymgr_teams", "team_id", "team_alias", nullptr, nullptr, p.create,
                       {p.team.team_id(), Nullable(p.team.team_alias()), now, json::ToJsonText(p.team)});
          !s.ok()) {
        return s;
      }
    }
    for (const auto& p : m.keys) {
      if (auto s = Put(t, "keymgr_keys", "token", "key_alias", "user_id", "team_id", p.create,
                       {p.key.token(), Nullable(p.key.key_alias()), Nullable(p.key.user_id()),
                        Nullable(p.key.team_id()), now, json::ToJsonText(p.key)});
          !s.ok()) {
        return s;
      }
    }
    return absl::OkStatus();
  });
}

}  // namespace llmgw::keymgr
