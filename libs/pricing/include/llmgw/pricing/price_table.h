// What a call costs: per-token prices (input, output, cached input) for every deployment,
// from config.yaml's overrides (litellm_params, then model_info), else the built-in table
// (data/model_prices.json, compiled in), matched on the upstream model name with any
// date suffix ("gpt-4o-2024-08-06" -> "gpt-4o"). Integer pico-dollars per token;
// costs in micro-dollars, rounded up.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "llmgw/common/money.h"
#include "llmgw/common/v1/common.pb.h"
#include "llmgw/config/config.h"

namespace llmgw::pricing {

struct Price {
  PicoUsdPerToken input = 0;
  PicoUsdPerToken output = 0;
  PicoUsdPerToken cached_input = 0;  // = input when the provider gives no discount
  int64_t max_output_tokens = 0;     // 0: unknown
  bool known = false;                // false: no price anywhere, the call is free to llmgw
  // The model thinks before every answer (o-series, Gemini 2.5): model_info.supports_reasoning,
  // else the built-in table's reasons_by_default.
  bool reasons_by_default = false;
};

// The built-in entry for an upstream model name, if any.
std::optional<Price> BuiltinPrice(const std::string& upstream_model);

// Cost of `usage` at `price`: uncached prompt tokens at the input price, cached ones at the
// cached price, completion tokens at the output price.
MicroUsd CostOf(const Price& price, const common::v1::Usage& usage);

class PriceTable {
 public:
  explicit PriceTable(const config::Config& config);

  // The price of one deployment (by its effective id).
  const Price& ForDeployment(const std::string& deployment_id) const;
  // The worst case over a model group's deployments and those of every fallback it may end
  // on (the highest of each price and of max_output_tokens): what a reservation must assume
  // before the router picks one.
  const Price& WorstForGroup(const std::string& model_group) const;
  // Deployments with no price anywhere (cost 0), for a start-up warning.
  std::vector<std::string> Unpriced() const;

 private:
  std::map<std::string, Price> by_deployment_;
  std::map<std::string, Price> by_group_;
  std::vector<std::string> unpriced_;
};

}  // namespace llmgw::pricing
