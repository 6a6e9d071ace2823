#include "services/router/cache/memory_cache.h"

namespace llmgw::router {

MemoryCache::MemoryCache(int64_t max_bytes, const Clock& clock)
    : max_bytes_(max_bytes), clock_(clock) {}

void MemoryCache::EraseLocked(List::iterator it) {
  bytes_ -= it->Size();
  index_.erase(std::string_view(it->key));
  lru_.erase(it);
}

void MemoryCache::MakeRoomLocked(int64_t need) {
  auto now = clock_.SteadyNow();
  while (bytes_ + need > max_bytes_ && !lru_.empty()) {
    auto cold = std::prev(lru_.end());
    if (cold->expires > now) ++evictions_;  // dropping an expired entry is no eviction
    EraseLocked(cold);
  }
}

std::optional<std::string> MemoryCache::Get(const std::string& key,
                                            std::optional<std::chrono::milliseconds> max_age) {
  std::lock_guard lock(mu_);
  auto found = index_.find(std::string_view(key));
  if (found == index_.end()) {
    ++misses_;
    return std::nullopt;
  }
  auto it = found->second;
  auto now = clock_.SteadyNow();
  if (it->expires <= now) {
    EraseLocked(it);
    ++misses_;
    return std::nullopt;
  }
  if (max_age && now - it->stored > *max_age) {
    ++misses_;  // too old for this request; it stays for others
    return std::nullopt;
  }
  lru_.splice(lru_.begin(), lru_, it);
  ++hits_;
  return it->value;
}

bool MemoryCache::Put(const std::string& key, std::string value, std::chrono::milliseconds ttl) {
  int64_t size = int64_t(key.size() + value.size()) + kEntryOverhead;
  if (ttl.count() <= 0 || size > max_bytes_ / 4) return false;
  std::lock_guard lock(mu_);
  if (auto found = index_.find(std::string_view(key)); found != index_.end()) {
    EraseLocked(found->second);
  }
  MakeRoomLocked(size);
  auto now = clock_.SteadyNow();
  lru_.push_front(Entry{key, std::move(value), now, now + ttl});
  index_.emplace(std::string_view(lru_.front().key), lru_.begin());
  bytes_ += size;
  return true;
}

int64_t MemoryCache::Delete(const std::vector<std::string>& keys) {
  std::lock_guard lock(mu_);
  int64_t n = 0;
  for (const auto& k : keys) {
    if (auto found = index_.find(std::string_view(k)); found != index_.end()) {
      EraseLocked(found->second);
      ++n;
    }
  }
  return n;
}

int64_t MemoryCache::Clear() {
  std::lock_guard lock(mu_);
  auto n = static_cast<int64_t>(lru_.size());
  index_.clear();
  lru_.clear();
  bytes_ = 0;
  return n;
}

CacheStats MemoryCache::Stats() const {
  std::lock_guard lock(mu_);
  return {.entries = static_cast<int64_t>(lru_.size()), .bytes = bytes_, .max_bytes = max_bytes_,
          .hits = hits_, .misses = misses_, .evictions = evictions_};
}

}  // namespace llmgw::router
