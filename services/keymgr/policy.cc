#include "services/keymgr/policy.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace llmgw::keymgr {
namespace {

// nullopt: no restriction at this level.
using ModelSet = std::optional<std::set<std::string>>;

ModelSet Expand(const google::protobuf::RepeatedPtrField<std::string>& names, const ModelCatalog& c,
                const ModelSet& team_models) {
  if (names.empty()) return std::nullopt;
  std::set<std::string> out;
  for (const auto& n : names) {
    if (n == kAllProxyModels) return std::nullopt;
    if (n == kAllTeamModels) {
      if (!team_models) return std::nullopt;
      out.insert(team_models->begin(), team_models->end());
      continue;
    }
    if (n == kNoDefaultModels) continue;
    if (auto it = c.access_groups.find(n); it != c.access_groups.end()) {
      out.insert(it->second.begin(), it->second.end());
    } else {
      out.insert(n);
    }
  }
  return out;
}

ModelSet Intersect(const ModelSet& a, const ModelSet& b) {
  if (!a) return b;
  if (!b) return a;
  std::set<std::string> out;
  std::set_intersection(a->begin(), a->end(), b->begin(), b->end(), std::inserter(out, out.begin()));
  return out;
}

template <typename M>
void AddBudget(common::v1::Principal& p, common::v1::Scope scope, const std::string& id, const M& m) {
  if (!m.has_max_budget() && !m.has_soft_budget() && m.model_max_budget().empty()) return;
  auto* b = p.add_budgets();
  b->set_scope(scope);
  b->set_id(id);
  if (m.has_max_budget()) *b->mutable_max_budget() = m.max_budget();
  if (m.has_soft_budget()) *b->mutable_soft_budget() = m.soft_budget();
  b->set_budget_duration(m.budget_duration());
  *b->mutable_model_max_budget() = m.model_max_budget();
}

}  // namespace

absl::Status ModelCatalog::Validate(const std::vector<std::string>& names, const std::string& field) const {
  for (size_t i = 0; i < names.size(); ++i) {
    const auto& n = names[i];
    if (n == kAllProxyModels || n == kAllTeamModels || n == kNoDefaultModels) continue;
    if (groups.count(n) || access_groups.count(n)) continue;
    return absl::InvalidArgumentError(absl::StrCat(
        field, "[", i, "]: '", n, "' is neither a model group of this gateway, an access group nor ",
        kAllProxyModels, "/", kAllTeamModels, "/", kNoDefaultModels));
  }
  return absl::OkStatus();
}

common::v1::Principal ResolvePrincipal(const KeyContext& ctx, const ModelCatalog& catalog) {
  const v1::Key& k = *ctx.key;
  common::v1::Principal p;
  p.set_key_hash(k.token());
  p.set_key_name(k.key_name());
  p.set_key_alias(k.key_alias());
  p.set_user_id(k.user_id());
  p.set_team_id(k.team_id());
  if (ctx.user) p.set_role(ctx.user->user_role());
  if (k.has_expires()) *p.mutable_expires_at() = k.expires();

  // Team keys answer to the team's model list; personal keys to the user's
  // ("no-default-models": nothing outside a team).
  ModelSet team = ctx.team ? Expand(ctx.team->models(), catalog, std::nullopt) : std::nullopt;
  ModelSet allowed = Expand(k.models(), catalog, team);
  if (ctx.team) {
    allowed = Intersect(allowed, team);
  } else if (ctx.user) {
    const auto& um = ctx.user->models();
    bool none = std::find(um.begin(), um.end(), kNoDefaultModels) != um.end();
    allowed = Intersect(allowed, none ? ModelSet(std::set<std::string>{}) : Expand(um, catalog, std::nullopt));
  }
  if (allowed) {
    for (const auto& m : *allowed) p.add_models(m);
  } else {
    p.set_all_models(true);
  }

  if (ctx.team) {
    for (const auto& [from, to] : ctx.team->model_aliases()) (*p.mutable_model_aliases())[from] = to;
  }
  for (const auto& [from, to] : k.aliases()) (*p.mutable_model_aliases())[from] = to;
  *p.mutable_allowed_routes() = k.allowed_routes();
  if (k.has_metadata()) *p.mutable_metadata() = k.metadata();
  *p.mutable_tags() = k.tags();

  p.set_has_rate_limits(HasRateLimits(k) || (ctx.user && HasRateLimits(*ctx.user)) ||
                        (ctx.team && HasRateLimits(*ctx.team)));
  AddBudget(p, common::v1::SCOPE_KEY, k.token(), k);
  // As LiteLLM (v1.95+): a team key answers to the team's budget, not its owner's.
  if (ctx.team) {
    AddBudget(p, common::v1::SCOPE_TEAM, ctx.team->team_id(), *ctx.team);
  } else if (ctx.user) {
    AddBudget(p, common::v1::SCOPE_USER, ctx.user->user_id(), *ctx.user);
  }
  return p;
}

absl::StatusOr<int64_t> ParseDurationSeconds(const std::string& text, const std::string& field) {
  size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  int64_t n = 0;
  std::string unit = text.substr(i);
  static const std::map<std::string, int64_t> kUnits = {
      {"s", 1}, {"m", 60}, {"h", 3600}, {"d", 86400}, {"w", 7 * 86400}, {"mo", 30 * 86400}};
  auto it = kUnits.find(unit);
  if (i == 0 || i > 9 || !absl::SimpleAtoi(text.substr(0, i), &n) || n <= 0 || it == kUnits.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": '", text, "' is not a duration such as 30s, 30m, 30h, 30d, 1w or 1mo"));
  }
  return n * it->second;
}

}  // namespace llmgw::keymgr
