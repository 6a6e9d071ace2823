// Request ids: accepted from the client when they are sane, generated otherwise.
#pragma once

#include <string>
#include <string_view>

namespace llmgw {

// 32 lowercase hex characters from a CSPRNG-seeded generator.
std::string NewRequestId();

// True for 1..128 characters of [A-Za-z0-9._:-]: safe to log, echo and use as a key.
bool IsValidRequestId(std::string_view id);

// `n` random bytes as lowercase hex (n*2 characters).
std::string RandomHex(size_t n);

}  // namespace llmgw
