// Money as integers. Amounts are micro-dollars (1e-6 USD); per-token prices are
// pico-dollars (1e-12 USD) so that prices like $0.15 per million tokens stay exact.
#pragma once

#include <cstdint>
#include <optional>

namespace llmgw {

using MicroUsd = int64_t;
using PicoUsdPerToken = int64_t;

// Converts a configured USD-per-token price (a YAML float such as 2.5e-06) to pico-dollars,
// rounding to the nearest. Returns nullopt for negative or absurd (> $1 per token) values.
std::optional<PicoUsdPerToken> PricePerTokenFromUsd(double usd_per_token);

// Converts a USD amount (a configured budget such as 12.5) to micro-dollars.
std::optional<MicroUsd> MicroUsdFromUsd(double usd);

// Cost of `tokens` at `price`, in micro-dollars, rounded up so a ledger never under-bills.
MicroUsd CostMicros(int64_t tokens, PicoUsdPerToken price);

}  // namespace llmgw
