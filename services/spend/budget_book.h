// Budget counters and reservations, in memory, exact: a reservation is checked and taken
// against every budget that applies under one lock, so concurrent requests can never
// push spend past a budget. Settle replaces a reservation with the actual cost and is
// idempotent by request id. Rebuilt at start from the ledger's charges.
//
// A counter is one scope ("key:<hash>", "team:<id>", "key:<hash>|model:<m>" ...) in one
// budget period; a new period starts from zero.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "llmgw/common/money.h"
#include "services/spend/budget_period.h"

namespace llmgw::spend {

struct BudgetLine {
  std::string scope;  // "key:<hash>", "user:<id>", "team:<id>", "end_user:<id>", "...|model:<m>"
  std::string label;  // for messages: "key sk-...abcd", "team 'search'"
  Period period;
  MicroUsd max_budget = -1;   // -1: tracked, not limited
  MicroUsd soft_budget = -1;  // -1: no alert
};

// A soft budget crossed for the first time in its period.
struct SoftBudgetAlert {
  std::string scope;
  std::string label;
  MicroUsd spend = 0;
  MicroUsd soft_budget = 0;
  Period period;
};

class BudgetBook {
 public:
  // Holds `amount` on every line that has a max_budget. RESOURCE_EXHAUSTED with kind
  // BUDGET_EXCEEDED naming the first line whose spend + reservations + amount would pass
  // its budget; then nothing is held. A request id reserves once (a repeat is a no-op).
  absl::Status Reserve(const std::string& request_id, const std::vector<BudgetLine>& lines, MicroUsd amount,
                       std::chrono::system_clock::time_point now, std::chrono::seconds ttl);

  // Drops the reservation of `request_id` (if any) and adds `cost` to every line. False,
  // changing nothing, when the request id was settled before.
  bool Settle(const std::string& request_id, const std::vector<BudgetLine>& lines, MicroUsd cost,
              std::chrono::system_clock::time_point now, std::vector<SoftBudgetAlert>* alerts);

  void Release(const std::string& request_id);
  // Takes back a Settle whose ledger row could not be made durable, so a retried settle
  // applies again (the reservation is not restored: the retry only adds the cost).
  void Unsettle(const std::string& request_id, const std::vector<BudgetLine>& lines, MicroUsd cost);

  // Rebuild: spend already in the ledger for `scope` in the period starting at `start`,
  // and request ids already settled (so a replayed Settle adds nothing).
  void Load(const std::string& scope, int64_t period_start, MicroUsd spend);
  void MarkSettled(const std::string& request_id, std::chrono::system_clock::time_point when);

  struct View {
    MicroUsd spend = 0;
    MicroUsd reserved = 0;
  };
  View Get(const std::string& scope, const Period& period) const;
  size_t reservations() const;

 private:
  struct Counter {
    MicroUsd spend = 0;
    MicroUsd reserved = 0;
    int64_t alerted_period = -1;  // period start of the last soft-budget alert
  };
  struct Reservation {
    std::vector<std::string> counters;
    MicroUsd amount = 0;
    std::chrono::system_clock::time_point expires;
  };
  static std::string CounterKey(const std::string& scope, const Period& p);
  void Expire(std::chrono::system_clock::time_point now);  // holds mu_
  void Drop(const std::string& request_id);                // holds mu_
  void PruneSettled(std::chrono::system_clock::time_point now);  // holds mu_

  mutable std::mutex mu_;
  std::unordered_map<std::string, Counter> counters_;
  std::unordered_map<std::string, Reservation> reservations_;
  std::multimap<std::chrono::system_clock::time_point, std::string> by_expiry_;
  // Settled request ids, remembered for ten minutes (bounded): past any retry of a Settle.
  std::unordered_map<std::string, std::chrono::system_clock::time_point> settled_;
  std::deque<std::pair<std::chrono::system_clock::time_point, std::string>> settled_order_;
};

}  // namespace llmgw::spend
