// The effective policy of a key: its own settings intersected with its user's and its
// team's, resolved into the Principal the gateway enforces. Pure functions over values,
// so every rule is tested without a store.
#pragma once

#include <map>
#include <optional>
#include <tuple>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "llmgw/common/v1/common.pb.h"
#include "llmgw/keymgr/v1/keymgr.pb.h"

namespace llmgw::keymgr {

// Special names in a `models` list (LiteLLM's).
inline constexpr char kAllProxyModels[] = "all-proxy-models";
inline constexpr char kAllTeamModels[] = "all-team-models";
inline constexpr char kNoDefaultModels[] = "no-default-models";

// The model groups the config serves and its access groups (model_info.access_groups).
struct ModelCatalog {
  std::set<std::string> groups;
  std::map<std::string, std::set<std::string>> access_groups;

  // INVALID_ARGUMENT naming `field` and the first name that is neither a model group, an
  // access group nor a special name.
  absl::Status Validate(const std::vector<std::string>& names, const std::string& field) const;
};

// The three objects a key is evaluated with; user and team may be absent.
struct KeyContext {
  const v1::Key* key = nullptr;
  const v1::User* user = nullptr;
  const v1::Team* team = nullptr;
};

common::v1::Principal ResolvePrincipal(const KeyContext& ctx, const ModelCatalog& catalog);

// Any rpm, tpm or parallel limit (overall or per model) on `m`.
template <typename M>
bool HasRateLimits(const M& m) {
  return m.has_rpm_limit() || m.has_tpm_limit() || m.has_max_parallel_requests() ||
         !m.model_rpm_limit().empty() || !m.model_tpm_limit().empty();
}

// "30s", "15m", "12h", "30d", "2w", "1mo" (30 days) -> seconds. INVALID_ARGUMENT otherwise.
absl::StatusOr<int64_t> ParseDurationSeconds(const std::string& text, const std::string& field);

// INVALID_ARGUMENT naming the field when a limit is negative or a duration unreadable.
template <typename M>
absl::Status ValidateLimits(const M& m) {
  for (auto [name, set, v] : {std::tuple{"rpm_limit", m.has_rpm_limit(), m.rpm_limit()},
                              std::tuple{"tpm_limit", m.has_tpm_limit(), m.tpm_limit()},
                              std::tuple{"max_parallel_requests", m.has_max_parallel_requests(),
                                         m.max_parallel_requests()}}) {
    if (set && v < 0) return absl::InvalidArgumentError(std::string(name) + ": must be >= 0");
  }
  for (const auto* map : {&m.model_rpm_limit(), &m.model_tpm_limit()}) {
    for (const auto& [model, v] : *map) {
      if (v < 0) return absl::InvalidArgumentError("model limits: " + model + " must be >= 0");
    }
  }
  if (!m.budget_duration().empty()) {
    if (auto s = ParseDurationSeconds(m.budget_duration(), "budget_duration"); !s.ok()) return s.status();
  }
  for (const auto& [model, b] : m.model_max_budget()) {
    if (!b.time_period().empty()) {
      if (auto s = ParseDurationSeconds(b.time_period(), "model_max_budget." + model + ".time_period"); !s.ok()) {
        return s.status();
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace llmgw::keymgr
