// Background health checks (general_settings.background_health_checks). Once per
// health_check_interval the router checks every deployment with the cheapest call that
// proves it serves: a chat call with max_tokens health_check_max_tokens (1), an embedding of
// one word, or, for a model that reasons on every call, a zero-token model lookup — never a
// prompt a reasoning model would think about. A deployment that answered real traffic within
// the interval is not probed at all, and a deployment whose probe is still out gets no
// second one. One router checks for every gateway; results are reported (ListDeployments,
// /health), never used to cool a deployment down.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "llmgw/common/clock.h"
#include "llmgw/common/timer_thread.h"
#include "llmgw/config/config.h"
#include "llmgw/pricing/price_table.h"
#include "services/router/model_registry.h"
#include "services/router/provider_set.h"

namespace llmgw::router {

enum class ProbeKind { kChat, kEmbedding, kModel };

const char* ProbeName(ProbeKind kind);

// How `d` is probed: an embedding for mode embedding; a model lookup for a reasoning model
// unless health_check_max_tokens asks for a chat probe; a chat call otherwise.
ProbeKind ProbeKindFor(const config::Deployment& d, bool reasons_by_default);

// The deployment a probe calls: health_check_model instead of the upstream model, and
// health_check_timeout (60 s) as its timeout.
config::Deployment ProbeTarget(const config::Deployment& d);

inline constexpr std::chrono::milliseconds kDefaultHealthCheckTimeout{60'000};

struct HealthCheckResult {
  std::chrono::system_clock::time_point checked_at;
  bool healthy = false;
  std::string error;
  std::chrono::milliseconds latency{0};
  std::string probe;  // ProbeName(), or "traffic"
  int64_t probes_sent = 0;
};

class HealthChecker {
 public:
  struct Env {
    std::shared_ptr<const config::Config> config;
    const ProviderSet& providers;
    const ModelRegistry& registry;
    const pricing::PriceTable& prices;
    TimerThread& timers;
    const Clock& clock;
  };

  explicit HealthChecker(const Env& env);
  // Stops: no round starts after it, and probes still out are cancelled.
  ~HealthChecker();
  HealthChecker(const HealthChecker&) = delete;
  HealthChecker& operator=(const HealthChecker&) = delete;

  // The first round at once, then one every health_check_interval.
  void Start();
  // One round now (tests); deployments with a probe out are skipped.
  void RunRound();

  std::optional<HealthCheckResult> Last(const std::string& deployment_id) const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace llmgw::router
