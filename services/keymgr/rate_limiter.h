// rpm, tpm and parallel-request limits. Windows are fixed calendar minutes (UTC, aligned
// to the epoch minute, the same on every replica): rpm N admits exactly N requests per
// minute, and tpm counts estimated tokens at admission, corrected by Release. A parallel
// slot is held by a lease until Release or until the lease expires (its gateway died).
//
// CounterStore is the atomic part: all checks of one request pass or none is counted.
// In memory here; a Redis implementation (one Lua script) fills the same interface.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "llmgw/common/clock.h"

namespace llmgw::keymgr {

// One counter's limits; -1: no limit of that kind.
struct LimitCheck {
  std::string counter;  // "key:<token>", "team:<id>:model:<m>" ...
  std::string scope;    // for messages: "key sk-...abcd", "team 'search'"
  int64_t rpm = -1;
  int64_t tpm = -1;
  int64_t parallel = -1;
};

struct LimitView {
  int64_t limit = -1;  // -1: none
  int64_t remaining = 0;
  std::chrono::seconds reset{0};
};

struct Admission {
  bool admitted = false;
  std::string lease_id;  // when admitted
  // When refused: which limit, whose, and when to retry.
  std::string refused_limit;  // "rpm_limit", "tpm_limit", "max_parallel_requests"
  std::string refused_scope;
  int64_t refused_value = 0;
  std::chrono::seconds retry_after{0};
  // The tightest request and token limits, for x-ratelimit-* headers.
  LimitView requests;
  LimitView tokens;
};

class CounterStore {
 public:
  virtual ~CounterStore() = default;
  virtual Admission TryAcquire(const std::vector<LimitCheck>& checks, int64_t tokens,
                               std::chrono::milliseconds lease) = 0;
  // actual_tokens < 0: keep the estimate. Unknown or expired leases are ignored.
  virtual void Release(const std::string& lease_id, int64_t actual_tokens) = 0;
  virtual size_t active_leases() const = 0;
};

class InMemoryCounterStore final : public CounterStore {
 public:
  explicit InMemoryCounterStore(const Clock& clock) : clock_(clock) {}

  Admission TryAcquire(const std::vector<LimitCheck>& checks, int64_t tokens,
                       std::chrono::milliseconds lease) override;
  void Release(const std::string& lease_id, int64_t actual_tokens) override;
  size_t active_leases() const override;

 private:
  struct Counter {
    int64_t minute = -1;  // epoch minute of the window
    int64_t requests = 0;
    int64_t tokens = 0;
    int64_t parallel = 0;
  };
  struct Lease {
    std::vector<std::string> counters;
    std::vector<bool> holds_slot;
    int64_t minute = 0;
    int64_t tokens = 0;
    std::chrono::system_clock::time_point expires;
  };

  Counter& Window(const std::string& name, int64_t minute);
  void ExpireLeases(std::chrono::system_clock::time_point now);
  void Drop(const std::string& id, int64_t actual_tokens);

  const Clock& clock_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Counter> counters_;
  std::unordered_map<std::string, Lease> leases_;
  std::multimap<std::chrono::system_clock::time_point, std::string> by_expiry_;
  uint64_t next_lease_ = 1;
};

}  // namespace llmgw::keymgr
