// The spend ledger on SQLite or PostgreSQL: one row per request (keyed by request id) and
// one charge per budget counter the request paid into. Rows and charges are written
// together, and a request id already present adds nothing, so a replayed batch is
// harmless. The open periods' charges rebuild the budget counters at start.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "llmgw/spend/v1/spend.pb.h"
#include "llmgw/storage/database.h"

namespace llmgw::spend {

struct Charge {
  std::string scope;
  int64_t period_start = 0;
  int64_t period_end = 0;
  int64_t cost_micros = 0;
};

struct LedgerEntry {
  v1::SpendLog log;
  std::vector<Charge> charges;
};

struct OpenCharge {
  std::string scope;
  int64_t period_start;
  int64_t spend_micros;
};

class LedgerStore {
 public:
  virtual ~LedgerStore() = default;
  // One transaction. Entries whose request id is already stored are skipped whole.
  // UNAVAILABLE when the database cannot be reached (nothing was written).
  virtual absl::Status Append(const std::vector<LedgerEntry>& entries) = 0;
  // Sums of charges in periods that end after `now_unix`.
  virtual absl::StatusOr<std::vector<OpenCharge>> OpenCharges(int64_t now_unix) = 0;
  // Request ids whose row ended at or after `since_unix`.
  virtual absl::StatusOr<std::vector<std::string>> RecentRequestIds(int64_t since_unix) = 0;
  virtual absl::StatusOr<v1::QuerySpendLogsResponse> Query(const v1::QuerySpendLogsRequest& r) = 0;
  virtual absl::StatusOr<v1::SpendReportResponse> Report(const v1::SpendReportRequest& r) = 0;
  virtual absl::Status Ping() = 0;
};

class SqlLedgerStore final : public LedgerStore {
 public:
  static absl::StatusOr<std::unique_ptr<SqlLedgerStore>> Create(std::unique_ptr<storage::Database> db);

  absl::Status Append(const std::vector<LedgerEntry>& entries) override;
  absl::StatusOr<std::vector<OpenCharge>> OpenCharges(int64_t now_unix) override;
  absl::StatusOr<std::vector<std::string>> RecentRequestIds(int64_t since_unix) override;
  absl::StatusOr<v1::QuerySpendLogsResponse> Query(const v1::QuerySpendLogsRequest& r) override;
  absl::StatusOr<v1::SpendReportResponse> Report(const v1::SpendReportRequest& r) override;
  absl::Status Ping() override { return db_->Ping(); }

 private:
  explicit SqlLedgerStore(std::unique_ptr<storage::Database> db) : db_(std::move(db)) {}
  std::unique_ptr<storage::Database> db_;
};

}  // namespace llmgw::spend
