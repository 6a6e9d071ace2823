#include "services/router/deployment_health.h"

#include <algorithm>

namespace llmgw::router {
namespace {

// A provider asking for more than this is treated as asking for this.
constexpr Millis kMaxRetryAfterCooldown{3'600'000};

int64_t MinuteOf(SteadyTime t) {
  return std::chrono::duration_cast<std::chrono::minutes>(t.time_since_epoch()).count();
}

}  // namespace

int64_t WindowCounter::Index(SteadyTime now) const {
  return std::chrono::duration_cast<Millis>(now.time_since_epoch()).count() / bucket_;
}

void WindowCounter::Add(SteadyTime now) {
  int64_t id = Index(now);
  auto slot = static_cast<size_t>(id % kBuckets);
  if (ids_[slot] != id) {
    ids_[slot] = id;
    counts_[slot] = 0;
  }
  ++counts_[slot];
}

int64_t WindowCounter::Count(SteadyTime now) const {
  int64_t id = Index(now), total = 0;
  for (size_t i = 0; i < kBuckets; ++i) {
    if (ids_[i] > id - kBuckets && ids_[i] <= id) total += counts_[i];
  }
  return total;
}

HealthPolicy PolicyFor(const config::Deployment& d, const config::RouterSettings& s) {
  HealthPolicy p{.allowed_fails = s.allowed_fails,
                 .window = s.allowed_fails_window,
                 .cooldown = d.params.cooldown_time.value_or(s.cooldown_time),
                 .cooldowns_enabled = !s.disable_cooldowns};
  if (p.cooldown.count() == 0) p.cooldowns_enabled = false;
  return p;
}

void DeploymentHealth::RefreshLocked(SteadyTime now) const {
  if (circuit_ == Circuit::kOpen && now >= cooldown_until_) circuit_ = Circuit::kHalfOpen;
}

void DeploymentHealth::TrimLocked(SteadyTime now) const {
  auto old = now - policy_.window;
  while (!failures_.empty() && failures_.front() < old) failures_.pop_front();
}

void DeploymentHealth::RollMinuteLocked(SteadyTime now) const {
  int64_t m = MinuteOf(now);
  if (m != minute_) {
    minute_ = m;
    minute_requests_ = 0;
    minute_tokens_ = 0;
  }
}

bool DeploymentHealth::Available() const {
  std::lock_guard lock(mu_);
  RefreshLocked(clock_.SteadyNow());
  return circuit_ == Circuit::kClosed || (circuit_ == Circuit::kHalfOpen && !trial_out_);
}

bool DeploymentHealth::Begin(bool& trial) {
  std::lock_guard lock(mu_);
  auto now = clock_.SteadyNow();
  RefreshLocked(now);
  trial = false;
  if (circuit_ == Circuit::kOpen) return false;
  if (circuit_ == Circuit::kHalfOpen) {
    if (trial_out_) return false;
    trial_out_ = true;
    trial = true;
  }
  ++in_flight_;
  RollMinuteLocked(now);
  ++minute_requests_;
  return true;
}

void DeploymentHealth::OpenLocked(SteadyTime now, Millis duration, std::string reason) {
  if (circuit_ != Circuit::kOpen) ++cooldowns_;
  circuit_ = Circuit::kOpen;
  // Re-cooling an open circuit extends it (LiteLLM does not: #40130).
  cooldown_until_ = std::max(cooldown_until_, now + duration);
  cooldown_reason_ = std::move(reason);
  failures_.clear();
}

std::optional<SteadyTime> DeploymentHealth::LastSuccess() const {
  std::lock_guard lock(mu_);
  return last_success_;
}

void DeploymentHealth::End(bool trial, const AttemptOutcome& o) {
  std::lock_guard lock(mu_);
  auto now = clock_.SteadyNow();
  RefreshLocked(now);
  --in_flight_;
  if (trial) trial_out_ = false;
  RollMinuteLocked(now);
  minute_tokens_ += o.tokens;
  TrimLocked(now);
  if (o.ok || !o.cooldown_eligible) {
    // The deployment answered: alive, whatever it thought of the request.
    if (o.ok) {
      successes_.Add(now);
      last_success_ = now;
      auto& lat = o.time_to_first_chunk ? ttft_ : latency_;
      lat.push_back({now, static_cast<double>(
                              (o.time_to_first_chunk ? *o.time_to_first_chunk : o.latency).count())});
      if (o.time_to_first_chunk) {
        latency_.push_back({now, static_cast<double>(o.latency.count())});
      }
      while (latency_.size() > kSamples) latency_.pop_front();
      while (ttft_.size() > kSamples) ttft_.pop_front();
    }
    if (trial && circuit_ == Circuit::kHalfOpen) {
      circuit_ = Circuit::kClosed;
      failures_.clear();
      cooldown_reason_.clear();
    }
    return;
  }
  last_error_ = o.error;
  failure_count_.Add(now);
  failures_.push_back(now);
  while (static_cast<int64_t>(failures_.size()) > policy_.allowed_fails + 1) failures_.pop_front();
  if (!policy_.cooldowns_enabled) return;
  Millis duration = policy_.cooldown;
  if (o.retry_after) duration = std::max(duration, std::min(*o.retry_after, kMaxRetryAfterCooldown));
  if (trial) {
    OpenLocked(now, duration, "half-open trial failed: " + o.error);
  } else if (circuit_ != Circuit::kOpen &&
             static_cast<int64_t>(failures_.size()) > policy_.allowed_fails) {
    OpenLocked(now, duration, o.error);
  }
}

void DeploymentHealth::Abandon(bool trial) {
  std::lock_guard lock(mu_);
  --in_flight_;
  if (trial) trial_out_ = false;
}

std::optional<SteadyTime> DeploymentHealth::RecoversAt() const {
  std::lock_guard lock(mu_);
  RefreshLocked(clock_.SteadyNow());
  if (circuit_ == Circuit::kOpen) return cooldown_until_;
  if (circuit_ == Circuit::kHalfOpen && trial_out_) {
    // The verdict is pending: look again shortly.
    return clock_.SteadyNow() + Millis(50);
  }
  return std::nullopt;
}

void DeploymentHealth::SetCooldown(Millis duration, std::string reason) {
  std::lock_guard lock(mu_);
  auto now = clock_.SteadyNow();
  RefreshLocked(now);  // an expired cooldown counts as ended before this one starts
  if (circuit_ != Circuit::kOpen) ++cooldowns_;
  circuit_ = Circuit::kOpen;
  cooldown_until_ = now + duration;  // an operator's cooldown may also shorten one
  cooldown_reason_ = std::move(reason);
}

void DeploymentHealth::ClearCooldown() {
  std::lock_guard lock(mu_);
  circuit_ = Circuit::kClosed;
  cooldown_until_ = {};
  cooldown_reason_.clear();
  failures_.clear();
}

void DeploymentHealth::ForceFail(Millis duration) {
  std::lock_guard lock(mu_);
  forced_until_ = duration.count() > 0 ? clock_.SteadyNow() + duration : SteadyTime{};
}

bool DeploymentHealth::Forced() const {
  std::lock_guard lock(mu_);
  return clock_.SteadyNow() < forced_until_;
}

int64_t DeploymentHealth::in_flight() const {
  std::lock_guard lock(mu_);
  return in_flight_;
}

std::optional<double> DeploymentHealth::AverageLocked(const std::deque<Sample>& s, SteadyTime now,
                                                      Millis window) const {
  double sum = 0;
  int n = 0;
  for (const auto& x : s) {
    if (x.at >= now - window) {
      sum += x.ms;
      ++n;
    }
  }
  if (n == 0) return std::nullopt;
  return sum / n;
}

std::optional<double> DeploymentHealth::AverageLatencyMs(Millis window) const {
  std::lock_guard lock(mu_);
  auto now = clock_.SteadyNow();
  // Streams are judged by time to first chunk, calls by total latency (LiteLLM's rule).
  if (auto t = AverageLocked(ttft_, now, window)) return t;
  return AverageLocked(latency_, now, window);
}

int64_t DeploymentHealth::MinuteRequests() const {
  std::lock_guard lock(mu_);
  RollMinuteLocked(clock_.SteadyNow());
  return minute_requests_;
}

int64_t DeploymentHealth::MinuteTokens() const {
  std::lock_guard lock(mu_);
  RollMinuteLocked(clock_.SteadyNow());
  return minute_tokens_;
}

HealthSnapshot DeploymentHealth::Snapshot(Millis latency_window) const {
  std::lock_guard lock(mu_);
  auto now = clock_.SteadyNow();
  RefreshLocked(now);
  TrimLocked(now);
  RollMinuteLocked(now);
  HealthSnapshot s;
  s.circuit = circuit_;
  if (circuit_ == Circuit::kOpen) s.cooldown_until = cooldown_until_;
  s.cooldown_reason = cooldown_reason_;
  s.trial_in_flight = trial_out_;
  if (now < forced_until_) s.forced_fail_until = forced_until_;
  s.in_flight = in_flight_;
  s.latency_ms = AverageLocked(latency_, now, latency_window);
  s.ttft_ms = AverageLocked(ttft_, now, latency_window);
  s.minute_requests = minute_requests_;
  s.minute_tokens = minute_tokens_;
  s.recent_successes = successes_.Count(now);
  s.recent_failures = failure_count_.Count(now);
  s.last_error = last_error_;
  s.cooldowns = cooldowns_;
  return s;
}

}  // namespace llmgw::router
