// The model groups of the model_list and how a deployment is picked within one
// (simple-shuffle: weighted by weight, else rpm, else tpm, else uniform).
#pragma once

#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "llmgw/config/config.h"

namespace llmgw::router {

struct ModelGroup {
  std::string name;
  std::vector<const config::Deployment*> deployments;
  // Cumulative selection weights, one per deployment.
  std::vector<double> cumulative;
};

class ModelRegistry {
 public:
  explicit ModelRegistry(std::shared_ptr<const config::Config> config);

  const ModelGroup* Find(const std::string& name) const;
  // Groups in the order their first deployment appears in model_list.
  const std::vector<const ModelGroup*>& groups() const { return ordered_; }
  // `uniform` in [0, 1): picks the deployment whose weight range holds it.
  const config::Deployment* Pick(const ModelGroup& group, double uniform) const;

 private:
  std::shared_ptr<const config::Config> config_;
  std::map<std::string, ModelGroup> groups_;
  std::vector<const ModelGroup*> ordered_;
};

// A uniform number in [0, 1) from a per-thread generator.
double ThreadLocalUniform();

}  // namespace llmgw::router
