#include "llmgw/common/ids.h"

#include <openssl/rand.h>

#include <array>
#include <random>

namespace llmgw {
namespace {

// A per-thread generator seeded once from OpenSSL: ids need to be unique, not secret, and
// this keeps RAND_bytes (and its lock) off the hot path.
std::mt19937_64& ThreadRng() {
  thread_local std::mt19937_64 rng = [] {
    std::array<unsigned char, 8> seed{};
    if (RAND_bytes(seed.data(), seed.size()) != 1) {
      seed = {};  // Fall back below; uniqueness still comes from random_device.
    }
    uint64_t s = 0;
    for (unsigned char b : seed) s = (s << 8) | b;
    std::random_device rd;
    return std::mt19937_64(s ^ (uint64_t{rd()} << 32) ^ rd());
  }();
  return rng;
}

constexpr char kHex[] = "0123456789abcdef";

}  // namespace

std::string RandomHex(size_t n) {
  std::string out;
  out.reserve(n * 2);
  auto& rng = ThreadRng();
  uint64_t word = 0;
  for (size_t i = 0; i < n; ++i) {
    if (i % 8 == 0) word = rng();
    unsigned byte = word & 0xff;
    word >>= 8;
    out.push_back(kHex[byte >> 4]);
    out.push_back(kHex[byte & 0xf]);
  }
  return out;
}

std::string NewRequestId() { return RandomHex(16); }

bool IsValidRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace llmgw
