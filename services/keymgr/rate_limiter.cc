#include "services/keymgr/rate_limiter.h"

#include "absl/strings/str_cat.h"

namespace llmgw::keymgr {
namespace {

int64_t EpochMinute(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::minutes>(t.time_since_epoch()).count();
}

std::chrono::seconds UntilNextMinute(std::chrono::system_clock::time_point t) {
  auto s = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  return std::chrono::seconds(60 - s % 60);
}

void Tighten(LimitView& view, int64_t limit, int64_t used, std::chrono::seconds reset) {
  if (limit < 0) return;
  int64_t remaining = std::max<int64_t>(0, limit - used);
  if (view.limit < 0 || remaining < view.remaining) view = {limit, remaining, reset};
}

}  // namespace

InMemoryCounterStore::Counter& InMemoryCounterStore::Window(const std::string& name, int64_t minute) {
  Counter& c = counters_[name];
  if (c.minute != minute) {  // a new minute: the window starts empty; slots carry over
    c.minute = minute;
    c.requests = 0;
    c.tokens = 0;
  }
  return c;
}

void InMemoryCounterStore::ExpireLeases(std::chrono::system_clock::time_point now) {
  while (!by_expiry_.empty() && by_expiry_.begin()->first <= now) {
    std::string id = by_expiry_.begin()->second;
    by_expiry_.erase(by_expiry_.begin());
    Drop(id, -1);
  }
  // Windows of idle counters are dropped once their minute has passed and no slot is held.
  if (counters_.size() > 100'000) {
    int64_t minute = EpochMinute(now);
    for (auto it = counters_.begin(); it != counters_.end();) {
      it = (it->second.minute < minute && it->second.parallel == 0) ? counters_.erase(it) : std::next(it);
    }
  }
}

Admission InMemoryCounterStore::TryAcquire(const std::vector<LimitCheck>& checks, int64_t tokens,
                                           std::chrono::milliseconds lease) {
  auto now = clock_.Now();
  int64_t minute = EpochMinute(now);
  auto reset = UntilNextMinute(now);
  std::lock_guard lock(mu_);
  ExpireLeases(now);
  Admission a;
  // First decide, touching nothing; then count everything.
  for (const auto& check : checks) {
    Counter& c = Window(check.counter, minute);
    auto refuse = [&](const char* limit, int64_t value, std::chrono::seconds retry) {
      a.refused_limit = limit;
      a.refused_scope = check.scope;
      a.refused_value = value;
      a.retry_after = retry;
    };
    if (check.rpm >= 0 && c.requests + 1 > check.rpm) {
      refuse("rpm_limit", check.rpm, reset);
    } else if (check.tpm >= 0 && c.tokens + tokens > check.tpm) {
      refuse("tpm_limit", check.tpm, reset);
    } else if (check.parallel >= 0 && c.parallel + 1 > check.parallel) {
      refuse("max_parallel_requests", check.parallel, std::chrono::seconds(1));
    }
    Tighten(a.requests, check.rpm, c.requests, reset);
    Tighten(a.tokens, check.tpm, c.tokens, reset);
    if (!a.refused_limit.empty()) return a;
  }
  a = {};
  a.admitted = true;
  Lease l{.minute = minute, .tokens = tokens, .expires = now + lease};
  for (const auto& check : checks) {
    Counter& c = counters_[check.counter];
    c.requests += 1;
    c.tokens += tokens;
    bool slot = check.parallel >= 0;
    if (slot) c.parallel += 1;
    l.counters.push_back(check.counter);
    l.holds_slot.push_back(slot);
    Tighten(a.requests, check.rpm, c.requests, reset);
    Tighten(a.tokens, check.tpm, c.tokens, reset);
  }
  a.lease_id = absl::StrCat("l", next_lease_++);
  by_expiry_.emplace(l.expires, a.lease_id);
  leases_.emplace(a.lease_id, std::move(l));
  return a;
}

void InMemoryCounterStore::Drop(const std::string& id, int64_t actual_tokens) {
  auto it = leases_.find(id);
  if (it == leases_.end()) return;
  const Lease& l = it->second;
  for (size_t i = 0; i < l.counters.size(); ++i) {
    auto c = counters_.find(l.counters[i]);
    if (c == counters_.end()) continue;
    if (l.holds_slot[i] && c->second.parallel > 0) c->second.parallel -= 1;
    if (actual_tokens >= 0 && c->second.minute == l.minute) {
      c->second.tokens = std::max<int64_t>(0, c->second.tokens - l.tokens + actual_tokens);
    }
  }
  leases_.erase(it);
}

void InMemoryCounterStore::Release(const std::string& lease_id, int64_t actual_tokens) {
  std::lock_guard lock(mu_);
  auto it = leases_.find(lease_id);
  if (it == leases_.end()) return;
  auto range = by_expiry_.equal_range(it->second.expires);
  for (auto e = range.first; e != range.second; ++e) {
    if (e->second == lease_id) {
      by_expiry_.erase(e);
      break;
    }
  }
  Drop(lease_id, actual_tokens);
}

size_t InMemoryCounterStore::active_leases() const {
  std::lock_guard lock(mu_);
  return leases_.size();
}

}  // namespace llmgw::keymgr
