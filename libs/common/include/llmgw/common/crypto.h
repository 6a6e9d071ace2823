// Hashing and comparison for secrets (virtual keys, the master key).
#pragma once

#include <string>
#include <string_view>

namespace llmgw {

// SHA-256 of `data` as 64 lowercase hex characters.
std::string Sha256Hex(std::string_view data);

// Compares two strings in time that depends only on their lengths, never on where they
// differ. Use on digests of equal length.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// "sk-...abcd": the display hint of a key, safe to log and return.
std::string KeyDisplayName(std::string_view key);

}  // namespace llmgw
