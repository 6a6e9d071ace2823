// One request's way through the router: which deployment of which group to try next,
// retries with backoff (preferring another healthy deployment), fallbacks in order, waiting
// for a cooled-down plan to recover within the deadline, and the health bookkeeping of
// every attempt. Subclasses run one attempt (unary or stream) and deliver the answer.
//
// Threading: attempts report from provider threads, waits from the timer thread; state is
// under mu_, and no provider call or delivery happens while it is held.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "llmgw/common/clock.h"
#include "llmgw/common/timer_thread.h"
#include "llmgw/pricing/price_table.h"
#include "llmgw/providers/provider.h"
#include "llmgw/router/v1/router.pb.h"
#include "llmgw/telemetry/tracing.h"
#include "services/router/failure_policy.h"
#include "services/router/model_registry.h"
#include "services/router/strategy.h"

namespace llmgw::router {

struct DispatchEnv {
  const config::Config& config;
  const ModelRegistry& registry;
  const pricing::PriceTable& prices;
  TimerThread& timers;
  const Clock& clock;
  std::function<double()> uniform;
};

// The handle of a request answered before any call started (a cache hit, a refusal).
class Answered final : public providers::CallHandle {
 public:
  void Cancel() override {}
  void Pause() override {}
  void Resume() override {}
};

// How long since `start`, on `clock`.
inline Millis Since(const Clock& clock, SteadyTime start) {
  return std::chrono::duration_cast<Millis>(clock.SteadyNow() - start);
}

// What an attempt reports besides its status.
struct AttemptReport {
  common::v1::Usage usage;
  Millis latency{0};
  std::optional<Millis> time_to_first_chunk;
  // Output already reached the client: the request cannot be retried any more.
  bool committed = false;
  // The model the provider says answered (gen_ai.response.model); "" when it did not say.
  std::string response_model;
  // JSON arrays for gen_ai.input.messages / gen_ai.output.messages; filled only when
  // telemetry::CaptureMessageContent().
  std::string input_messages;
  std::string output_messages;
};

class Dispatch : public providers::CallHandle, public std::enable_shared_from_this<Dispatch> {
 public:
  // `model` is the requested group; `estimate_tokens` sizes the prompt, asked only when the
  // pre-call check or a tpm-aware strategy needs it.
  Dispatch(DispatchEnv env, std::string model, const std::function<int64_t()>& estimate_tokens,
           providers::CallOptions options);
  ~Dispatch() override;

  void Start();
  void Cancel() override;
  void Pause() override;
  void Resume() override;

 protected:
  // Runs one attempt on `d` and calls AttemptDone exactly once, possibly before returning.
  virtual std::shared_ptr<providers::CallHandle> StartAttempt(const config::Deployment& d) = 0;
  // Once, last.
  virtual void Finish(absl::Status status, v1::DispatchInfo info) = 0;

  void AttemptDone(absl::Status status, AttemptReport report);
  // The current attempt's: its traceparent names the attempt's span when one is recorded.
  const providers::CallOptions& options() const { return attempt_traced_ ? attempt_options_ : options_; }
  // gen_ai.operation.name of the attempts' spans.
  virtual const char* Operation() const { return "chat"; }
  // The dispatch so far (deployment of the current attempt, attempts, retries, fallbacks).
  v1::DispatchInfo CurrentInfo() const;

 private:
  enum class Step { kAttempt, kWait, kFinish };

  // Picks the next attempt or decides to wait or finish; runs it outside the lock.
  void Next();
  // Under mu_: a deployment of the current group, or null when none may take the call.
  const config::Deployment* SelectLocked(bool& trial, absl::Status& refusal);
  // Under mu_: moves to the next fallback group; false when there is none.
  bool AdvanceGroupLocked(FallbackKind kind);
  // Under mu_: when the first deployment of the plan recovers.
  std::optional<SteadyTime> EarliestRecoveryLocked() const;
  void After(Millis delay);
  // The attempt's CLIENT span (GenAI conventions), child of the caller's context.
  void OpenAttemptSpan(const config::Deployment& d);
  void FinishOnce(absl::Status status, v1::DispatchInfo info);
  v1::DispatchInfo InfoLocked() const;

  DispatchEnv env_;
  const std::string model_;
  const providers::CallOptions options_;
  providers::CallOptions attempt_options_;  // set by Next before StartAttempt, when traced
  bool attempt_traced_ = false;
  const int64_t estimated_tokens_;

  mutable std::mutex mu_;
  std::vector<std::string> plan_;  // the requested group, then fallbacks as they are chosen
  bool chain_chosen_ = false;
  size_t group_index_ = 0;
  int attempts_in_group_ = 0;
  int attempts_ = 0;
  int retries_ = 0;
  std::set<std::string> failed_;  // deployments that failed this request
  const config::Deployment* current_ = nullptr;
  bool trial_ = false;
  uint64_t attempt_seq_ = 0;
  bool attempt_open_ = false;
  std::shared_ptr<providers::CallHandle> handle_;
  telemetry::Span attempt_span_;  // the open attempt's
  TimerThread::TimerId timer_ = 0;
  bool cancelled_ = false;
  bool paused_ = false;
  bool finished_ = false;
  absl::Status last_error_;
};

}  // namespace llmgw::router
