#include "services/spend/spend_service.h"

#include <mutex>

#include <google/protobuf/util/time_util.h>

#include "absl/strings/str_cat.h"
#include "llmgw/common/error.h"
#include "llmgw/telemetry/log.h"

namespace llmgw::spend {
namespace {

using google::protobuf::util::TimeUtil;

int64_t Unix(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

const char* ScopeName(common::v1::Scope s) {
  switch (s) {
    case common::v1::SCOPE_KEY: return "key";
    case common::v1::SCOPE_USER: return "user";
    case common::v1::SCOPE_TEAM: return "team";
    default: return "other";
  }
}

std::string Label(common::v1::Scope s, const common::v1::Principal& p, const std::string& id) {
  if (s == common::v1::SCOPE_KEY) return "key " + p.key_name();
  return absl::StrCat(ScopeName(s), " '", id, "'");
}

absl::Status Invalid(std::string message) {
  return MakeError(absl::StatusCode::kInvalidArgument, common::v1::ERROR_KIND_INVALID_REQUEST, message);
}

}  // namespace

absl::StatusOr<std::unique_ptr<SpendService>> SpendService::Create(SpendOptions options,
                                                                   const pricing::PriceTable& prices,
                                                                   LedgerStore& store, LedgerWriter& writer,
                                                                   const Clock& clock) {
  std::unique_ptr<SpendService> s(new SpendService(std::move(options), prices, store, writer, clock));
  int64_t now = Unix(clock.Now());
  auto open = store.OpenCharges(now);
  if (!open.ok()) return open.status();
  for (const auto& c : *open) s->book_.Load(c.scope, c.period_start, c.spend_micros);
  auto recent = store.RecentRequestIds(now - 600);
  if (!recent.ok()) return recent.status();
  for (const auto& id : *recent) s->book_.MarkSettled(id, clock.Now());
  return s;
}

absl::StatusOr<std::vector<BudgetLine>> SpendService::LinesFor(const common::v1::Principal& p,
                                                               const std::string& model,
                                                               const std::string& end_user) const {
  std::vector<BudgetLine> lines;
  auto now = clock_.Now();
  std::set<std::string> budgeted;
  for (const auto& b : p.budgets()) {
    auto period = PeriodAt(b.budget_duration(), now);
    if (!period.ok()) return Invalid(std::string(period.status().message()));
    std::string scope = absl::StrCat(ScopeName(b.scope()), ":", b.id());
    budgeted.insert(scope);
    lines.push_back({scope, Label(b.scope(), p, b.id()), *period,
                     b.has_max_budget() ? b.max_budget().micros() : -1,
                     b.has_soft_budget() ? b.soft_budget().micros() : -1});
    if (auto mb = b.model_max_budget().find(model); mb != b.model_max_budget().end()) {
      auto mp = PeriodAt(mb->second.time_period(), now);
      if (!mp.ok()) return Invalid(std::string(mp.status().message()));
      lines.push_back({absl::StrCat(scope, "|model:", model),
                       absl::StrCat(Label(b.scope(), p, b.id()), " on model '", model, "'"), *mp,
                       mb->second.budget_limit().micros(), -1});
    }
  }
  // Spend is tracked for the key, its user and its team even without a budget (for
  // /key/info, /user/info, /team/info): lifetime counters.
  auto track = [&](const char* kind, const std::string& id) {
    if (id.empty()) return;
    std::string scope = absl::StrCat(kind, ":", id);
    if (!budgeted.count(scope)) lines.push_back({scope, scope, Period{}, -1, -1});
  };
  track("key", p.key_hash());
  track("user", p.user_id());
  track("team", p.team_id());
  if (!end_user.empty()) {
    auto period = PeriodAt(options_.end_user_budget_duration, now);
    if (!period.ok()) return Invalid(std::string(period.status().message()));
    lines.push_back({"end_user:" + end_user, absl::StrCat("end user '", end_user, "'"), *period,
                     options_.max_end_user_budget, -1});
  }
  return lines;
}

int64_t SpendService::OutputTokens(const v1::ReserveRequest& r) const {
  const pricing::Price& price = prices_.WorstForGroup(r.model_group());
  return r.max_output_tokens() > 0 ? r.max_output_tokens()
         : price.max_output_tokens > 0 ? price.max_output_tokens
                                       : options_.default_max_output_tokens;
}

MicroUsd SpendService::WorstCase(const v1::ReserveRequest& r) const {
  const pricing::Price& price = prices_.WorstForGroup(r.model_group());
  return CostMicros(r.prompt_tokens(), price.input) + CostMicros(OutputTokens(r), price.output);
}

absl::StatusOr<v1::ReserveResponse> SpendService::Reserve(const v1::ReserveRequest& r) {
  if (r.request_id().empty()) return Invalid("request_id: required");
  auto lines = LinesFor(r.principal(), r.model_group(), r.end_user());
  if (!lines.ok()) return lines.status();
  MicroUsd amount = WorstCase(r);
  {
    std::lock_guard lock(teams_mu_);
    for (const auto& line : *lines) {
      if (line.max_budget >= 0 && line.scope.rfind("team:", 0) == 0 && line.scope.find('|') == std::string::npos) {
        teams_[line.scope] = line;
      }
    }
  }
  int64_t ttl = r.has_ttl() ? std::max<int64_t>(1, r.ttl().seconds()) : 600;
  if (auto s = book_.Reserve(r.request_id(), *lines, amount, clock_.Now(), std::chrono::seconds(ttl)); !s.ok()) {
    return s;
  }
  v1::ReserveResponse out;
  out.mutable_reserved()->set_micros(amount);
  out.set_max_output_tokens(OutputTokens(r));
  return out;
}

std::vector<SpendService::TeamBudget> SpendService::TeamBudgets() const {
  std::vector<BudgetLine> lines;
  {
    std::lock_guard lock(teams_mu_);
    for (const auto& [_, line] : teams_) lines.push_back(line);
  }
  std::vector<TeamBudget> out;
  for (const auto& line : lines) {
    BudgetBook::View v = book_.Get(line.scope, line.period);
    out.push_back({.team = line.scope.substr(5), .max_budget = line.max_budget,
                   .remaining = line.max_budget - v.spend - v.reserved});
  }
  return out;
}

void SpendService::SettleBatch(const v1::SettleBatchRequest& r,
                               std::function<void(absl::StatusOr<v1::SettleBatchResponse>)> done) {
  int n = r.settles_size();
  if (n == 0) return done(v1::SettleBatchResponse());
  struct Join {
    std::mutex mu;
    int left;
    absl::Status status;
    std::vector<bool> applied;
    std::function<void(absl::StatusOr<v1::SettleBatchResponse>)> done;
  };
  auto join = std::make_shared<Join>();
  join->left = n;
  join->applied.assign(n, false);
  join->done = std::move(done);
  for (int i = 0; i < n; ++i) {
    Settle(r.settles(i), [join, i](absl::StatusOr<v1::SettleResponse> one) {
      std::unique_lock lock(join->mu);
      if (one.ok()) {
        join->applied[i] = one->applied();
      } else if (join->status.ok()) {
        join->status = one.status();
      }
      if (--join->left > 0) return;
      lock.unlock();
      if (!join->status.ok()) return join->done(join->status);
      v1::SettleBatchResponse response;
      for (bool a : join->applied) response.add_applied(a);
      join->done(std::move(response));
    });
  }
}

void SpendService::Settle(const v1::SettleRequest& r, std::function<void(absl::StatusOr<v1::SettleResponse>)> done) {
  if (r.request_id().empty()) return done(Invalid("request_id: required"));
  auto lines = LinesFor(r.principal(), r.model_group(), r.end_user());
  if (!lines.ok()) return done(lines.status());
  MicroUsd cost = r.has_cost() ? std::max<int64_t>(0, r.cost().micros())
                                : pricing::CostOf(r.deployment_id().empty() ? prices_.WorstForGroup(r.model_group())
                                                                            : prices_.ForDeployment(r.deployment_id()),
                                                  r.usage());
  std::vector<SoftBudgetAlert> alerts;
  bool applied = book_.Settle(r.request_id(), *lines, cost, clock_.Now(), &alerts);
  for (const auto& a : alerts) {
    log::Warn("soft budget reached", {{"scope", a.scope}, {"label", a.label},
                                      {"spend_usd", static_cast<double>(a.spend) / 1e6},
                                      {"soft_budget_usd", static_cast<double>(a.soft_budget) / 1e6}});
    if (options_.on_soft_budget) options_.on_soft_budget(a);
  }
  v1::SettleResponse resp;
  resp.set_applied(applied);
  if (!applied) return done(resp);  // the first settle wrote (or is writing) the row
  LedgerEntry e;
  v1::SpendLog& l = e.log;
  const auto& p = r.principal();
  l.set_request_id(r.request_id());
  l.set_api_key(p.key_hash());
  l.set_key_alias(p.key_alias());
  l.set_user_id(p.user_id());
  l.set_team_id(p.team_id());
  l.set_end_user(r.end_user());
  l.set_model_group(r.model_group());
  l.set_model_id(r.deployment_id());
  l.set_provider(r.provider());
  l.set_prompt_tokens(r.usage().prompt_tokens());
  l.set_completion_tokens(r.usage().completion_tokens());
  l.set_cached_tokens(r.usage().cached_tokens());
  l.set_total_tokens(r.usage().prompt_tokens() + r.usage().completion_tokens());
  l.mutable_spend()->set_micros(cost);
  l.set_status(r.status().empty() ? "success" : r.status());
  *l.mutable_start_time() = r.has_start_time() ? r.start_time() : TimeUtil::GetCurrentTime();
  *l.mutable_end_time() = r.has_end_time() ? r.end_time() : TimeUtil::GetCurrentTime();
  l.set_cache_hit(r.cache_hit());
  if (p.has_metadata()) *l.mutable_metadata() = p.metadata();
  for (const auto& line : *lines) {
    e.charges.push_back({line.scope, line.period.start, line.period.end, cost});
  }
  auto undo = [this, id = r.request_id(), lines = *lines, cost] { book_.Unsettle(id, lines, cost); };
  bool queued = writer_.Enqueue(std::move(e), [resp, done, undo](absl::Status s) {
    if (!s.ok()) {
      undo();  // not durable: the caller's retry must apply it again
      return done(s);
    }
    done(resp);
  });
  if (!queued) {
    undo();
    done(MakeError(absl::StatusCode::kUnavailable, common::v1::ERROR_KIND_OVERLOADED,
                   "spend's ledger queue is full; retry the settle", {.retry_after = std::chrono::seconds(1)}));
  }
}

void SpendService::Release(const v1::ReleaseRequest& r) { book_.Release(r.request_id()); }

absl::StatusOr<v1::GetSpendResponse> SpendService::GetSpend(const v1::GetSpendRequest& r) const {
  auto period = PeriodAt(r.budget_duration(), clock_.Now());
  if (!period.ok()) return Invalid(std::string(period.status().message()));
  BudgetBook::View v = book_.Get(absl::StrCat(ScopeName(r.scope()), ":", r.id()), *period);
  v1::GetSpendResponse out;
  out.mutable_spend()->set_micros(v.spend);
  out.mutable_reserved()->set_micros(v.reserved);
  if (!period->lifetime()) *out.mutable_budget_reset_at() = TimeUtil::SecondsToTimestamp(period->end);
  return out;
}

}  // namespace llmgw::spend
