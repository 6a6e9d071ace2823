#include "services/router/health_checker.h"

#include <atomic>
#include <map>
#include <mutex>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "llmgw/common/ids.h"

namespace llmgw::router {

using Millis = std::chrono::milliseconds;

const char* ProbeName(ProbeKind kind) {
  switch (kind) {
    case ProbeKind::kChat: return "chat";
    case ProbeKind::kEmbedding: return "embedding";
    case ProbeKind::kModel: return "model";
  }
  return "chat";
}

namespace {

// Families that reason on every call, for deployments the built-in table does not know.
bool ReasoningName(const std::string& model) {
  if (model.empty()) return false;
  std::string m = model.substr(model.rfind('/') == std::string::npos ? 0 : model.rfind('/') + 1);
  for (const char* p : {"o1", "o3", "o4"}) {
    if (m == p || absl::StartsWith(m, absl::StrCat(p, "-"))) return true;
  }
  if (absl::StartsWith(m, "gpt-5") && !absl::StrContains(m, "chat")) return true;
  return absl::StrContains(m, "reasoner") || absl::StrContains(m, "thinking");
}

}  // namespace

ProbeKind ProbeKindFor(const config::Deployment& d, bool reasons_by_default) {
  if (d.info.mode == "embedding") return ProbeKind::kEmbedding;
  if (d.info.health_check_max_tokens) return ProbeKind::kChat;
  // Azure deployment names say nothing; base_model says what runs behind them.
  bool reasons = d.info.supports_reasoning.value_or(
      reasons_by_default || ReasoningName(d.info.base_model) ||
      ReasoningName(d.info.health_check_model.empty() ? d.params.upstream_model : d.info.health_check_model));
  if (reasons) return ProbeKind::kModel;
  if (!d.info.mode.empty() && d.info.mode != "chat" && d.info.mode != "completion") return ProbeKind::kModel;
  return ProbeKind::kChat;
}

config::Deployment ProbeTarget(const config::Deployment& d) {
  config::Deployment t = d;
  if (!d.info.health_check_model.empty()) t.params.upstream_model = d.info.health_check_model;
  t.timeout = d.info.health_check_timeout.value_or(kDefaultHealthCheckTimeout);
  t.stream_timeout = t.timeout;
  return t;
}

struct HealthChecker::State : std::enable_shared_from_this<State> {
  struct Slot {
    const config::Deployment* deployment = nullptr;
    config::Deployment target;
    ProbeKind kind = ProbeKind::kChat;
    // Under mu.
    bool in_flight = false;
    std::shared_ptr<providers::CallHandle> handle;
    std::optional<HealthCheckResult> last;
    int64_t sent = 0;
  };

  std::shared_ptr<const config::Config> config;
  ProviderSet providers;
  const ModelRegistry* registry;
  TimerThread* timers;
  const Clock* clock;
  std::vector<Slot> slots;  // by model_list index; never resized after construction
  std::map<std::string, size_t> by_id;

  // Held for a whole round; Stop takes it, so no round touches the router after Stop.
  std::mutex round_mu;
  bool stopped = false;  // under round_mu
  TimerThread::TimerId timer = 0;  // under round_mu
  std::atomic<bool> closing{false};
  mutable std::mutex mu;

  void Round();
  // Under round_mu: the next round after `delay`, on the timer thread.
  void ScheduleLocked(Millis delay) {
    timer = timers->Schedule(delay, [self = shared_from_this()] {
      std::lock_guard round(self->round_mu);
      if (self->stopped) return;
      self->Round();
      self->ScheduleLocked(self->config->general_settings.health_check_interval);
    });
  }
  void Probe(Slot& slot);
  void Record(Slot& slot, absl::Status status, std::chrono::steady_clock::time_point start);
};

void HealthChecker::State::Round() {
  const Millis interval = config->general_settings.health_check_interval;
  const auto now = clock->SteadyNow();
  for (Slot& slot : slots) {
    auto last_success = registry->Health(*slot.deployment).LastSuccess();
    {
      std::lock_guard lock(mu);
      if (slot.in_flight) continue;
      if (last_success && now - *last_success < interval) {
        // Real traffic proved it within the interval: no probe, no cost.
        HealthCheckResult r{.checked_at = clock->Now() - std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                                             now - *last_success),
                            .healthy = true,
                            .probe = "traffic",
                            .probes_sent = slot.sent};
        slot.last = std::move(r);
        continue;
      }
      slot.in_flight = true;
      ++slot.sent;
    }
    Probe(slot);
  }
}

void HealthChecker::State::Probe(Slot& slot) {
  auto self = shared_from_this();
  const auto start = std::chrono::steady_clock::now();
  providers::CallOptions options{.request_id = "llmgw-health-" + RandomHex(6),
                                 .deadline = start + slot.target.timeout};
  providers::Provider& provider = providers.For(slot.target.params.wire);
  std::shared_ptr<providers::CallHandle> handle;
  switch (slot.kind) {
    case ProbeKind::kChat: {
      providers::ChatCompletionRequest req;
      req.set_model(slot.target.model_name);
      auto* m = req.add_messages();
      m->set_role(common::v1::CHAT_ROLE_USER);
      m->set_text("ping");
      req.set_max_tokens(slot.target.info.health_check_max_tokens.value_or(1));
      handle = provider.Chat(slot.target, req, options,
                             [self, &slot, start](absl::StatusOr<providers::ChatCompletionResponse> r) {
                               self->Record(slot, r.status(), start);
                             });
      break;
    }
    case ProbeKind::kEmbedding: {
      providers::EmbeddingsRequest req;
      req.set_model(slot.target.model_name);
      req.add_inputs("ping");
      handle = provider.Embed(slot.target, req, options,
                              [self, &slot, start](absl::StatusOr<providers::EmbeddingsResponse> r) {
                                self->Record(slot, r.status(), start);
                              });
      break;
    }
    case ProbeKind::kModel:
      handle = provider.CheckModel(slot.target, options, [self, &slot, start](absl::Status s) {
        self->Record(slot, std::move(s), start);
      });
      break;
  }
  std::lock_guard lock(mu);
  if (slot.in_flight) slot.handle = std::move(handle);  // not when it already answered
}

void HealthChecker::State::Record(Slot& slot, absl::Status status,
                                  std::chrono::steady_clock::time_point start) {
  if (closing.load()) return;  // cancelled at shutdown: no verdict
  HealthCheckResult r{.checked_at = std::chrono::system_clock::now(),
                      .healthy = status.ok(),
                      .error = status.ok() ? "" : std::string(status.message()),
                      .latency = std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - start),
                      .probe = ProbeName(slot.kind)};
  std::lock_guard lock(mu);
  r.probes_sent = slot.sent;
  slot.last = std::move(r);
  slot.in_flight = false;
  slot.handle.reset();
}

HealthChecker::HealthChecker(const Env& env) : state_(std::make_shared<State>()) {
  state_->config = env.config;
  state_->providers = env.providers;
  state_->registry = &env.registry;
  state_->timers = &env.timers;
  state_->clock = &env.clock;
  state_->slots.resize(env.config->model_list.size());
  for (size_t i = 0; i < env.config->model_list.size(); ++i) {
    const config::Deployment& d = env.config->model_list[i];
    auto& slot = state_->slots[i];
    slot.deployment = &d;
    slot.target = ProbeTarget(d);
    slot.kind = ProbeKindFor(d, env.prices.ForDeployment(d.id).reasons_by_default);
    state_->by_id[d.id] = i;
  }
}

HealthChecker::~HealthChecker() {
  {
    std::lock_guard round(state_->round_mu);  // waits for a round in progress
    state_->stopped = true;
    if (state_->timer != 0) state_->timers->Cancel(state_->timer);
  }
  state_->closing = true;
  std::vector<std::shared_ptr<providers::CallHandle>> out;
  {
    std::lock_guard lock(state_->mu);
    for (auto& slot : state_->slots) {
      if (slot.handle) out.push_back(std::move(slot.handle));
    }
  }
  for (auto& h : out) h->Cancel();  // their callbacks only touch the shared state
}

void HealthChecker::Start() {
  std::lock_guard round(state_->round_mu);
  if (!state_->stopped && state_->timer == 0) state_->ScheduleLocked(Millis(0));
}

void HealthChecker::RunRound() {
  std::lock_guard round(state_->round_mu);
  if (!state_->stopped) state_->Round();
}

std::optional<HealthCheckResult> HealthChecker::Last(const std::string& id) const {
  auto it = state_->by_id.find(id);  // immutable after construction
  if (it == state_->by_id.end()) return std::nullopt;
  std::lock_guard lock(state_->mu);
  return state_->slots[it->second].last;
}

}  // namespace llmgw::router
