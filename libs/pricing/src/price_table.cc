#include "llmgw/pricing/price_table.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>

#include "libs/pricing/src/builtin_prices.h"

namespace llmgw::pricing {
namespace {

std::map<std::string, Price> LoadBuiltin() {
  std::map<std::string, Price> out;
  boost::json::value v = boost::json::parse(internal::kBuiltinPricesJson);
  for (const auto& [name, entry] : v.as_object()) {
    if (!entry.is_object()) continue;  // "_comment"
    const auto& o = entry.as_object();
    auto price = [&](const char* field) -> PicoUsdPerToken {
      auto it = o.find(field);
      if (it == o.end()) return -1;
      return PricePerTokenFromUsd(it->value().to_number<double>()).value_or(0);
    };
    Price p;
    p.input = std::max<PicoUsdPerToken>(0, price("input_cost_per_token"));
    p.output = std::max<PicoUsdPerToken>(0, price("output_cost_per_token"));
    PicoUsdPerToken cached = price("cache_read_input_token_cost");
    p.cached_input = cached < 0 ? p.input : cached;
    if (auto it = o.find("max_output_tokens"); it != o.end()) p.max_output_tokens = it->value().to_number<int64_t>();
    if (auto it = o.find("reasons_by_default"); it != o.end() && it->value().is_bool()) {
      p.reasons_by_default = it->value().get_bool();
    }
    p.known = true;
    out[std::string(name)] = p;
  }
  return out;
}

const std::map<std::string, Price>& Builtin() {
  static const auto* table = new std::map<std::string, Price>(LoadBuiltin());
  return *table;
}

// "gpt-4o-2024-08-06" -> "gpt-4o", "claude-sonnet-4-5-20250929" -> "claude-sonnet-4-5",
// "gemini-2.5-flash-001" -> "gemini-2.5-flash", "claude-3-5-sonnet-latest" -> "claude-3-5-sonnet".
std::string WithoutVersionSuffix(std::string name) {
  auto is_digits = [](const std::string& s, size_t pos, size_t n) {
    return pos + n <= s.size() && std::all_of(s.begin() + pos, s.begin() + pos + n, ::isdigit);
  };
  // -YYYY-MM-DD (OpenAI's snapshots)
  if (name.size() > 11) {
    size_t p = name.size() - 11;
    if (name[p] == '-' && is_digits(name, p + 1, 4) && name[p + 5] == '-' && is_digits(name, p + 6, 2) &&
        name[p + 8] == '-' && is_digits(name, p + 9, 2)) {
      name.resize(p);
    }
  }
  for (;;) {
    auto dash = name.rfind('-');
    if (dash == std::string::npos) return name;
    std::string tail = name.substr(dash + 1);
    bool digits = !tail.empty() && std::all_of(tail.begin(), tail.end(), ::isdigit);
    bool version = (digits && (tail.size() >= 3)) || tail == "latest" || tail == "preview";
    if (!version) return name;
    name.resize(dash);
  }
}

}  // namespace

std::optional<Price> BuiltinPrice(const std::string& upstream_model) {
  const auto& table = Builtin();
  if (auto it = table.find(upstream_model); it != table.end()) return it->second;
  if (auto it = table.find(WithoutVersionSuffix(upstream_model)); it != table.end()) return it->second;
  return std::nullopt;
}

MicroUsd CostOf(const Price& price, const common::v1::Usage& usage) {
  int64_t cached = std::clamp<int64_t>(usage.cached_tokens(), 0, usage.prompt_tokens());
  return CostMicros(usage.prompt_tokens() - cached, price.input) + CostMicros(cached, price.cached_input) +
         CostMicros(usage.completion_tokens(), price.output);
}

PriceTable::PriceTable(const config::Config& config) {
  for (const auto& d : config.model_list) {
    Price p;
    std::string base = d.info.base_model.empty() ? d.params.upstream_model : d.info.base_model;
    if (auto slash = base.find('/'); slash != std::string::npos) base = base.substr(slash + 1);
    if (auto b = BuiltinPrice(base)) p = *b;
    auto in = d.params.input_cost_per_token ? d.params.input_cost_per_token : d.info.input_cost_per_token;
    auto out = d.params.output_cost_per_token ? d.params.output_cost_per_token : d.info.output_cost_per_token;
    if (in) {
      // A configured input price without a cached price: no discount assumed.
      if (!p.known || p.cached_input > *in) p.cached_input = *in;
      p.input = *in;
    }
    if (out) p.output = *out;
    if (in || out) p.known = true;
    if (d.info.max_output_tokens) p.max_output_tokens = *d.info.max_output_tokens;
    else if (d.info.max_tokens) p.max_output_tokens = *d.info.max_tokens;
    if (d.info.supports_reasoning) p.reasons_by_default = *d.info.supports_reasoning;
    if (!p.known) unpriced_.push_back(d.id);
    by_deployment_[d.id] = p;
    Price& g = by_group_[d.model_name];
    g.input = std::max(g.input, p.input);
    g.output = std::max(g.output, p.output);
    g.cached_input = std::max(g.cached_input, p.cached_input);
    g.max_output_tokens = std::max(g.max_output_tokens, p.max_output_tokens);
    g.known = g.known || p.known;
  }
  // A request may end on any fallback of its group (router_settings' lists), so what it
  // reserves must cover the dearest of them too.
  const auto& f = config.router_settings.fallbacks;
  std::map<std::string, Price> own = by_group_;
  auto merge = [](Price& into, const Price& p) {
    into.input = std::max(into.input, p.input);
    into.output = std::max(into.output, p.output);
    into.cached_input = std::max(into.cached_input, p.cached_input);
    into.max_output_tokens = std::max(into.max_output_tokens, p.max_output_tokens);
    into.known = into.known || p.known;
  };
  auto price_of = [&](const std::string& name) -> const Price* {
    if (auto it = own.find(name); it != own.end()) return &it->second;
    if (auto it = by_deployment_.find(name); it != by_deployment_.end()) return &it->second;
    return nullptr;
  };
  for (auto& [group, worst] : by_group_) {
    bool has_entry = false;
    for (const auto* rules : {&f.general, &f.context_window, &f.content_policy}) {
      for (const auto& r : *rules) {
        if (r.from != group && r.from != "*") continue;
        if (rules == &f.general && r.from == group) has_entry = true;
        for (const auto& to : r.to) {
          if (const Price* p = price_of(to)) merge(worst, *p);
        }
      }
    }
    if (!has_entry) {
      for (const auto& to : f.default_fallbacks) {
        if (const Price* p = price_of(to)) merge(worst, *p);
      }
    }
  }
}

const Price& PriceTable::ForDeployment(const std::string& deployment_id) const {
  static const Price kFree;
  auto it = by_deployment_.find(deployment_id);
  return it == by_deployment_.end() ? kFree : it->second;
}

const Price& PriceTable::WorstForGroup(const std::string& model_group) const {
  static const Price kFree;
  auto it = by_group_.find(model_group);
  return it == by_group_.end() ? kFree : it->second;
}

std::vector<std::string> PriceTable::Unpriced() const { return unpriced_; }

}  // namespace llmgw::pricing
