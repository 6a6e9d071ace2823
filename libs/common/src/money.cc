#include "llmgw/common/money.h"

#include <cmath>

namespace llmgw {

std::optional<PicoUsdPerToken> PricePerTokenFromUsd(double usd_per_token) {
  if (!std::isfinite(usd_per_token) || usd_per_token < 0 || usd_per_token > 1.0) {
    return std::nullopt;
  }
  return static_cast<PicoUsdPerToken>(std::llround(usd_per_token * 1e12));
}

std::optional<MicroUsd> MicroUsdFromUsd(double usd) {
  if (!std::isfinite(usd) || usd < 0 || usd > 1e12) return std::nullopt;
  return static_cast<MicroUsd>(std::llround(usd * 1e6));
}

MicroUsd CostMicros(int64_t tokens, PicoUsdPerToken price) {
  if (tokens <= 0 || price <= 0) return 0;
  // Split the price so tokens * price cannot overflow for any realistic token count.
  const int64_t whole = price / 1'000'000;      // micro-dollars per token
  const int64_t fraction = price % 1'000'000;   // pico-dollars below one micro
  return tokens * whole + (tokens * fraction + 999'999) / 1'000'000;
}

}  // namespace llmgw
