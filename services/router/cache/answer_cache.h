// The router's response cache policy over a ResponseCache: which requests may be answered
// from it, under which key, for how long, and what a stored answer looks like.
//
// A key covers the kind of call, the tenant (team, else key: tenants never share
// entries), the namespace, the model group and the normalised request (JSON objects with
// sorted keys; steering fields such as metadata, cache and fallbacks left out; stream
// kept, so a stream is replayed as a stream). Requests without a principal are never
// cached.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "llmgw/common/clock.h"
#include "llmgw/config/config.h"
#include "llmgw/router/v1/router.pb.h"
#include "services/router/cache/response_cache.h"

namespace llmgw::router {

struct CachePlan {
  std::string key;  // 64 hex characters
  bool lookup = true;
  bool store = true;
  std::chrono::milliseconds ttl{0};
  std::optional<std::chrono::milliseconds> max_age;  // s-maxage
};

class AnswerCache {
 public:
  AnswerCache(config::CacheSettings settings, std::unique_ptr<ResponseCache> store);
  // Null when litellm_settings.cache is off.
  static std::unique_ptr<AnswerCache> FromConfig(const config::Config& config, const Clock& clock);

  // Nullopt when this request neither reads nor writes the cache.
  std::optional<CachePlan> PlanChat(const common::v1::ChatCompletionRequest& request,
                                    const common::v1::Principal& principal,
                                    const std::string& model_group) const;
  std::optional<CachePlan> PlanEmbeddings(const common::v1::EmbeddingsRequest& request,
                                          const common::v1::Principal& principal,
                                          const std::string& model_group) const;

  // A stored answer, marked as a hit: zero cost, cache_key set, no attempts.
  std::optional<v1::CachedAnswer> Lookup(const CachePlan& plan);
  void Store(const CachePlan& plan, const v1::CachedAnswer& answer);

  // Writes and reads a probe entry, then reports the cache's state.
  v1::CachePingResponse Ping();
  int64_t Delete(const v1::DeleteCacheRequest& request);

 private:
  std::optional<CachePlan> Plan(const common::v1::CacheControl& control,
                                const common::v1::Principal& principal, std::string_view kind,
                                const std::string& model_group, const std::string& body) const;

  const config::CacheSettings settings_;
  std::unique_ptr<ResponseCache> store_;
};

// The canonical text of a JSON document: objects with sorted keys, no whitespace. Text
// that is not JSON comes back unchanged.
std::string CanonicalJson(std::string_view text);

}  // namespace llmgw::router
