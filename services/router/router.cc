#include "services/router/router.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "llmgw/common/error.h"
#include "llmgw/providers/tokens.h"
#include "services/router/dispatch.h"
#include "services/router/health_checker.h"

namespace llmgw::router {
namespace {

using google::protobuf::util::TimeUtil;

google::protobuf::Timestamp WallOf(const Clock& clock, SteadyTime t) {
  auto wall = clock.Now() + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                t - clock.SteadyNow());
  return TimeUtil::NanosecondsToTimestamp(
      std::chrono::duration_cast<std::chrono::nanoseconds>(wall.time_since_epoch()).count());
}

std::function<int64_t()> ChatTokens(const common::v1::ChatCompletionRequest& r) {
  return [&r] { return providers::EstimatePromptTokens(r); };
}

// A stream kept for the cache stops being kept past this many bytes of chunks.
constexpr size_t kMaxCachedStreamBytes = 4 << 20;

}  // namespace

providers::Provider& ProviderSet::For(const std::string& name) const {
  auto it = by_name.find(name);
  return it == by_name.end() ? *unsupported : *it->second;
}

// Messages as a JSON array (their protobuf JSON), for spans that capture content.
static std::string MessagesJson(const google::protobuf::RepeatedPtrField<common::v1::ChatMessage>& messages) {
  std::string out = "[";
  for (const auto& m : messages) {
    std::string one;
    (void)google::protobuf::util::MessageToJsonString(m, &one);
    if (out.size() > 1) out += ',';
    out += one;
  }
  return out + "]";
}

// A non-streaming request: each attempt is one provider call.
class Router::Unary final : public Dispatch {
 public:
  Unary(Router& r, const v1::RouteChatRequest& req, const providers::CallOptions& options,
        std::function<void(absl::StatusOr<v1::RouteChatResponse>)> done,
        std::optional<CachePlan> plan)
      : Dispatch(r.Env(), req.request().model(), ChatTokens(req.request()), options), router_(r),
        request_(req.request()), done_(std::move(done)), plan_(std::move(plan)) {}

 private:
  std::shared_ptr<providers::CallHandle> StartAttempt(const config::Deployment& d) override {
    auto start = router_.clock_.SteadyNow();
    auto self = std::static_pointer_cast<Unary>(shared_from_this());
    return router_.providers_.For(d.params.wire)
        .Chat(d, request_, options(),
              [self, start](absl::StatusOr<common::v1::ChatCompletionResponse> r) {
                AttemptReport report{.latency = Since(self->router_.clock_, start)};
                if (!r.ok()) return self->AttemptDone(r.status(), report);
                report.usage = r->usage();
                report.response_model = r->model();
                if (telemetry::CaptureMessageContent()) {
                  report.input_messages = MessagesJson(self->request_.messages());
                  google::protobuf::RepeatedPtrField<common::v1::ChatMessage> out;
                  for (const auto& c : r->choices()) *out.Add() = c.message();
                  report.output_messages = MessagesJson(out);
                }
                self->completion_ = std::move(*r);
                self->AttemptDone(absl::OkStatus(), report);
              });
  }

  void Finish(absl::Status status, v1::DispatchInfo info) override {
    router_.Release();
    auto done = std::move(done_);
    if (!status.ok()) return done(std::move(status));
    if (plan_ && plan_->store) {  // no copy for a request that will not be stored
      v1::CachedAnswer answer;
      *answer.mutable_completion() = completion_;
      *answer.mutable_dispatch() = info;
      router_.cache_->Store(*plan_, answer);
    }
    v1::RouteChatResponse out;
    *out.mutable_completion() = std::move(completion_);
    *out.mutable_dispatch() = std::move(info);
    done(std::move(out));
  }

  Router& router_;
  const common::v1::ChatCompletionRequest request_;
  std::function<void(absl::StatusOr<v1::RouteChatResponse>)> done_;
  const std::optional<CachePlan> plan_;
  common::v1::ChatCompletionResponse completion_;
};

// A streaming request: attempts may be retried until the first chunk goes to the client;
// after that a failure ends the stream.
class Router::Stream final : public Dispatch {
 public:
  Stream(Router& r, const v1::RouteChatRequest& req, const providers::CallOptions& options,
         StreamSink sink, std::optional<CachePlan> plan)
      : Dispatch(r.Env(), req.request().model(), ChatTokens(req.request()), options), router_(r),
        request_(req.request()), sink_(std::move(sink)), plan_(std::move(plan)) {}

 private:
  struct Attempt {
    SteadyTime start;
    std::optional<Millis> ttft;
    common::v1::Usage usage;
    std::string model;  // the first chunk's
  };

  std::shared_ptr<providers::CallHandle> StartAttempt(const config::Deployment& d) override {
    auto self = std::static_pointer_cast<Stream>(shared_from_this());
    auto a = std::make_shared<Attempt>();
    a->start = router_.clock_.SteadyNow();
    return router_.providers_.For(d.params.wire)
        .StreamChat(d, request_, options(),
                    {.on_chunk =
                         [self, a](common::v1::ChatCompletionChunk chunk) {
                           if (!a->ttft) {
                             a->ttft = Since(self->router_.clock_, a->start);
                             self->committed_ = true;
                             if (self->sink_.on_start) {
                               v1::DispatchInfo started = self->CurrentInfo();
                               *started.mutable_time_to_first_chunk() =
                                   TimeUtil::MillisecondsToDuration(a->ttft->count());
                               self->sink_.on_start(std::move(started));
                             }
                           }
                           if (chunk.has_usage()) a->usage = chunk.usage();
                           if (a->model.empty()) a->model = chunk.model();
                           self->Keep(chunk);
                           self->sink_.on_chunk(std::move(chunk));
                         },
                     .on_done =
                         [self, a](absl::Status status) {
                           self->AttemptDone(std::move(status),
                                             {.usage = a->usage,
                                              .latency = Since(self->router_.clock_, a->start),
                                              .time_to_first_chunk = a->ttft,
                                              .committed = self->committed_,
                                              .response_model = a->model});
                         }});
  }

  void Finish(absl::Status status, v1::DispatchInfo info) override {
    router_.Release();
    if (plan_ && status.ok() && keeping_) {
      *kept_.mutable_dispatch() = info;
      router_.cache_->Store(*plan_, kept_);
    }
    kept_.Clear();
    auto on_done = std::move(sink_.on_done);
    sink_ = {};
    on_done(std::move(status), std::move(info));
  }

  // Collects the chunks for the cache, up to kMaxCachedStreamBytes.
  void Keep(const common::v1::ChatCompletionChunk& chunk) {
    if (!plan_ || !plan_->store || !keeping_) return;
    kept_bytes_ += chunk.ByteSizeLong();
    if (kept_bytes_ > kMaxCachedStreamBytes) {
      keeping_ = false;
      kept_.Clear();
      return;
    }
    *kept_.add_chunks() = chunk;
  }

  Router& router_;
  const common::v1::ChatCompletionRequest request_;
  StreamSink sink_;
  const std::optional<CachePlan> plan_;
  // Only touched from the current attempt's callbacks, and Finish after them.
  bool committed_ = false;
  bool keeping_ = true;
  size_t kept_bytes_ = 0;
  v1::CachedAnswer kept_;
};

Router::Router(std::shared_ptr<const config::Config> config, ProviderSet providers,
               TimerThread& timers, RouterOptions options)
    : config_(config),
      clock_(*options.clock),
      registry_(config, *options.clock),
      prices_(*config),
      providers_(std::move(providers)),
      timers_(timers),
      uniform_(std::move(options.uniform)),
      cache_(AnswerCache::FromConfig(*config, *options.clock)) {
  if (config_->general_settings.background_health_checks) {
    checker_ = std::make_unique<HealthChecker>(HealthChecker::Env{
        .config = config_, .providers = providers_, .registry = registry_, .prices = prices_,
        .timers = timers_, .clock = clock_});
    checker_->Start();
  }
}

Router::~Router() = default;

DispatchEnv Router::Env() {
  return {.config = *config_, .registry = registry_, .prices = prices_, .timers = timers_,
          .clock = clock_, .uniform = uniform_};
}

absl::Status Router::Admit() {
  if (in_flight_.fetch_add(1) >= config_->llmgw.max_upstream_requests) {
    in_flight_.fetch_sub(1);
    return MakeError(absl::StatusCode::kUnavailable, common::v1::ERROR_KIND_OVERLOADED,
                     "the router has too many provider calls in flight; retry shortly",
                     {.retry_after = std::chrono::seconds(1)});
  }
  return absl::OkStatus();
}

void Router::Release() { in_flight_.fetch_sub(1); }

std::optional<CachePlan> Router::PlanChat(const v1::RouteChatRequest& request) const {
  if (cache_ == nullptr) return std::nullopt;
  const ModelGroup* group = registry_.Find(request.request().model());
  if (group == nullptr) return std::nullopt;  // Dispatch answers model_not_found
  return cache_->PlanChat(request.request(), request.principal(), group->name);
}

std::shared_ptr<providers::CallHandle> Router::RouteChat(
    const v1::RouteChatRequest& request, const providers::CallOptions& options,
    std::function<void(absl::StatusOr<v1::RouteChatResponse>)> done) {
  auto plan = PlanChat(request);
  if (plan) {
    if (auto hit = cache_->Lookup(*plan); hit && hit->has_completion()) {
      v1::RouteChatResponse out;
      *out.mutable_completion() = std::move(*hit->mutable_completion());
      *out.mutable_dispatch() = std::move(*hit->mutable_dispatch());
      done(std::move(out));
      return std::make_shared<Answered>();
    }
  }
  if (auto s = Admit(); !s.ok()) {
    done(s);
    return std::make_shared<Answered>();
  }
  auto d = std::make_shared<Unary>(*this, request, options, std::move(done), std::move(plan));
  d->Start();
  return d;
}

std::shared_ptr<providers::CallHandle> Router::StreamChat(const v1::RouteChatRequest& request,
                                                          const providers::CallOptions& options,
                                                          StreamSink sink) {
  auto plan = PlanChat(request);
  if (plan) {
    if (auto hit = cache_->Lookup(*plan); hit && hit->chunks_size() > 0) {
      // Replayed as the stream it was, chunk by chunk.
      if (sink.on_start) sink.on_start(hit->dispatch());
      for (auto& chunk : *hit->mutable_chunks()) sink.on_chunk(std::move(chunk));
      sink.on_done(absl::OkStatus(), std::move(*hit->mutable_dispatch()));
      return std::make_shared<Answered>();
    }
  }
  if (auto s = Admit(); !s.ok()) {
    sink.on_done(s, v1::DispatchInfo());
    return std::make_shared<Answered>();
  }
  auto d = std::make_shared<Stream>(*this, request, options, std::move(sink), std::move(plan));
  d->Start();
  return d;
}

v1::CachePingResponse Router::CachePing() {
  if (cache_ == nullptr) return {};
  return cache_->Ping();
}

absl::StatusOr<v1::DeleteCacheResponse> Router::DeleteCache(const v1::DeleteCacheRequest& request) {
  if (cache_ == nullptr) {
    return MakeError(absl::StatusCode::kFailedPrecondition, common::v1::ERROR_KIND_CACHE_DISABLED,
                     "the response cache is off (litellm_settings.cache)");
  }
  v1::DeleteCacheResponse out;
  out.set_deleted(cache_->Delete(request));
  return out;
}

v1::ListModelGroupsResponse Router::ListModelGroups() const {
  v1::ListModelGroupsResponse out;
  auto add = [&](const std::string& name, const ModelGroup& g) {
    auto* mg = out.add_model_groups();
    mg->set_name(name);
    mg->set_deployment_count(static_cast<int32_t>(g.deployments.size()));
    mg->set_mode(g.deployments.front()->info.mode);
    mg->set_owned_by(g.deployments.front()->params.provider);
    for (const auto* d : g.deployments) {
      for (const auto& a : d->info.access_groups) {
        if (std::find(mg->access_groups().begin(), mg->access_groups().end(), a) ==
            mg->access_groups().end()) {
          mg->add_access_groups(a);
        }
      }
    }
  };
  for (const ModelGroup* g : registry_.groups()) add(g->name, *g);
  for (const auto& [alias, a] : config_->router_settings.model_group_alias) {
    if (a.hidden || registry_.Find(alias) == nullptr) continue;
    add(alias, *registry_.Find(alias));
  }
  return out;
}

v1::Deployment Router::Describe(const config::Deployment& d) const {
  v1::Deployment out;
  out.set_id(d.id);
  out.set_model_group(d.model_name);
  out.set_provider(d.params.provider);
  out.set_upstream_model(d.params.upstream_model);
  out.set_api_base(d.params.api_base.substr(0, d.params.api_base.find('?')));
  if (d.params.order) out.set_order(*d.params.order);
  HealthSnapshot s = registry_.Health(d).Snapshot(config_->router_settings.latency_window);
  switch (s.circuit) {
    case Circuit::kClosed:
      out.set_state(v1::DEPLOYMENT_STATE_HEALTHY);
      break;
    case Circuit::kOpen:
      out.set_state(v1::DEPLOYMENT_STATE_COOLDOWN);
      break;
    case Circuit::kHalfOpen:
      out.set_state(v1::DEPLOYMENT_STATE_HALF_OPEN);
      break;
  }
  if (s.cooldown_until) *out.mutable_cooldown_until() = WallOf(clock_, *s.cooldown_until);
  out.set_cooldown_reason(s.cooldown_reason);
  out.set_trial_in_flight(s.trial_in_flight);
  if (s.forced_fail_until) *out.mutable_forced_fail_until() = WallOf(clock_, *s.forced_fail_until);
  out.set_in_flight(s.in_flight);
  if (s.latency_ms) out.set_latency_ms(*s.latency_ms);
  if (s.ttft_ms) out.set_time_to_first_chunk_ms(*s.ttft_ms);
  out.set_recent_successes(s.recent_successes);
  out.set_recent_failures(s.recent_failures);
  int64_t total = s.recent_successes + s.recent_failures;
  out.set_recent_error_rate(total == 0 ? 0 : double(s.recent_failures) / double(total));
  out.set_last_error(s.last_error);
  out.set_minute_requests(s.minute_requests);
  out.set_minute_tokens(s.minute_tokens);
  out.set_cooldowns(s.cooldowns);
  if (auto check = checker_ ? checker_->Last(d.id) : std::nullopt) {
    auto* h = out.mutable_health_check();
    *h->mutable_checked_at() = TimeUtil::NanosecondsToTimestamp(
        std::chrono::duration_cast<std::chrono::nanoseconds>(check->checked_at.time_since_epoch()).count());
    h->set_healthy(check->healthy);
    h->set_error(check->error);
    *h->mutable_latency() = TimeUtil::MillisecondsToDuration(check->latency.count());
    h->set_probe(check->probe);
    h->set_probes_sent(check->probes_sent);
  }
  return out;
}

absl::StatusOr<v1::ListDeploymentsResponse> Router::ListDeployments(const std::string& group) const {
  v1::ListDeploymentsResponse out;
  if (!group.empty() && registry_.Find(group) == nullptr) {
    return MakeError(absl::StatusCode::kNotFound, common::v1::ERROR_KIND_MODEL_NOT_FOUND,
                     absl::StrCat("no model group '", group, "'"), {.param = "model_group"});
  }
  const ModelGroup* only = group.empty() ? nullptr : registry_.Find(group);
  for (const auto& d : config_->model_list) {
    if (only == nullptr || d.model_name == only->name) *out.add_deployments() = Describe(d);
  }
  return out;
}

absl::StatusOr<const config::Deployment*> Router::Find(const std::string& id) const {
  const config::Deployment* d = registry_.FindDeployment(id);
  if (d == nullptr) {
    return MakeError(absl::StatusCode::kNotFound, common::v1::ERROR_KIND_NOT_FOUND,
                     absl::StrCat("no deployment with id '", id, "'; ListDeployments lists them"),
                     {.param = "deployment_id"});
  }
  return d;
}

absl::StatusOr<v1::Deployment> Router::SetCooldown(const std::string& id, Millis duration,
                                                   std::string reason) {
  auto d = Find(id);
  if (!d.ok()) return d.status();
  if (duration.count() <= 0) {
    return MakeError(absl::StatusCode::kInvalidArgument, common::v1::ERROR_KIND_INVALID_REQUEST,
                     "duration must be > 0 (ClearCooldown ends a cooldown)", {.param = "duration"});
  }
  registry_.Health(**d).SetCooldown(duration, reason.empty() ? "set by an operator" : std::move(reason));
  return Describe(**d);
}

absl::StatusOr<v1::Deployment> Router::ClearCooldown(const std::string& id) {
  auto d = Find(id);
  if (!d.ok()) return d.status();
  registry_.Health(**d).ClearCooldown();
  return Describe(**d);
}

absl::StatusOr<v1::Deployment> Router::ForceFail(const std::string& id, Millis duration) {
  auto d = Find(id);
  if (!d.ok()) return d.status();
  if (duration.count() < 0) {
    return MakeError(absl::StatusCode::kInvalidArgument, common::v1::ERROR_KIND_INVALID_REQUEST,
                     "duration must be >= 0 (0 clears)", {.param = "duration"});
  }
  registry_.Health(**d).ForceFail(duration);
  return Describe(**d);
}

}  // namespace llmgw::router
