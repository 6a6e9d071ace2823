#include "services/health/health_aggregator.h"

#include <map>
#include <mutex>
#include <optional>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "llmgw/rpc/call_context.h"

namespace llmgw::health {
namespace {

using grpc::health::v1::HealthCheckResponse;

struct Round {
  std::mutex mu;
  size_t pending = 0;
  v1::SystemHealth result;
  std::vector<v1::Component> deployments;  // appended after the services
  std::vector<std::string> deployment_reasons;
  std::function<void(v1::SystemHealth)> done;
};

// The components of the router's deployments: serving unless cooling down (or failing
// their background probe, which is DEGRADED), and a reason for every model group with no
// deployment left serving. Never critical: a broken provider degrades the system, it does
// not take the gateway out of rotation.
void AddDeployments(const router::v1::ListDeploymentsResponse& list, Round& round) {
  namespace rv1 = router::v1;
  std::map<std::string, std::pair<int, int>> groups;  // serving, total
  for (const auto& d : list.deployments()) {
    v1::Component c;
    c.set_name(absl::StrCat("deployment/", d.model_group(), "/", d.id()));
    *c.mutable_checked_at() = google::protobuf::util::TimeUtil::GetCurrentTime();
    c.set_status(v1::SYSTEM_STATUS_SERVING);
    if (d.state() == rv1::DEPLOYMENT_STATE_COOLDOWN) {
      c.set_status(v1::SYSTEM_STATUS_NOT_SERVING);
      c.set_reason(absl::StrCat("cooling down until ", google::protobuf::util::TimeUtil::ToString(d.cooldown_until()),
                                ": ", d.cooldown_reason()));
    } else if (d.has_health_check() && !d.health_check().healthy()) {
      c.set_status(v1::SYSTEM_STATUS_DEGRADED);
      c.set_reason(absl::StrCat("background health check failed: ", d.health_check().error()));
    } else if (d.state() == rv1::DEPLOYMENT_STATE_HALF_OPEN) {
      c.set_reason("half-open: the next request is a trial");
    }
    auto& g = groups[d.model_group()];
    g.second++;
    if (c.status() != v1::SYSTEM_STATUS_NOT_SERVING) g.first++;
    round.deployments.push_back(std::move(c));
  }
  for (const auto& [group, counts] : groups) {
    if (counts.first == 0) {
      round.deployment_reasons.push_back(
          absl::StrCat("model group ", group, ": none of its ", counts.second, " deployments is serving"));
    }
  }
}

void Summarize(v1::SystemHealth& h, const std::vector<ServiceTarget>& targets, Round& round) {
  bool critical_down = false;
  bool any_down = false;
  for (size_t i = 0; i < targets.size(); ++i) {
    const auto& c = h.components(static_cast<int>(i));
    if (c.status() == v1::SYSTEM_STATUS_SERVING) continue;
    any_down = true;
    if (targets[i].critical) critical_down = true;
    h.add_reasons(absl::StrCat(c.name(), ": ", c.reason()));
  }
  for (auto& c : round.deployments) {
    if (c.status() != v1::SYSTEM_STATUS_SERVING) {
      any_down = true;
      h.add_reasons(absl::StrCat(c.name(), ": ", c.reason()));
    }
    *h.add_components() = std::move(c);
  }
  for (auto& r : round.deployment_reasons) h.add_reasons(std::move(r));
  h.set_status(critical_down ? v1::SYSTEM_STATUS_NOT_SERVING
               : any_down    ? v1::SYSTEM_STATUS_DEGRADED
                             : v1::SYSTEM_STATUS_SERVING);
}

}  // namespace

HealthAggregator::HealthAggregator(std::vector<ServiceTarget> targets,
                                   std::chrono::milliseconds timeout)
    : timeout_(timeout) {
  SetTargets(std::move(targets));
}

HealthAggregator::~HealthAggregator() { Stop(); }

void HealthAggregator::SetTargets(std::vector<ServiceTarget> targets) {
  auto watches = std::make_shared<Watches>();
  for (const auto& t : targets) watches->push_back(std::make_unique<ServiceWatch>(t.channel, t.service, timers_));
  auto t = std::make_shared<const std::vector<ServiceTarget>>(std::move(targets));
  std::shared_ptr<const Watches> old;
  {
    std::lock_guard calls(calls_mu_);
    if (stopped_) return;
    for (auto& w : *watches) w->Start();
    std::lock_guard lock(mu_);
    targets_ = std::move(t);
    old = std::exchange(watches_, std::move(watches));
  }
  if (old) {
    for (const auto& w : *old) w->Stop();
  }
}

void HealthAggregator::SetRouter(std::shared_ptr<grpc::Channel> channel, std::string master_key) {
  auto stub = std::shared_ptr<router::v1::Router::Stub>(router::v1::Router::NewStub(std::move(channel)));
  std::lock_guard lock(mu_);
  router_ = std::move(stub);
  master_key_ = std::move(master_key);
}

void HealthAggregator::Stop() {
  std::shared_ptr<const Watches> watches;
  {
    std::lock_guard calls(calls_mu_);  // waits for a Check that is starting its calls
    stopped_ = true;
    std::lock_guard lock(mu_);
    watches = watches_;
  }
  if (watches) {
    for (const auto& w : *watches) w->Stop();
  }
}

void HealthAggregator::Check(std::function<void(v1::SystemHealth)> done) {
  // Held while the calls are created: after Stop no call starts (an in-process channel to a
  // server that is shutting down must not get new calls).
  std::lock_guard calls(calls_mu_);
  if (stopped_) {
    v1::SystemHealth h;
    h.set_status(v1::SYSTEM_STATUS_NOT_SERVING);
    h.add_reasons("the health aggregator is shutting down");
    return done(std::move(h));
  }
  std::shared_ptr<const std::vector<ServiceTarget>> targets_ptr;
  std::shared_ptr<const Watches> watches;
  {
    std::lock_guard lock(mu_);
    targets_ptr = targets_;
    watches = watches_;
  }
  const auto& targets = *targets_ptr;
  auto round = std::make_shared<Round>();
  std::shared_ptr<router::v1::Router::Stub> router;
  std::string master_key;
  {
    std::lock_guard lock(mu_);
    router = router_;
    master_key = master_key_;
  }
  round->done = std::move(done);
  // Targets whose watch has no answer yet are asked with Check below.
  std::vector<size_t> ask;
  for (size_t i = 0; i < targets.size(); ++i) {
    const auto& t = targets[i];
    auto* c = round->result.add_components();
    c->set_name(t.component.empty() ? "service/" + t.service : t.component);
    // A live stream saying SERVING is current (a change would have been pushed). Anything
    // else is asked afresh: a stream's NOT_SERVING may be the moment before a service that
    // just started reports SERVING, and a down service's reason is best said by a Check.
    if ((*watches)[i]->Get().state != ServiceWatch::Status::State::kServing) {
      ask.push_back(i);
      continue;
    }
    *c->mutable_checked_at() = google::protobuf::util::TimeUtil::GetCurrentTime();
    c->set_status(v1::SYSTEM_STATUS_SERVING);
  }
  round->pending = ask.size() + (router ? 1 : 0);
  if (round->pending == 0) {
    Summarize(round->result, targets, *round);
    return round->done(std::move(round->result));
  }
  auto finish_one = [targets_ptr, round] {  // under round->mu
    if (--round->pending == 0) {
      Summarize(round->result, *targets_ptr, *round);
      auto done = std::move(round->done);
      done(std::move(round->result));
    }
  };
  if (router) {
    struct Call {
      std::unique_ptr<grpc::ClientContext> ctx;
      router::v1::ListDeploymentsRequest request;
      router::v1::ListDeploymentsResponse response;
    };
    auto call = std::make_shared<Call>();
    rpc::CallContext cc;
    cc.authorization = "Bearer " + master_key;
    call->ctx = rpc::NewClientContext(cc, timeout_);
    router->async()->ListDeployments(call->ctx.get(), &call->request, &call->response,
                                     [router, round, call, finish_one](grpc::Status status) {
                                       std::lock_guard lock(round->mu);
                                       // A router that cannot answer shows as its service component.
                                       if (status.ok()) AddDeployments(call->response, *round);
                                       finish_one();
                                     });
  }
  for (size_t i : ask) {
    struct Call {
      std::unique_ptr<grpc::ClientContext> ctx;
      grpc::health::v1::HealthCheckRequest request;
      HealthCheckResponse response;
      std::unique_ptr<grpc::health::v1::Health::Stub> stub;
    };
    auto call = std::make_shared<Call>();
    call->ctx = rpc::NewClientContext({}, timeout_);
    call->request.set_service(targets[i].service);
    call->stub = grpc::health::v1::Health::NewStub(targets[i].channel);
    call->stub->async()->Check(
        call->ctx.get(), &call->request, &call->response,
        [round, call, i, finish_one](grpc::Status status) {
          std::lock_guard lock(round->mu);
          auto* c = round->result.mutable_components(static_cast<int>(i));
          *c->mutable_checked_at() = google::protobuf::util::TimeUtil::GetCurrentTime();
          if (!status.ok()) {
            c->set_status(v1::SYSTEM_STATUS_NOT_SERVING);
            c->set_reason(absl::StrCat("health check failed: ", status.error_message()));
          } else if (call->response.status() == HealthCheckResponse::SERVING) {
            c->set_status(v1::SYSTEM_STATUS_SERVING);
          } else {
            c->set_status(v1::SYSTEM_STATUS_NOT_SERVING);
            c->set_reason("reports NOT_SERVING");
          }
          finish_one();
        });
  }
}

grpc::ServerUnaryReactor* HealthAggregatorGrpc::GetSystemHealth(grpc::CallbackServerContext* ctx,
                                                                const v1::GetSystemHealthRequest*,
                                                                v1::SystemHealth* response) {
  auto* reactor = ctx->DefaultReactor();
  logic_.Check([reactor, response](v1::SystemHealth h) {
    *response = std::move(h);
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerUnaryReactor* HealthAggregatorGrpc::ListComponents(grpc::CallbackServerContext* ctx,
                                                               const v1::ListComponentsRequest*,
                                                               v1::ListComponentsResponse* response) {
  auto* reactor = ctx->DefaultReactor();
  logic_.Check([reactor, response](v1::SystemHealth h) {
    *response->mutable_components() = std::move(*h.mutable_components());
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

namespace {

// What a watcher is told about: the status and its reasons (not the check times).
std::string Key(const v1::SystemHealth& h) {
  std::string k = std::to_string(h.status());
  for (const auto& r : h.reasons()) absl::StrAppend(&k, "\n", r);
  return k;
}

// One WatchSystemHealth stream. Every touch of the reactor happens under the state's mutex
// after checking `done`, so timer and check callbacks that outlive it do nothing.
class WatchReactor final : public grpc::ServerWriteReactor<v1::SystemHealth> {
 public:
  WatchReactor(HealthAggregator& logic, TimerThread& timers)
      : logic_(logic), timers_(timers), state_(std::make_shared<State>()) {
    state_->self = this;
    Tick(state_);
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard lock(state_->mu);
    state_->writing = false;
    if (!ok) return End(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the stream broke"));
    if (state_->pending) {
      state_->current = std::move(*state_->pending);
      state_->pending.reset();
      state_->writing = true;
      StartWrite(&state_->current);
    }
  }
  void OnCancel() override {
    std::lock_guard lock(state_->mu);
    End(grpc::Status::CANCELLED);
  }
  void OnDone() override {
    {
      std::lock_guard lock(state_->mu);
      state_->self = nullptr;
    }
    delete this;
  }

 private:
  struct State {
    std::mutex mu;
    WatchReactor* self = nullptr;  // null once the stream is done
    bool done = false;
    bool writing = false;
    std::string last_key;
    v1::SystemHealth current;
    std::optional<v1::SystemHealth> pending;
  };

  // Under state->mu.
  void End(grpc::Status status) {
    if (state_->done) return;
    state_->done = true;
    Finish(std::move(status));
  }

  static void Tick(const std::shared_ptr<State>& state) {
    HealthAggregator* logic = nullptr;
    TimerThread* timers = nullptr;
    {
      std::lock_guard lock(state->mu);
      if (state->done || state->self == nullptr) return;
      logic = &state->self->logic_;
      timers = &state->self->timers_;
    }
    logic->Check([state, timers](v1::SystemHealth h) {
      // `timers` is touched only while the stream is live: the server shuts down (ending
      // every stream) before the service and its timer thread are destroyed.
      std::lock_guard lock(state->mu);
      if (state->done || state->self == nullptr) return;
      {
        std::string key = Key(h);
        if (key != state->last_key) {
          state->last_key = std::move(key);
          if (state->writing) {
            state->pending = std::move(h);
          } else {
            state->current = std::move(h);
            state->writing = true;
            state->self->StartWrite(&state->current);
          }
        }
      }
      timers->Schedule(HealthAggregatorGrpc::kWatchInterval, [state] { Tick(state); });
    });
  }

  HealthAggregator& logic_;
  TimerThread& timers_;
  std::shared_ptr<State> state_;
};

}  // namespace

grpc::ServerWriteReactor<v1::SystemHealth>* HealthAggregatorGrpc::WatchSystemHealth(
    grpc::CallbackServerContext*, const v1::WatchSystemHealthRequest*) {
  return new WatchReactor(logic_, timers_);
}

}  // namespace llmgw::health
