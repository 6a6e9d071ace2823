#include "services/router/model_registry.h"

#include <algorithm>

namespace llmgw::router {
namespace {

// LiteLLM's simple-shuffle: weight if any deployment sets it, else rpm, else tpm, else
// uniform. A deployment without the chosen field counts as weight 1 / the group's
// smallest rpm or tpm, so it is never starved.
std::vector<double> Weights(const std::vector<const config::Deployment*>& ds) {
  auto any = [&](auto get) {
    return std::any_of(ds.begin(), ds.end(), [&](auto* d) { return get(*d).has_value(); });
  };
  auto collect = [&](auto get, double fallback) {
    std::vector<double> w;
    for (auto* d : ds) w.push_back(get(*d) ? static_cast<double>(*get(*d)) : fallback);
    return w;
  };
  auto weight = [](const config::Deployment& d) { return d.params.weight; };
  auto rpm = [](const config::Deployment& d) { return d.params.rpm; };
  auto tpm = [](const config::Deployment& d) { return d.params.tpm; };
  auto smallest = [&](auto get) {
    double m = 0;
    for (auto* d : ds) {
      if (get(*d) && (m == 0 || *get(*d) < m)) m = static_cast<double>(*get(*d));
    }
    return m;
  };
  if (any(weight)) return collect(weight, 1.0);
  if (any(rpm)) return collect(rpm, smallest(rpm));
  if (any(tpm)) return collect(tpm, smallest(tpm));
  return std::vector<double>(ds.size(), 1.0);
}

}  // namespace

ModelRegistry::ModelRegistry(std::shared_ptr<const config::Config> config)
    : config_(std::move(config)) {
  for (const auto& d : config_->model_list) {
    auto [it, inserted] = groups_.try_emplace(d.model_name);
    it->second.name = d.model_name;
    it->second.deployments.push_back(&d);
    if (inserted) ordered_.push_back(&it->second);
  }
  for (auto& [name, group] : groups_) {
    double total = 0;
    for (double w : Weights(group.deployments)) {
      total += w;
      group.cumulative.push_back(total);
    }
  }
}

const ModelGroup* ModelRegistry::Find(const std::string& name) const {
  auto it = groups_.find(name);
  return it == groups_.end() ? nullptr : &it->second;
}

const config::Deployment* ModelRegistry::Pick(const ModelGroup& group, double uniform) const {
  double target = uniform * group.cumulative.back();
  auto it = std::upper_bound(group.cumulative.begin(), group.cumulative.end(), target);
  size_t i = std::min<size_t>(it - group.cumulative.begin(), group.deployments.size() - 1);
  return group.deployments[i];
}

double ThreadLocalUniform() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

}  // namespace llmgw::router
