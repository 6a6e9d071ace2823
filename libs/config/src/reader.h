// Internal: typed reads from yaml-cpp nodes that report errors with the YAML path, and the
// field tables each config section is parsed from (so the same table drives parsing,
// unknown-key detection, did-you-mean and the documentation check).
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "llmgw/config/config.h"
#include "llmgw/config/loader.h"

namespace llmgw::config::internal {

class Context {
 public:
  Context(std::string source, const EnvLookup& env) : source_(std::move(source)), env_(env) {}

  void Error(const YAML::Node& at, const std::string& path, const std::string& message);
  void Warn(const std::string& path, const std::string& message);
  // Looks up an environment variable, honouring the file's environment_variables first.
  std::optional<std::string> Env(const std::string& name) const;
  void SetFileEnvironment(std::map<std::string, std::string> vars) { file_env_ = std::move(vars); }

  const std::vector<std::string>& errors() const { return errors_; }
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  std::string source_;
  const EnvLookup& env_;
  std::map<std::string, std::string> file_env_;
  std::vector<std::string> errors_;
  std::vector<std::string> warnings_;
};

// Scalars. Each returns nullopt after reporting an error.
std::optional<std::string> ReadString(const YAML::Node& n, const std::string& path, Context& ctx);
std::optional<int64_t> ReadInt(const YAML::Node& n, const std::string& path, Context& ctx,
                               int64_t min, int64_t max = INT64_MAX);
std::optional<double> ReadNumber(const YAML::Node& n, const std::string& path, Context& ctx,
                                 double min_exclusive_or_inclusive, bool min_inclusive,
                                 double max = 1e300);
std::optional<bool> ReadBool(const YAML::Node& n, const std::string& path, Context& ctx);
// A number of seconds (may be fractional), > 0.
std::optional<Millis> ReadSeconds(const YAML::Node& n, const std::string& path, Context& ctx);
// A whole number of milliseconds, >= min.
std::optional<Millis> ReadMillis(const YAML::Node& n, const std::string& path, Context& ctx,
                                 int64_t min = 0);
// A USD-per-token price, >= 0.
std::optional<PicoUsdPerToken> ReadPrice(const YAML::Node& n, const std::string& path,
                                         Context& ctx);
std::optional<std::vector<std::string>> ReadStringList(const YAML::Node& n,
                                                       const std::string& path, Context& ctx);
std::optional<std::map<std::string, std::string>> ReadStringMap(const YAML::Node& n,
                                                                const std::string& path,
                                                                Context& ctx);
// "host:port" with a numeric port in 0..65535.
std::optional<std::string> ReadHostPort(const YAML::Node& n, const std::string& path,
                                        Context& ctx);
// A duration such as 30s, 15m, 12h, 30d.
std::optional<std::string> ReadDurationText(const YAML::Node& n, const std::string& path,
                                            Context& ctx);
// The length of a text ReadDurationText accepted.
std::chrono::seconds DurationTextSeconds(const std::string& text);

// A fallbacks list: [{group: [fallback, ...]}, ...].
std::optional<std::vector<FallbackRule>> ReadFallbackRules(const YAML::Node& n,
                                                           const std::string& path, Context& ctx);

// A field of a mapping section.
template <typename T>
struct Field {
  const char* name;
  const char* type;
  const char* default_value;
  const char* range;
  const char* effect;
  // Null for a LiteLLM key llmgw knows but does not implement yet: accepted with a warning.
  void (*parse)(const YAML::Node& value, const std::string& path, Context& ctx, T& out);
};

// Closest candidate within a small edit distance, for "did you mean".
std::optional<std::string> DidYouMean(const std::string& word,
                                      const std::vector<std::string>& candidates);

std::string Join(const std::string& path, const std::string& key);

// Reports unknown and duplicate keys, warns on known-unimplemented ones, and runs the
// parser of every implemented field present.
template <typename T>
void ParseMapping(const YAML::Node& node, const std::string& path,
                  std::span<const Field<T>> fields, Context& ctx, T& out) {
  if (!node.IsMap()) {
    ctx.Error(node, path, "expected a mapping");
    return;
  }
  std::vector<std::string> names;
  for (const auto& f : fields) names.push_back(f.name);
  std::vector<std::string> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (!it->first.IsScalar()) {
      ctx.Error(it->first, path, "keys must be strings");
      continue;
    }
    std::string key = it->first.Scalar();
    std::string child = Join(path, key);
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      ctx.Error(it->first, child, "duplicate key");
      continue;
    }
    seen.push_back(key);
    const Field<T>* field = nullptr;
    for (const auto& f : fields) {
      if (key == f.name) field = &f;
    }
    if (field == nullptr) {
      std::string message = "unknown key";
      if (auto guess = DidYouMean(key, names)) message += "; did you mean '" + *guess + "'?";
      ctx.Error(it->first, child, message);
      continue;
    }
    if (field->parse == nullptr) {
      ctx.Warn(child, "LiteLLM setting not implemented by llmgw yet; ignored");
      continue;
    }
    if (it->second.IsNull()) continue;  // "key:" with no value keeps the default
    field->parse(it->second, child, ctx, out);
  }
}

// Appends the documentation rows of `fields` under `prefix`.
template <typename T>
void Document(const std::string& prefix, std::span<const Field<T>> fields,
              std::vector<DocumentedField>& out) {
  for (const auto& f : fields) {
    out.push_back({Join(prefix, f.name), f.type, f.default_value, f.range, f.effect,
                   f.parse != nullptr});
  }
}

// Sections (sections_*.cc).
void ParseModelList(const YAML::Node& node, Context& ctx, Config& out);
void ParseRouterSettings(const YAML::Node& node, Context& ctx, Config& out);
void ParseLitellmSettings(const YAML::Node& node, Context& ctx, Config& out);
void ParseGeneralSettings(const YAML::Node& node, Context& ctx, Config& out);
void ParseLlmgw(const YAML::Node& node, Context& ctx, Config& out);
void ParseSla(const YAML::Node& node, Context& ctx, Config& out);
void DocumentModelList(std::vector<DocumentedField>& out);
void DocumentSettings(std::vector<DocumentedField>& out);
void DocumentRouterSettings(std::vector<DocumentedField>& out);
// After every section is parsed: litellm_settings defaults, and names that must exist.
void ResolveRouterSettings(Context& ctx, Config& out);
void DocumentLlmgw(std::vector<DocumentedField>& out);
// litellm_settings.cache_params (sections_cache.cc).
void ParseCacheParams(const YAML::Node& node, const std::string& path, Context& ctx,
                      CacheSettings& out);
void DocumentCacheParams(std::vector<DocumentedField>& out);

}  // namespace llmgw::config::internal
