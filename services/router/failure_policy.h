// What a failed attempt means for the request: may it be retried within the group, does it
// cool the deployment down, and which fallback list (if any) takes over. One table, so the
// router, its tests and docs/routing.md agree.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "llmgw/config/config.h"
#include "services/router/deployment_health.h"

namespace llmgw::router {

enum class FallbackKind { kNone, kGeneral, kContextWindow, kContentPolicy };

struct FailureClass {
  // Counts against the deployment: 429, 401/403, 404, 408, 5xx, timeouts, connection errors.
  bool cooldown_eligible = false;
  // Another attempt in the same group may succeed.
  bool retryable = false;
  FallbackKind fallback = FallbackKind::kNone;
  std::optional<Millis> retry_after;
  std::string reason;  // short, for ListDeployments: "429", "timeout", "503", ...
};

// `group_size`: deployments in the group (a credential error is retried only when another
// deployment may hold other credentials).
FailureClass ClassifyFailure(const absl::Status& status, size_t group_size);

// The groups to try after `group`, in order, for a failure of `kind` (at most
// max_fallbacks): its own entry, else the `*` entry, else default_fallbacks (general only).
std::vector<std::string> FallbackGroups(const config::FallbackLists& lists,
                                        const std::string& group, FallbackKind kind,
                                        int max_fallbacks);

// The wait before attempt number `retry` (1 = first retry) on a deployment already tried:
// the provider's retry-after if any, else exponential from 250 ms capped at 8 s, never less
// than the configured minimum.
Millis RetryBackoff(int retry, std::optional<Millis> provider_retry_after, Millis minimum);

}  // namespace llmgw::router
