// The routing strategies: given the deployments of a group that may take a call now, pick
// one. Pure functions of the candidates' config and health, so each is tested alone.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "llmgw/config/config.h"
#include "services/router/deployment_health.h"

namespace llmgw::router {

struct Candidate {
  const config::Deployment* deployment;
  DeploymentHealth* health;
  // Price of one prompt + one completion token, in picodollars (cost-based-routing).
  double unit_price = 0;
};

struct PickContext {
  config::RoutingStrategy strategy = config::RoutingStrategy::kSimpleShuffle;
  Millis latency_window{3'600'000};
  double lowest_latency_buffer = 0;
  int64_t estimated_tokens = 0;  // of this request, for tpm headroom
  std::function<double()> uniform;  // in [0, 1)
};

// The index of the chosen candidate, or nullopt when every candidate is over its rpm/tpm
// this minute (usage-, latency- and cost-based routing respect them; simple-shuffle and
// least-busy use rpm/tpm only as weights, like LiteLLM).
std::optional<size_t> PickCandidate(const std::vector<Candidate>& candidates,
                                    const PickContext& ctx);

// simple-shuffle's weights: weight if any deployment sets it, else rpm, else tpm, else equal.
std::vector<double> ShuffleWeights(const std::vector<const config::Deployment*>& deployments);

}  // namespace llmgw::router
