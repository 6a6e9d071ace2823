// spend's logic: budgets (reserve before dispatch, settle after) and the ledger. Budget
// decisions come from memory (BudgetBook), exact under any concurrency; every settled
// request becomes one ledger row, durable before Settle is acknowledged.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include "absl/status/statusor.h"
#include "llmgw/common/clock.h"
#include "llmgw/pricing/price_table.h"
#include "llmgw/spend/v1/spend.pb.h"
#include "services/spend/budget_book.h"
#include "services/spend/ledger_store.h"
#include "services/spend/ledger_writer.h"

namespace llmgw::spend {

struct SpendOptions {
  // litellm_settings.max_end_user_budget (micro-dollars; -1: none) and its period.
  MicroUsd max_end_user_budget = -1;
  std::string end_user_budget_duration;
  // Output tokens a reservation assumes when neither the request nor the model says.
  int64_t default_max_output_tokens = 4096;
  // Runs (after the log line) for each soft budget first reached in its period: metrics,
  // the webhook. Must not block.
  std::function<void(const SoftBudgetAlert&)> on_soft_budget;
};

class SpendService {
 public:
  // Rebuilds the counters from the ledger (open periods) and remembers the last ten
  // minutes' request ids, so a settle replayed after a restart changes nothing.
  static absl::StatusOr<std::unique_ptr<SpendService>> Create(SpendOptions options, const pricing::PriceTable& prices,
                                                              LedgerStore& store, LedgerWriter& writer,
                                                              const Clock& clock);

  absl::StatusOr<v1::ReserveResponse> Reserve(const v1::ReserveRequest& r);
  // `done` runs once the ledger row is durable (or failed to become so).
  void Settle(const v1::SettleRequest& r, std::function<void(absl::StatusOr<v1::SettleResponse>)> done);
  // Every settle of `r`; `done` runs once, when the last is durable, with the first
  // failure if any (the caller retries the whole batch: entries already settled answer
  // applied=false then).
  void SettleBatch(const v1::SettleBatchRequest& r, std::function<void(absl::StatusOr<v1::SettleBatchResponse>)> done);
  void Release(const v1::ReleaseRequest& r);
  absl::StatusOr<v1::GetSpendResponse> GetSpend(const v1::GetSpendRequest& r) const;

  // The worst-case cost the reservation of `r` holds, and the output tokens it assumes.
  MicroUsd WorstCase(const v1::ReserveRequest& r) const;
  int64_t OutputTokens(const v1::ReserveRequest& r) const;
  size_t reservations() const { return book_.reservations(); }

  // The team budgets seen in reservations, with what is left of each in its current period
  // (max - spend - reserved), for the metrics.
  struct TeamBudget {
    std::string team;
    MicroUsd max_budget = 0;
    MicroUsd remaining = 0;
  };
  std::vector<TeamBudget> TeamBudgets() const;

 private:
  SpendService(SpendOptions options, const pricing::PriceTable& prices, LedgerStore& store, LedgerWriter& writer,
               const Clock& clock)
      : options_(std::move(options)), prices_(prices), store_(store), writer_(writer), clock_(clock) {}

  // Every counter a request of `principal` on `model` pays into, with the budgets that
  // limit them. `enforce_user` is false for team keys (the team's budget applies).
  absl::StatusOr<std::vector<BudgetLine>> LinesFor(const common::v1::Principal& principal, const std::string& model,
                                                   const std::string& end_user) const;

  SpendOptions options_;
  const pricing::PriceTable& prices_;
  LedgerStore& store_;
  LedgerWriter& writer_;
  const Clock& clock_;
  BudgetBook book_;
  mutable std::mutex teams_mu_;
  std::map<std::string, BudgetLine> teams_;  // by scope ("team:<id>"), the last line seen
};

}  // namespace llmgw::spend
