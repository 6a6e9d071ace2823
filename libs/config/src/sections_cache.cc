// litellm_settings.cache_params: the response cache's settings.
#include <set>

#include "reader.h"

namespace llmgw::config::internal {
namespace {

#define LLMGW_KNOWN(name) {name, "", "", "", "", nullptr}

void ParseType(const YAML::Node& v, const std::string& p, Context& c, CacheSettings& o) {
  auto s = ReadString(v, p, c);
  if (!s) return;
  static const std::set<std::string> kLater = {"redis",  "redis-semantic", "qdrant-semantic",
                                               "s3",     "gcs",            "disk",
                                               "azure-blob"};
  if (*s == "local") {
    o.type = *s;
  } else if (kLater.count(*s)) {
    c.Warn(p, "cache type '" + *s + "' is not implemented by llmgw yet; each router keeps "
              "its own in-memory cache instead");
  } else {
    c.Error(v, p, "expected local, redis, redis-semantic, qdrant-semantic, s3, gcs or disk");
  }
}

void ParseCallTypes(const YAML::Node& v, const std::string& p, Context& c, CacheSettings& o) {
  auto list = ReadStringList(v, p, c);
  if (!list) return;
  o.chat = o.embeddings = o.text_completion = false;
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string& t = (*list)[i];
    if (t == "completion" || t == "acompletion") {
      o.chat = true;
    } else if (t == "embedding" || t == "aembedding") {
      o.embeddings = true;
    } else if (t == "text_completion" || t == "atext_completion") {
      o.text_completion = true;
    } else if (t == "transcription" || t == "atranscription") {
      c.Warn(p + "[" + std::to_string(i) + "]", "llmgw has no transcription route; ignored");
    } else {
      c.Error(v[i], p + "[" + std::to_string(i) + "]",
              "expected acompletion, atext_completion, aembedding or atranscription");
    }
  }
}

const Field<CacheSettings> kCacheParams[] = {
    {"type", "string", "local", "local (redis, s3, ... are accepted with a warning)",
     "Where answers are kept. local: an in-memory LRU in the router.", ParseType},
    {"ttl", "seconds", "600", "> 0",
     "How long an answer is served from the cache; a request's cache.ttl wins.",
     [](const YAML::Node& v, const std::string& p, Context& c, CacheSettings& o) {
       if (auto x = ReadSeconds(v, p, c)) o.ttl = *x;
     }},
    {"default_in_memory_ttl", "seconds", "cache_params.ttl", "> 0",
     "The in-memory cache's ttl, when it should differ from cache_params.ttl.",
     [](const YAML::Node& v, const std::string& p, Context& c, CacheSettings& o) {
       if (auto x = ReadSeconds(v, p, c)) o.default_in_memory_ttl = *x;
     }},
    {"namespace", "string", "\"\"", "",
     "Prefix of every cache key; a request's cache.namespace wins. Entries of one tenant are "
     "never served to another whatever the namespace.",
     [](const YAML::Node& v, const std::string& p, Context& c, CacheSettings& o) {
       if (auto s = ReadString(v, p, c)) o.cache_namespace = *s;
     }},
    {"mode", "string", "default_on", "default_on, default_off",
     "default_off: only requests with cache: {use-cache: true} use the cache.",
     [](const YAML::Node& v, const std::string& p, Context& c, CacheSettings& o) {
       auto s = ReadString(v, p, c);
       if (!s) return;
       if (*s == "default_on" || *s == "default_off") {
         o.default_on = *s == "default_on";
       } else {
         c.Error(v, p, "expected default_on or default_off");
       }
     }},
    {"supported_call_types", "list of strings", "[acompletion, atext_completion, aembedding]",
     "acompletion, atext_completion, aembedding (with or without the a)",
     "Which routes are cached: chat completions (and /v1/messages), text completions, embeddings.",
     ParseCallTypes},
    {"max_size_mb", "integer", "64", "1..65536",
     "llmgw: the in-memory cache's size; least recently used answers go first.",
     [](const YAML::Node& v, const std::string& p, Context& c, CacheSettings& o) {
       if (auto x = ReadInt(v, p, c, 1, 65536)) o.max_bytes = *x << 20;
     }},
    LLMGW_KNOWN("default_in_redis_ttl"), LLMGW_KNOWN("host"), LLMGW_KNOWN("port"),
    LLMGW_KNOWN("password"), LLMGW_KNOWN("url"), LLMGW_KNOWN("ssl"),
    LLMGW_KNOWN("max_connections"), LLMGW_KNOWN("redis_startup_nodes"),
    LLMGW_KNOWN("service_name"), LLMGW_KNOWN("sentinel_nodes"),
    LLMGW_KNOWN("similarity_threshold"), LLMGW_KNOWN("redis_semantic_cache_embedding_model"),
    LLMGW_KNOWN("qdrant_api_base"), LLMGW_KNOWN("qdrant_collection_name"),
    LLMGW_KNOWN("qdrant_quantization_config"),
    LLMGW_KNOWN("qdrant_semantic_cache_embedding_model"), LLMGW_KNOWN("s3_bucket_name"),
    LLMGW_KNOWN("s3_region_name"), LLMGW_KNOWN("gcs_bucket_name"), LLMGW_KNOWN("disk_cache_dir"),
};

#undef LLMGW_KNOWN

}  // namespace

void ParseCacheParams(const YAML::Node& node, const std::string& path, Context& ctx,
                      CacheSettings& out) {
  ParseMapping<CacheSettings>(node, path, kCacheParams, ctx, out);
}

void DocumentCacheParams(std::vector<DocumentedField>& out) {
  Document<CacheSettings>("litellm_settings.cache_params", kCacheParams, out);
}

}  // namespace llmgw::config::internal
