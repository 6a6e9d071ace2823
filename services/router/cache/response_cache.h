// Where the router keeps answers for reuse: bytes under a key, each with a ttl. The
// in-memory LRU implements it now; a Redis store shared by every router replica will
// implement the same interface. Implementations are thread-safe and never block on I/O
// for long on the request path.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace llmgw::router {

struct CacheStats {
  int64_t entries = 0;
  int64_t bytes = 0;
  int64_t max_bytes = 0;
  int64_t hits = 0;
  int64_t misses = 0;
  int64_t evictions = 0;
};

class ResponseCache {
 public:
  virtual ~ResponseCache() = default;

  // The value stored under `key` if it has not expired and, when `max_age` is set, was
  // stored at most that long ago.
  virtual std::optional<std::string> Get(const std::string& key,
                                         std::optional<std::chrono::milliseconds> max_age) = 0;
  // Stores (or replaces) `value` for `ttl`. False when it was not kept (too large for
  // this cache, or ttl <= 0).
  virtual bool Put(const std::string& key, std::string value, std::chrono::milliseconds ttl) = 0;
  // How many of `keys` were present.
  virtual int64_t Delete(const std::vector<std::string>& keys) = 0;
  // Removes everything; returns how many entries there were.
  virtual int64_t Clear() = 0;
  virtual CacheStats Stats() const = 0;
  // "local", "redis", ...
  virtual std::string type() const = 0;
};

}  // namespace llmgw::router
