// The in-memory ResponseCache: an LRU bounded by bytes (keys, values and bookkeeping),
// with a ttl per entry. Expired entries are dropped when a lookup meets them or when they
// reach the cold end; every operation is O(1).
#pragma once

#include <list>
#include <mutex>
#include <unordered_map>

#include "llmgw/common/clock.h"
#include "services/router/cache/response_cache.h"

namespace llmgw::router {

class MemoryCache final : public ResponseCache {
 public:
  // An entry larger than max_bytes / 4 is not kept: one answer never empties the cache.
  explicit MemoryCache(int64_t max_bytes, const Clock& clock = Clock::Real());

  std::optional<std::string> Get(const std::string& key,
                                 std::optional<std::chrono::milliseconds> max_age) override;
  bool Put(const std::string& key, std::string value, std::chrono::milliseconds ttl) override;
  int64_t Delete(const std::vector<std::string>& keys) override;
  int64_t Clear() override;
  CacheStats Stats() const override;
  std::string type() const override { return "local"; }

  // What an entry is charged besides its key and value.
  static constexpr int64_t kEntryOverhead = 96;

 private:
  struct Entry {
    std::string key;
    std::string value;
    std::chrono::steady_clock::time_point stored;
    std::chrono::steady_clock::time_point expires;
    int64_t Size() const { return int64_t(key.size() + value.size()) + kEntryOverhead; }
  };
  using List = std::list<Entry>;  // most recently used first

  void EraseLocked(List::iterator it);
  // Frees room for `need` bytes from the cold end.
  void MakeRoomLocked(int64_t need);

  const int64_t max_bytes_;
  const Clock& clock_;
  mutable std::mutex mu_;
  List lru_;                                                // guarded by mu_
  std::unordered_map<std::string_view, List::iterator> index_;  // keys point into lru_
  int64_t bytes_ = 0;
  int64_t hits_ = 0, misses_ = 0, evictions_ = 0;
};

}  // namespace llmgw::router
