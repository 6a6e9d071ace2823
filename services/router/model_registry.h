// The model groups of the model_list, their aliases, and the live health of every
// deployment (one DeploymentHealth per model_list entry, for the life of the router).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "llmgw/common/clock.h"
#include "llmgw/config/config.h"
#include "services/router/deployment_health.h"

namespace llmgw::router {

struct ModelGroup {
  std::string name;
  std::vector<const config::Deployment*> deployments;
};

class ModelRegistry {
 public:
  ModelRegistry(std::shared_ptr<const config::Config> config, const Clock& clock);

  // A group by its name or a router_settings.model_group_alias; null when neither.
  const ModelGroup* Find(const std::string& name) const;
  // A deployment by its id; null when none.
  const config::Deployment* FindDeployment(const std::string& id) const;
  // Groups in the order their first deployment appears in model_list.
  const std::vector<const ModelGroup*>& groups() const { return ordered_; }
  DeploymentHealth& Health(const config::Deployment& d) const;

 private:
  std::shared_ptr<const config::Config> config_;
  std::map<std::string, ModelGroup> groups_;
  std::vector<const ModelGroup*> ordered_;
  std::map<std::string, const config::Deployment*> by_id_;
  std::vector<std::unique_ptr<DeploymentHealth>> health_;  // by model_list index
};

// A uniform number in [0, 1) from a per-thread generator.
double ThreadLocalUniform();

}  // namespace llmgw::router
