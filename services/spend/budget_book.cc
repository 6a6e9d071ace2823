#include "services/spend/budget_book.h"

#include "absl/strings/str_cat.h"
#include "llmgw/common/error.h"

namespace llmgw::spend {
namespace {

// Settled request ids are remembered for 10 minutes (gateways retry a settle for about
// two) and at most 300,000 of them (about 30 MB). A repeat of one already forgotten still
// adds no ledger row (the database keys rows by request id); it can only make the
// in-memory counter higher than the ledger until the next restart: budgets then err on
// the side of refusing, never of overshooting.
constexpr auto kRememberSettled = std::chrono::minutes(10);
constexpr size_t kMaxRemembered = 300'000;

std::string Usd(MicroUsd m) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6f", static_cast<double>(m) / 1e6);
  return buf;
}

}  // namespace

std::string BudgetBook::CounterKey(const std::string& scope, const Period& p) {
  return absl::StrCat(scope, "@", p.start);
}

void BudgetBook::Expire(std::chrono::system_clock::time_point now) {
  while (!by_expiry_.empty() && by_expiry_.begin()->first <= now) {
    std::string id = by_expiry_.begin()->second;
    by_expiry_.erase(by_expiry_.begin());
    Drop(id);
  }
}

void BudgetBook::Drop(const std::string& request_id) {
  auto it = reservations_.find(request_id);
  if (it == reservations_.end()) return;
  for (const auto& key : it->second.counters) {
    auto c = counters_.find(key);
    if (c != counters_.end()) c->second.reserved -= it->second.amount;
  }
  reservations_.erase(it);
}

void BudgetBook::PruneSettled(std::chrono::system_clock::time_point now) {
  while (!settled_order_.empty() &&
         (settled_order_.front().first + kRememberSettled < now || settled_order_.size() > kMaxRemembered)) {
    auto it = settled_.find(settled_order_.front().second);
    if (it != settled_.end() && it->second == settled_order_.front().first) settled_.erase(it);
    settled_order_.pop_front();
  }
}

absl::Status BudgetBook::Reserve(const std::string& request_id, const std::vector<BudgetLine>& lines,
                                 MicroUsd amount, std::chrono::system_clock::time_point now,
                                 std::chrono::seconds ttl) {
  std::lock_guard lock(mu_);
  Expire(now);
  if (reservations_.count(request_id) || settled_.count(request_id)) return absl::OkStatus();
  Reservation r{.amount = amount, .expires = now + ttl};
  for (const auto& line : lines) {
    if (line.max_budget < 0) continue;
    std::string key = CounterKey(line.scope, line.period);
    const Counter& c = counters_[key];
    if (c.spend + c.reserved + amount > line.max_budget) {
      std::string message = absl::StrCat(
          "budget exceeded for ", line.label, ": spend $", Usd(c.spend), " plus $", Usd(c.reserved),
          " reserved by requests in flight plus this request's worst case $", Usd(amount),
          " would pass max_budget $", Usd(line.max_budget));
      if (!line.period.lifetime()) {
        absl::StrAppend(&message, "; the budget resets at ",
                        absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(line.period.end), absl::UTCTimeZone()));
      }
      ErrorOptions o;
      if (!line.period.lifetime()) {
        auto secs = line.period.end - std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
        o.retry_after = std::chrono::seconds(std::max<int64_t>(1, secs));
      }
      return MakeError(absl::StatusCode::kResourceExhausted, common::v1::ERROR_KIND_BUDGET_EXCEEDED, message, o);
    }
    r.counters.push_back(std::move(key));
  }
  if (r.counters.empty()) return absl::OkStatus();
  for (const auto& key : r.counters) counters_[key].reserved += amount;
  by_expiry_.emplace(r.expires, request_id);
  reservations_.emplace(request_id, std::move(r));
  return absl::OkStatus();
}

bool BudgetBook::Settle(const std::string& request_id, const std::vector<BudgetLine>& lines, MicroUsd cost,
                        std::chrono::system_clock::time_point now, std::vector<SoftBudgetAlert>* alerts) {
  std::lock_guard lock(mu_);
  PruneSettled(now);
  if (settled_.count(request_id)) return false;
  Drop(request_id);
  for (const auto& line : lines) {
    Counter& c = counters_[CounterKey(line.scope, line.period)];
    c.spend += cost;
    if (alerts && line.soft_budget >= 0 && c.spend >= line.soft_budget && c.alerted_period != line.period.start) {
      c.alerted_period = line.period.start;
      alerts->push_back({line.scope, line.label, c.spend, line.soft_budget, line.period});
    }
  }
  settled_[request_id] = now;
  settled_order_.emplace_back(now, request_id);
  return true;
}

void BudgetBook::Release(const std::string& request_id) {
  std::lock_guard lock(mu_);
  Drop(request_id);
}

void BudgetBook::Unsettle(const std::string& request_id, const std::vector<BudgetLine>& lines, MicroUsd cost) {
  std::lock_guard lock(mu_);
  if (settled_.erase(request_id) == 0) return;
  for (const auto& line : lines) counters_[CounterKey(line.scope, line.period)].spend -= cost;
}

void BudgetBook::Load(const std::string& scope, int64_t period_start, MicroUsd spend) {
  std::lock_guard lock(mu_);
  counters_[absl::StrCat(scope, "@", period_start)].spend += spend;
}

void BudgetBook::MarkSettled(const std::string& request_id, std::chrono::system_clock::time_point when) {
  std::lock_guard lock(mu_);
  if (settled_.emplace(request_id, when).second) settled_order_.emplace_back(when, request_id);
}

BudgetBook::View BudgetBook::Get(const std::string& scope, const Period& period) const {
  std::lock_guard lock(mu_);
  auto it = counters_.find(CounterKey(scope, period));
  if (it == counters_.end()) return {};
  return {it->second.spend, it->second.reserved};
}

size_t BudgetBook::reservations() const {
  std::lock_guard lock(mu_);
  return reservations_.size();
}

}  // namespace llmgw::spend
