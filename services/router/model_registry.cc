#include "services/router/model_registry.h"

#include <random>

namespace llmgw::router {

ModelRegistry::ModelRegistry(std::shared_ptr<const config::Config> config, const Clock& clock)
    : config_(std::move(config)) {
  for (const auto& d : config_->model_list) {
    auto [it, inserted] = groups_.try_emplace(d.model_name);
    it->second.name = d.model_name;
    it->second.deployments.push_back(&d);
    if (inserted) ordered_.push_back(&it->second);
    by_id_[d.id] = &d;
    health_.push_back(std::make_unique<DeploymentHealth>(PolicyFor(d, config_->router_settings), clock));
  }
}

const ModelGroup* ModelRegistry::Find(const std::string& name) const {
  auto it = groups_.find(name);
  if (it != groups_.end()) return &it->second;
  const auto& aliases = config_->router_settings.model_group_alias;
  if (auto a = aliases.find(name); a != aliases.end()) {
    if (auto g = groups_.find(a->second.model_group); g != groups_.end()) return &g->second;
  }
  return nullptr;
}

const config::Deployment* ModelRegistry::FindDeployment(const std::string& id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

DeploymentHealth& ModelRegistry::Health(const config::Deployment& d) const {
  return *health_[static_cast<size_t>(&d - config_->model_list.data())];
}

double ThreadLocalUniform() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

}  // namespace llmgw::router
