// What the router knows about one deployment right now: calls in flight, recent failures,
// cooldown (a circuit breaker: closed -> open for cooldown_time -> half-open, where one
// trial request decides), recent latency, this minute's usage, and drill overrides.
// Thread-safe; every method is short and never blocks on I/O.
#pragma once

#include <array>
#include <chrono>
#include <deque>
#include <mutex>
#include <optional>
#include <string>

#include "llmgw/common/clock.h"
#include "llmgw/config/config.h"

namespace llmgw::router {

using SteadyTime = std::chrono::steady_clock::time_point;
using Millis = std::chrono::milliseconds;

enum class Circuit { kClosed, kOpen, kHalfOpen };

struct HealthPolicy {
  int allowed_fails = 3;
  Millis window{60'000};
  Millis cooldown{5'000};
  bool cooldowns_enabled = true;
};

// The result of one attempt, as far as health is concerned.
struct AttemptOutcome {
  bool ok = false;
  // A failure that says the deployment is unwell (429, 401, 404, 408, 5xx, timeouts).
  bool cooldown_eligible = false;
  std::optional<Millis> retry_after;  // the provider's Retry-After, if any
  Millis latency{0};
  std::optional<Millis> time_to_first_chunk;
  int64_t tokens = 0;
  std::string error;  // short reason, for ListDeployments
};

struct HealthSnapshot {
  Circuit circuit = Circuit::kClosed;
  std::optional<SteadyTime> cooldown_until;
  std::string cooldown_reason;
  bool trial_in_flight = false;
  std::optional<SteadyTime> forced_fail_until;
  int64_t in_flight = 0;
  std::optional<double> latency_ms;  // average of recent samples within the window
  std::optional<double> ttft_ms;
  int64_t minute_requests = 0;  // this UTC-less steady minute
  int64_t minute_tokens = 0;
  int64_t recent_successes = 0;  // within the allowed_fails window
  int64_t recent_failures = 0;
  std::string last_error;
  int64_t cooldowns = 0;  // entered since start, automatic or by an operator
};

// Counts events over a sliding window in 30 buckets (so memory is fixed at any rate).
class WindowCounter {
 public:
  explicit WindowCounter(Millis window) : bucket_(std::max<int64_t>(1, window.count() / kBuckets)) {}
  void Add(SteadyTime now);
  int64_t Count(SteadyTime now) const;

 private:
  static constexpr int kBuckets = 30;
  int64_t Index(SteadyTime now) const;
  const int64_t bucket_;  // ms per bucket
  std::array<int64_t, kBuckets> counts_{};
  std::array<int64_t, kBuckets> ids_{};
};

class DeploymentHealth {
 public:
  DeploymentHealth(HealthPolicy policy, const Clock& clock)
      : policy_(policy), clock_(clock), successes_(policy.window), failure_count_(policy.window) {}

  // Whether an attempt may go here now (closed, or half-open with no trial out yet).
  bool Available() const;
  // Takes a slot for an attempt; false when it became unavailable since Available().
  // `trial` is set when this attempt is the half-open trial.
  bool Begin(bool& trial);
  void End(bool trial, const AttemptOutcome& outcome);
  // An attempt that ended without a verdict (cancelled by the client): frees the slot.
  void Abandon(bool trial);

  // When a cooling deployment turns half-open; nullopt when it is not cooling.
  std::optional<SteadyTime> RecoversAt() const;

  // Operator and drill controls.
  void SetCooldown(Millis duration, std::string reason);
  void ClearCooldown();
  void ForceFail(Millis duration);  // 0 clears
  bool Forced() const;

  int64_t in_flight() const;
  // When an attempt last succeeded; nullopt before the first.
  std::optional<SteadyTime> LastSuccess() const;
  // Average latency (time to first chunk for streams) of samples within `window`.
  std::optional<double> AverageLatencyMs(Millis window) const;
  int64_t MinuteRequests() const;
  int64_t MinuteTokens() const;
  HealthSnapshot Snapshot(Millis latency_window) const;

 private:
  struct Sample {
    SteadyTime at;
    double ms;
  };
  static constexpr size_t kSamples = 32;

  // Under mu_.
  void RefreshLocked(SteadyTime now) const;
  void OpenLocked(SteadyTime now, Millis duration, std::string reason);
  void TrimLocked(SteadyTime now) const;
  void RollMinuteLocked(SteadyTime now) const;
  std::optional<double> AverageLocked(const std::deque<Sample>& s, SteadyTime now,
                                      Millis window) const;

  const HealthPolicy policy_;
  const Clock& clock_;
  mutable std::mutex mu_;
  mutable Circuit circuit_ = Circuit::kClosed;
  SteadyTime cooldown_until_{};
  std::string cooldown_reason_;
  bool trial_out_ = false;
  SteadyTime forced_until_{};
  int64_t in_flight_ = 0;
  // The last allowed_fails + 1 cooldown-eligible failures, within the window.
  mutable std::deque<SteadyTime> failures_;
  WindowCounter successes_;      // for the error rate
  WindowCounter failure_count_;
  std::deque<Sample> latency_;
  std::deque<Sample> ttft_;
  mutable int64_t minute_ = -1;
  mutable int64_t minute_requests_ = 0;
  mutable int64_t minute_tokens_ = 0;
  std::string last_error_;
  int64_t cooldowns_ = 0;
  std::optional<SteadyTime> last_success_;
};

// The policy of `d` under `settings`: the deployment's cooldown_time wins (0 disables).
HealthPolicy PolicyFor(const config::Deployment& d, const config::RouterSettings& settings);

}  // namespace llmgw::router
