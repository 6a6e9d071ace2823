// The production store: a bounded pool of libpqxx connections. A connection that breaks
// is dropped and remade on the next use, so the process rides out a PostgreSQL restart
// without one of its own. libpqxx exceptions never leave this file.
#include <pqxx/pqxx>

#include <condition_variable>
#include <mutex>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libs/storage/src/backends.h"

namespace llmgw::storage::internal {
namespace {

absl::Status FromException(const std::exception& e, std::string_view what) {
  std::string msg = absl::StrCat("postgresql: ", std::string(what), ": ", e.what());
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr ||
      dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr) {
    return absl::UnavailableError(msg);
  }
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    const std::string& state = sql->sqlstate();
    if (state == "23505") return absl::AlreadyExistsError(msg);
    // 08: connection exception; 57P: operator intervention (shutdown); 53: resources.
    if (absl::StartsWith(state, "08") || absl::StartsWith(state, "57P") ||
        absl::StartsWith(state, "53")) {
      return absl::UnavailableError(msg);
    }
    if (state == "40001" || state == "40P01") return absl::AbortedError(msg);
  }
  return absl::InternalError(msg);
}

class PgTransaction final : public Transaction {
 public:
  explicit PgTransaction(pqxx::work& txn) : txn_(txn) {}

  absl::StatusOr<Result> Execute(std::string_view sql, const std::vector<Value>& params) override {
    if (!failed_.ok()) return failed_;  // PostgreSQL refuses everything after an error
    try {
      pqxx::result r;
      if (params.empty()) {
        r = txn_.exec(std::string(sql));
      } else {
        std::vector<std::string> texts(params.size());
        std::vector<const char*> args(params.size(), nullptr);
        for (size_t i = 0; i < params.size(); ++i) {
          if (const auto* n = std::get_if<int64_t>(&params[i])) {
            texts[i] = std::to_string(*n);
            args[i] = texts[i].c_str();
          } else if (const auto* s = std::get_if<std::string>(&params[i])) {
            args[i] = s->c_str();
          }
        }
        r = txn_.exec_params(std::string(sql), pqxx::prepare::make_dynamic_params(args));
      }
      Result out;
      out.affected = static_cast<int64_t>(r.affected_rows());
      out.rows.reserve(r.size());
      for (const auto& row : r) {
        Row o;
        o.cells.reserve(row.size());
        for (const auto& field : row) {
          if (field.is_null()) {
            o.cells.emplace_back(std::nullopt);
          } else {
            o.cells.emplace_back(std::string(field.c_str(), field.size()));
          }
        }
        out.rows.push_back(std::move(o));
      }
      return out;
    } catch (const std::exception& e) {
      failed_ = FromException(e, "statement");
      return failed_;
    }
  }

  const absl::Status& failed() const { return failed_; }

 private:
  pqxx::work& txn_;
  absl::Status failed_;
};

class PostgresDatabase final : public Database {
 public:
  PostgresDatabase(std::string conninfo, std::string description, const DatabaseOptions& options)
      : conninfo_(std::move(conninfo)), description_(std::move(description)), options_(options) {
    idle_.reserve(options.pool_size);
  }

  Dialect dialect() const override { return Dialect::kPostgres; }
  const std::string& description() const override { return description_; }

  absl::Status Transact(const std::function<absl::Status(Transaction&)>& body) override {
    for (int attempt = 0;; ++attempt) {
      bool reused = false;
      auto conn = Acquire(reused);
      if (!conn.ok()) return conn.status();
      std::unique_ptr<pqxx::connection> c = std::move(*conn);
      absl::Status status;
      bool in_doubt = false;
      try {
        pqxx::work txn(*c);
        PgTransaction t(txn);
        status = body(t);
        if (status.ok() && t.failed().ok()) {
          txn.commit();
        } else if (status.ok()) {
          status = t.failed();
        }
      } catch (const pqxx::in_doubt_error& e) {
        in_doubt = true;
        status = FromException(e, "commit");
      } catch (const std::exception& e) {
        status = FromException(e, "transaction");
      }
      if (!absl::IsUnavailable(status)) {
        Release(std::move(c));
        return status;
      }
      Release(nullptr);
      // A pooled connection that broke (the server restarted) says nothing about the
      // server now: the others are as stale. Drop them and try once on a fresh one.
      // Never after an uncertain commit, which might have happened.
      DropIdle();
      if (!reused || in_doubt || attempt > 0) return status;
    }
  }

  absl::Status Ping() override {
    return Transact([](Transaction& t) { return t.Execute("SELECT 1").status(); });
  }

 private:
  void DropIdle() {
    std::lock_guard lock(mu_);
    open_ -= static_cast<int>(idle_.size());
    idle_.clear();
    cv_.notify_all();
  }

  absl::StatusOr<std::unique_ptr<pqxx::connection>> Acquire(bool& reused) {
    {
      std::unique_lock lock(mu_);
      bool got = cv_.wait_for(lock, options_.connect_timeout, [&] {
        return !idle_.empty() || open_ < options_.pool_size;
      });
      if (!got) return absl::UnavailableError("postgresql: every pooled connection is busy");
      if (!idle_.empty()) {
        auto c = std::move(idle_.back());
        idle_.pop_back();
        if (c->is_open()) {
          reused = true;
          return c;
        }
        --open_;
      }
      ++open_;  // reserve the slot, connect outside the lock
    }
    try {
      return std::make_unique<pqxx::connection>(conninfo_);
    } catch (const std::exception& e) {
      Release(nullptr);
      return FromException(e, "connect");
    }
  }

  // nullptr: the connection is gone; its slot frees up.
  void Release(std::unique_ptr<pqxx::connection> c) {
    {
      std::lock_guard lock(mu_);
      if (c) {
        idle_.push_back(std::move(c));
      } else {
        --open_;
      }
    }
    cv_.notify_one();
  }

  std::string conninfo_;
  std::string description_;
  DatabaseOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
  int open_ = 0;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Database>> OpenPostgres(const std::string& url,
                                                       const DatabaseOptions& options) {
  if (options.pool_size < 1) return absl::InvalidArgumentError("postgresql: pool size must be >= 1");
  std::string conninfo = url;
  if (!absl::StrContains(url, "connect_timeout")) {
    absl::StrAppend(&conninfo, absl::StrContains(url, "?") ? "&" : "?", "connect_timeout=",
                    options.connect_timeout.count());
  }
  return std::make_unique<PostgresDatabase>(conninfo, RedactUrl(url), options);
}

}  // namespace llmgw::storage::internal
