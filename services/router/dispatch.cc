#include "services/router/dispatch.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "llmgw/common/error.h"

namespace llmgw::router {
namespace {

using google::protobuf::util::TimeUtil;

// The longest backoff before retrying within a group (docs/routing.md).
constexpr Millis kMaxRetryWait{5'000};

int64_t OrderOf(const config::Deployment* d) {
  return d->params.order.value_or(std::numeric_limits<int64_t>::max());
}

std::optional<int64_t> ContextWindow(const config::Deployment& d) {
  if (d.info.max_input_tokens) return d.info.max_input_tokens;
  return d.info.max_tokens;
}

// A drill's forced failure: what a provider's 503 would be.
absl::Status ForcedFailure(const config::Deployment& d) {
  return MakeError(absl::StatusCode::kUnavailable, common::v1::ERROR_KIND_UPSTREAM_ERROR,
                   absl::StrCat("deployment ", d.id, ": forced failure (drill, ForceFail)"),
                   {.upstream_status = 503});
}

// Only the pre-call check and the strategies that respect tpm use the prompt's size: the
// default path does not pay for counting it.
bool NeedsTokenEstimate(const config::RouterSettings& s) {
  return s.enable_pre_call_checks || (s.routing_strategy != config::RoutingStrategy::kSimpleShuffle &&
                                      s.routing_strategy != config::RoutingStrategy::kLeastBusy);
}

std::string RedactedBase(const std::string& base) {
  // api_base never carries credentials in llmgw's config, but strip a query to be safe.
  return base.substr(0, base.find('?'));
}

}  // namespace

Dispatch::Dispatch(DispatchEnv env, std::string model,
                   const std::function<int64_t()>& estimate_tokens, providers::CallOptions options)
    : env_(std::move(env)),
      model_(std::move(model)),
      options_(std::move(options)),
      estimated_tokens_(NeedsTokenEstimate(env_.config.router_settings) ? estimate_tokens() : 0) {}

Dispatch::~Dispatch() = default;

void Dispatch::Start() {
  const ModelGroup* g = env_.registry.Find(model_);
  if (g == nullptr) {
    return FinishOnce(
        MakeError(absl::StatusCode::kNotFound, common::v1::ERROR_KIND_MODEL_NOT_FOUND,
                  absl::StrCat("model '", model_,
                               "' is not served by this gateway; GET /v1/models lists the "
                               "models you can use"),
                  {.param = "model"}),
        {});
  }
  {
    std::lock_guard lock(mu_);
    plan_.push_back(g->name);
  }
  Next();
}

v1::DispatchInfo Dispatch::InfoLocked() const {
  v1::DispatchInfo info;
  if (!plan_.empty()) info.set_model_group(plan_[std::min(group_index_, plan_.size() - 1)]);
  if (current_ != nullptr) {
    info.set_deployment_id(current_->id);
    info.set_model_group(current_->model_name);
    info.set_provider(current_->params.provider);
    info.set_upstream_model(current_->params.upstream_model);
    info.set_api_base(RedactedBase(current_->params.api_base));
  }
  info.set_attempts(attempts_);
  info.set_retries(retries_);
  info.set_fallbacks(static_cast<int32_t>(group_index_));
  return info;
}

v1::DispatchInfo Dispatch::CurrentInfo() const {
  std::lock_guard lock(mu_);
  return InfoLocked();
}

const config::Deployment* Dispatch::SelectLocked(bool& trial, absl::Status& refusal) {
  const ModelGroup* g = env_.registry.Find(plan_[group_index_]);
  if (g == nullptr) {
    // A fallback naming a deployment id: that deployment alone, cooldown or not (LiteLLM).
    const config::Deployment* d = env_.registry.FindDeployment(plan_[group_index_]);
    if (d != nullptr && env_.registry.Health(*d).Begin(trial)) return d;
    return nullptr;
  }
  const auto& rs = env_.config.router_settings;
  std::vector<Candidate> fresh, retried;
  bool too_small = false;
  for (const config::Deployment* d : g->deployments) {
    if (rs.enable_pre_call_checks) {
      auto window = ContextWindow(*d);
      if (window && estimated_tokens_ > *window) {
        too_small = true;
        continue;
      }
    }
    DeploymentHealth& h = env_.registry.Health(*d);
    if (!h.Available()) continue;
    double unit = 0;
    if (rs.routing_strategy == config::RoutingStrategy::kCostBased) {
      const auto& price = env_.prices.ForDeployment(d->id);
      // Unknown prices count as expensive ($1 a token, LiteLLM's rule), known ones as they are.
      unit = price.known ? static_cast<double>(price.input + price.output) : 2e12;
    }
    (failed_.count(d->id) ? retried : fresh).push_back({d, &h, unit});
  }
  // An untried deployment first; the ones that failed this request only when none is left.
  std::vector<Candidate>& pool = fresh.empty() ? retried : fresh;
  if (pool.empty() && too_small) {
    refusal = MakeError(absl::StatusCode::kInvalidArgument, common::v1::ERROR_KIND_INVALID_REQUEST,
                        absl::StrCat("the prompt (about ", estimated_tokens_,
                                     " tokens) exceeds the context window of every deployment "
                                     "of '", g->name, "' (context_length_exceeded)"),
                        {.param = "messages", .upstream_code = "context_length_exceeded"});
  }
  while (!pool.empty()) {
    // `order`: only the best priority present takes traffic.
    int64_t best = OrderOf(pool.front().deployment);
    for (const auto& c : pool) best = std::min(best, OrderOf(c.deployment));
    std::vector<Candidate> tier;
    for (const auto& c : pool) {
      if (OrderOf(c.deployment) == best) tier.push_back(c);
    }
    PickContext ctx{.strategy = rs.routing_strategy,
                    .latency_window = rs.latency_window,
                    .lowest_latency_buffer = rs.lowest_latency_buffer,
                    .estimated_tokens = estimated_tokens_,
                    .uniform = env_.uniform};
    auto pick = PickCandidate(tier, ctx);
    if (!pick) {
      // Every deployment of this priority is at its rpm/tpm for the minute.
      for (const auto& c : tier) {
        pool.erase(std::find_if(pool.begin(), pool.end(),
                                [&](const Candidate& x) { return x.deployment == c.deployment; }));
      }
      continue;
    }
    const Candidate& c = tier[*pick];
    if (c.health->Begin(trial)) return c.deployment;
    pool.erase(std::find_if(pool.begin(), pool.end(),
                            [&](const Candidate& x) { return x.deployment == c.deployment; }));
  }
  return nullptr;
}

bool Dispatch::AdvanceGroupLocked(FallbackKind kind) {
  if (!chain_chosen_) {
    chain_chosen_ = true;
    const auto& rs = env_.config.router_settings;
    for (auto& g : FallbackGroups(rs.fallbacks, plan_[0], kind, rs.max_fallbacks)) {
      plan_.push_back(std::move(g));
    }
  }
  if (group_index_ + 1 >= plan_.size()) return false;
  ++group_index_;
  attempts_in_group_ = 0;
  failed_.clear();
  return true;
}

std::optional<SteadyTime> Dispatch::EarliestRecoveryLocked() const {
  std::optional<SteadyTime> best;
  for (const auto& name : plan_) {
    std::vector<const config::Deployment*> ds;
    if (const ModelGroup* g = env_.registry.Find(name)) {
      ds = g->deployments;
    } else if (const auto* d = env_.registry.FindDeployment(name)) {
      ds.push_back(d);
    }
    for (const auto* d : ds) {
      auto at = env_.registry.Health(*d).RecoversAt();
      if (at && (!best || *at < *best)) best = at;
    }
  }
  return best;
}

void Dispatch::Next() {
  const config::Deployment* d = nullptr;
  uint64_t seq = 0;
  absl::Status final_status;
  v1::DispatchInfo final_info;
  {
    std::lock_guard lock(mu_);
    if (finished_) return;
    if (cancelled_) {
      final_status = absl::CancelledError("the caller cancelled the request");
      final_info = InfoLocked();
    } else {
      for (;;) {
        bool trial = false;
        absl::Status refusal;
        d = SelectLocked(trial, refusal);
        if (d != nullptr) {
          current_ = d;
          trial_ = trial;
          ++attempts_;
          ++attempts_in_group_;
          seq = ++attempt_seq_;
          attempt_open_ = true;
          break;
        }
        if (!refusal.ok()) {
          last_error_ = refusal;
          if (AdvanceGroupLocked(FallbackKind::kContextWindow)) continue;
          final_status = refusal;
          final_info = InfoLocked();
          break;
        }
        // Nothing in this group may take the call now (cooling down, or at its rpm/tpm).
        if (AdvanceGroupLocked(FallbackKind::kGeneral)) continue;
        auto now = env_.clock.SteadyNow();
        auto recovers = EarliestRecoveryLocked();
        if (recovers && *recovers < options_.deadline) {
          // Wait for the first deployment of the plan to turn half-open, then start over.
          group_index_ = 0;
          attempts_in_group_ = 0;
          failed_.clear();
          auto delay = std::chrono::duration_cast<Millis>(*recovers - now) + Millis(1);
          timer_ = env_.timers.Schedule(std::max(delay, Millis(1)), [self = shared_from_this()] {
            {
              std::lock_guard lock(self->mu_);
              self->timer_ = 0;
            }
            self->Next();
          });
          if (timer_ != 0) return;
        }
        Millis retry_after = recovers ? std::chrono::duration_cast<Millis>(*recovers - now)
                                      : env_.config.router_settings.cooldown_time;
        std::string why = last_error_.ok() ? "" : absl::StrCat("; last error: ", last_error_.message());
        final_status = MakeError(
            absl::StatusCode::kUnavailable, common::v1::ERROR_KIND_NO_DEPLOYMENT_AVAILABLE,
            absl::StrCat("no deployment of '", plan_[0], "'",
                         plan_.size() > 1 ? " or its fallbacks" : "",
                         " can take the call now (cooling down or at their rpm/tpm limits)", why),
            {.retry_after = std::max(retry_after, Millis(1000))});
        final_info = InfoLocked();
        break;
      }
    }
  }
  if (d == nullptr) return FinishOnce(std::move(final_status), std::move(final_info));
  OpenAttemptSpan(*d);
  if (env_.registry.Health(*d).Forced()) return AttemptDone(ForcedFailure(*d), {});
  auto handle = StartAttempt(*d);
  std::lock_guard lock(mu_);
  if (attempt_seq_ == seq && attempt_open_) {
    handle_ = std::move(handle);
    if (cancelled_) handle_->Cancel();
    if (paused_) handle_->Pause();
  }
}

void Dispatch::After(Millis delay) {
  if (delay.count() <= 0) return Next();
  TimerThread::TimerId id = env_.timers.Schedule(delay, [self = shared_from_this()] {
    {
      std::lock_guard lock(self->mu_);
      self->timer_ = 0;
    }
    self->Next();
  });
  if (id == 0) return Next();  // the timer queue is full: go now rather than never
  std::lock_guard lock(mu_);
  timer_ = id;
}

namespace {

// gen_ai.provider.name for a litellm provider prefix.
std::string GenAiProvider(const std::string& provider) {
  if (provider == "azure") return "azure.ai.openai";
  if (provider == "gemini") return "gcp.gemini";
  if (provider == "vertex_ai") return "gcp.vertex_ai";
  if (provider == "bedrock") return "aws.bedrock";
  return provider;
}

// "https://host:443/v1" -> "host".
std::string HostOf(const std::string& url) {
  size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  size_t end = url.find_first_of(":/", start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

}  // namespace

void Dispatch::OpenAttemptSpan(const config::Deployment& d) {
  attempt_traced_ = false;
  // Tracing off, or no trace to join (a background call): the caller's traceparent goes on.
  if (!telemetry::TracingEnabled()) return;
  auto parent = telemetry::ParseTraceparent(options_.traceparent);
  if (!parent) return;
  attempt_options_ = options_;
  attempt_traced_ = true;
  parent->tracestate = options_.tracestate;
  telemetry::Span span = telemetry::StartSpan(telemetry::SpanName({Operation(), " ", d.params.upstream_model}),
                                              telemetry::SpanKind::kClient, &*parent, false);
  attempt_options_.traceparent = span.context().ToTraceparent();
  if (span.recording()) {
    span.SetAttribute("gen_ai.operation.name", Operation());
    span.SetAttribute("gen_ai.provider.name", GenAiProvider(d.params.provider));
    span.SetAttribute("gen_ai.request.model", d.params.upstream_model);
    if (!d.params.api_base.empty()) span.SetAttribute("server.address", HostOf(d.params.api_base));
    span.SetAttribute("llmgw.model_group", d.model_name);
    span.SetAttribute("llmgw.deployment.id", d.id);
  }
  std::lock_guard lock(mu_);
  attempt_span_ = std::move(span);
}

void Dispatch::AttemptDone(absl::Status status, AttemptReport report) {
  const config::Deployment* d;
  bool trial;
  telemetry::Span span;
  {
    std::lock_guard lock(mu_);
    if (!attempt_open_) return;
    attempt_open_ = false;
    handle_.reset();
    d = current_;
    trial = trial_;
    span = std::move(attempt_span_);
  }
  if (span.recording()) {
    if (!report.response_model.empty()) span.SetAttribute("gen_ai.response.model", report.response_model);
    if (!report.input_messages.empty()) span.SetAttribute("gen_ai.input.messages", report.input_messages);
    if (!report.output_messages.empty()) span.SetAttribute("gen_ai.output.messages", report.output_messages);
    span.SetAttribute("gen_ai.usage.input_tokens", report.usage.prompt_tokens());
    span.SetAttribute("gen_ai.usage.output_tokens", report.usage.completion_tokens());
    if (!status.ok()) {
      span.SetAttribute("error.type", absl::StatusCodeToString(status.code()));
      span.SetError(std::string(status.message()));
    }
    span.End();
  }
  DeploymentHealth& health = env_.registry.Health(*d);
  if (status.code() == absl::StatusCode::kCancelled) {
    health.Abandon(trial);
    v1::DispatchInfo info = CurrentInfo();
    *info.mutable_usage() = report.usage;
    info.mutable_cost()->set_micros(pricing::CostOf(env_.prices.ForDeployment(d->id), report.usage));
    return FinishOnce(std::move(status), std::move(info));
  }
  const ModelGroup* group = env_.registry.Find(d->model_name);
  FailureClass fc = status.ok() ? FailureClass{} : ClassifyFailure(status, group->deployments.size());
  health.End(trial, {.ok = status.ok(),
                     .cooldown_eligible = fc.cooldown_eligible,
                     .retry_after = fc.retry_after,
                     .latency = report.latency,
                     .time_to_first_chunk = report.time_to_first_chunk,
                     .tokens = report.usage.total_tokens(),
                     .error = fc.reason});
  if (status.ok() || report.committed) {
    v1::DispatchInfo info = CurrentInfo();
    *info.mutable_usage() = report.usage;
    info.mutable_cost()->set_micros(pricing::CostOf(env_.prices.ForDeployment(d->id), report.usage));
    *info.mutable_upstream_latency() = TimeUtil::MillisecondsToDuration(report.latency.count());
    if (report.time_to_first_chunk) {
      *info.mutable_time_to_first_chunk() =
          TimeUtil::MillisecondsToDuration(report.time_to_first_chunk->count());
    }
    return FinishOnce(std::move(status), std::move(info));
  }
  Millis delay{0};
  bool give_up = false;
  {
    std::lock_guard lock(mu_);
    last_error_ = status;
    failed_.insert(d->id);
    const auto& rs = env_.config.router_settings;
    bool retry = fc.retryable && !cancelled_ && attempts_in_group_ <= *rs.num_retries;
    if (retry) {
      // Another healthy deployment not tried yet goes at once; the same one after a backoff.
      bool other = std::any_of(group->deployments.begin(), group->deployments.end(),
                               [&](const config::Deployment* x) {
                                 return !failed_.count(x->id) && env_.registry.Health(*x).Available();
                               });
      if (!other) delay = RetryBackoff(attempts_in_group_, fc.retry_after, rs.retry_after);
      // A provider asking for a long pause gets it from the caller (its retry-after travels
      // with the error) rather than holding the request here.
      if (delay > kMaxRetryWait || env_.clock.SteadyNow() + delay >= options_.deadline) retry = false;
    }
    if (retry) {
      ++retries_;
    } else {
      delay = Millis(0);
      give_up = cancelled_ || fc.fallback == FallbackKind::kNone || !AdvanceGroupLocked(fc.fallback);
    }
  }
  if (give_up) return FinishOnce(std::move(status), CurrentInfo());
  After(delay);
}

void Dispatch::FinishOnce(absl::Status status, v1::DispatchInfo info) {
  {
    std::lock_guard lock(mu_);
    if (finished_) return;
    finished_ = true;
    if (timer_ != 0) env_.timers.Cancel(timer_);
    timer_ = 0;
  }
  Finish(std::move(status), std::move(info));
}

void Dispatch::Cancel() {
  std::shared_ptr<providers::CallHandle> h;
  bool waiting = false;
  {
    std::lock_guard lock(mu_);
    if (cancelled_ || finished_) return;
    cancelled_ = true;
    h = handle_;
    if (timer_ != 0 && env_.timers.Cancel(timer_)) {
      timer_ = 0;
      waiting = true;
    }
  }
  if (h) h->Cancel();
  // A request waiting for a backoff or a recovery ends now; one in an attempt ends when the
  // provider reports the cancellation.
  if (waiting) Next();
}

void Dispatch::Pause() {
  std::shared_ptr<providers::CallHandle> h;
  {
    std::lock_guard lock(mu_);
    paused_ = true;
    h = handle_;
  }
  if (h) h->Pause();
}

void Dispatch::Resume() {
  std::shared_ptr<providers::CallHandle> h;
  {
    std::lock_guard lock(mu_);
    paused_ = false;
    h = handle_;
  }
  if (h) h->Resume();
}

}  // namespace llmgw::router
