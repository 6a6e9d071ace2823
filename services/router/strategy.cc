#include "services/router/strategy.h"

#include <algorithm>
#include <limits>

namespace llmgw::router {
namespace {

using config::RoutingStrategy;

size_t Weighted(const std::vector<double>& weights, double uniform) {
  double total = 0;
  for (double w : weights) total += w;
  double target = uniform * total;
  for (size_t i = 0; i < weights.size(); ++i) {
    if (target < weights[i]) return i;
    target -= weights[i];
  }
  return weights.size() - 1;
}

// Uniform among the indexes in `tied`.
size_t AnyOf(const std::vector<size_t>& tied, const PickContext& ctx) {
  auto i = static_cast<size_t>(ctx.uniform() * static_cast<double>(tied.size()));
  return tied[std::min(i, tied.size() - 1)];
}

bool HasHeadroom(const Candidate& c, const PickContext& ctx) {
  const auto& p = c.deployment->params;
  if (p.rpm && c.health->MinuteRequests() + 1 > *p.rpm) return false;
  if (p.tpm && c.health->MinuteTokens() + ctx.estimated_tokens > *p.tpm) return false;
  return true;
}

// Indexes whose score is lowest (within `buffer` as a fraction of the lowest).
template <typename Score>
std::vector<size_t> Lowest(const std::vector<size_t>& idx, Score score, double buffer) {
  double best = std::numeric_limits<double>::infinity();
  for (size_t i : idx) best = std::min(best, score(i));
  std::vector<size_t> out;
  for (size_t i : idx) {
    if (score(i) <= best * (1 + buffer) + 1e-9) out.push_back(i);
  }
  return out;
}

}  // namespace

std::vector<double> ShuffleWeights(const std::vector<const config::Deployment*>& ds) {
  auto any = [&](auto get) {
    return std::any_of(ds.begin(), ds.end(), [&](auto* d) { return get(*d).has_value(); });
  };
  // A deployment without the chosen field weighs as the group's smallest value, so it is
  // never starved.
  auto collect = [&](auto get) {
    double smallest = 0;
    for (auto* d : ds) {
      if (get(*d) && (smallest == 0 || static_cast<double>(*get(*d)) < smallest)) {
        smallest = static_cast<double>(*get(*d));
      }
    }
    std::vector<double> w;
    for (auto* d : ds) w.push_back(get(*d) ? static_cast<double>(*get(*d)) : smallest);
    return w;
  };
  auto weight = [](const config::Deployment& d) { return d.params.weight; };
  auto rpm = [](const config::Deployment& d) { return d.params.rpm; };
  auto tpm = [](const config::Deployment& d) { return d.params.tpm; };
  if (any(weight)) {
    std::vector<double> w;
    for (auto* d : ds) w.push_back(d->params.weight.value_or(1.0));
    return w;
  }
  if (any(rpm)) return collect(rpm);
  if (any(tpm)) return collect(tpm);
  return std::vector<double>(ds.size(), 1.0);
}

std::optional<size_t> PickCandidate(const std::vector<Candidate>& cs, const PickContext& ctx) {
  if (cs.empty()) return std::nullopt;
  std::vector<size_t> all(cs.size());
  for (size_t i = 0; i < cs.size(); ++i) all[i] = i;
  switch (ctx.strategy) {
    case RoutingStrategy::kSimpleShuffle: {
      std::vector<const config::Deployment*> ds;
      for (const auto& c : cs) ds.push_back(c.deployment);
      return Weighted(ShuffleWeights(ds), ctx.uniform());
    }
    case RoutingStrategy::kLeastBusy: {
      auto tied = Lowest(all, [&](size_t i) { return double(cs[i].health->in_flight()); }, 0);
      return AnyOf(tied, ctx);
    }
    default:
      break;
  }
  std::vector<size_t> open;
  for (size_t i : all) {
    if (HasHeadroom(cs[i], ctx)) open.push_back(i);
  }
  if (open.empty()) return std::nullopt;
  switch (ctx.strategy) {
    case RoutingStrategy::kUsageBased: {
      // Lowest tokens this minute, then fewest requests.
      auto tied = Lowest(open, [&](size_t i) { return double(cs[i].health->MinuteTokens()); }, 0);
      tied = Lowest(tied, [&](size_t i) { return double(cs[i].health->MinuteRequests()); }, 0);
      return AnyOf(tied, ctx);
    }
    case RoutingStrategy::kLatencyBased: {
      // Untried deployments first, so every one gets measured.
      std::vector<size_t> untried;
      for (size_t i : open) {
        if (!cs[i].health->AverageLatencyMs(ctx.latency_window)) untried.push_back(i);
      }
      if (!untried.empty()) return AnyOf(untried, ctx);
      auto tied = Lowest(
          open, [&](size_t i) { return *cs[i].health->AverageLatencyMs(ctx.latency_window); },
          ctx.lowest_latency_buffer);
      return AnyOf(tied, ctx);
    }
    case RoutingStrategy::kCostBased: {
      auto tied = Lowest(open, [&](size_t i) { return cs[i].unit_price; }, 0);
      return AnyOf(tied, ctx);
    }
    default:
      return AnyOf(open, ctx);
  }
}

}  // namespace llmgw::router
