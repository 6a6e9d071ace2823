// config.yaml -> validated Config. Every problem is reported with its YAML path
// ("model_list[1].litellm_params.rpm: must be > 0"); LiteLLM keys llmgw knows but does not
// implement yet become one warning line each; unknown keys are errors with a did-you-mean.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "llmgw/config/config.h"

namespace llmgw::config {

// Looks up an environment variable; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The process environment.
EnvLookup ProcessEnv();

struct Loaded {
  std::shared_ptr<const Config> config;
  std::vector<std::string> warnings;
};

// Parses and validates YAML text. `source` names the text in messages (a file name).
// On failure the status is INVALID_ARGUMENT and its message holds every error, one per line.
absl::StatusOr<Loaded> LoadConfigString(const std::string& yaml, const std::string& source,
                                        const EnvLookup& env);

absl::StatusOr<Loaded> LoadConfigFile(const std::string& path, const EnvLookup& env);

// One row of docs/configuration-reference.md. A test holds the document to this list.
struct DocumentedField {
  std::string path;  // "model_list[].litellm_params.rpm"
  std::string type;
  std::string default_value;
  std::string range;
  std::string effect;
  bool implemented = true;  // false: a LiteLLM key accepted with a warning
};

std::vector<DocumentedField> DocumentedFields();

}  // namespace llmgw::config
