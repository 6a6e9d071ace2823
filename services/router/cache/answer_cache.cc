#include "services/router/cache/answer_cache.h"

#include <algorithm>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "boost/json.hpp"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/time_util.h"
#include "llmgw/common/crypto.h"
#include "services/router/cache/memory_cache.h"

namespace llmgw::router {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;

void WriteCanonical(const json::value& v, std::string& out) {
  if (v.is_object()) {
    std::vector<std::pair<std::string_view, const json::value*>> fields;
    for (const auto& kv : v.get_object()) {
      fields.emplace_back(std::string_view(kv.key().data(), kv.key().size()), &kv.value());
    }
    std::sort(fields.begin(), fields.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    out += '{';
    for (size_t i = 0; i < fields.size(); ++i) {
      if (i > 0) out += ',';
      out += json::serialize(json::string_view(fields[i].first.data(), fields[i].first.size()));
      out += ':';
      WriteCanonical(*fields[i].second, out);
    }
    out += '}';
  } else if (v.is_array()) {
    out += '[';
    const auto& a = v.get_array();
    for (size_t i = 0; i < a.size(); ++i) {
      if (i > 0) out += ',';
      WriteCanonical(a[i], out);
    }
    out += ']';
  } else {
    out += json::serialize(v);
  }
}

// Request fields that steer the gateway or the router and do not change the answer.
const std::set<std::string, std::less<>>& SteeringFields() {
  static const std::set<std::string, std::less<>> f = {
      "metadata",    "tags",       "cache",     "caching", "fallbacks", "num_retries",
      "guardrails", "context_window_fallback_dict", "mock_testing_fallbacks",
      "mock_testing_rate_limit_error"};
  return f;
}

std::string CanonicalExtra(std::string_view text) {
  json::error_code ec;
  json::value v = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec || !v.is_object()) return std::string(text);
  for (const auto& name : SteeringFields()) v.get_object().erase(name);
  std::string out;
  WriteCanonical(v, out);
  return out;
}

std::string Deterministic(const google::protobuf::Message& m) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    m.SerializeToCodedStream(&coded);
  }
  return out;
}

std::optional<std::string> Tenant(const common::v1::Principal& p) {
  if (!p.team_id().empty()) return "team:" + p.team_id();
  if (!p.key_hash().empty()) return "key:" + p.key_hash();
  return std::nullopt;
}

}  // namespace

std::string CanonicalJson(std::string_view text) {
  json::error_code ec;
  json::value v = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec) return std::string(text);
  std::string out;
  WriteCanonical(v, out);
  return out;
}

AnswerCache::AnswerCache(config::CacheSettings settings, std::unique_ptr<ResponseCache> store)
    : settings_(std::move(settings)), store_(std::move(store)) {}

std::unique_ptr<AnswerCache> AnswerCache::FromConfig(const config::Config& config, const Clock& clock) {
  const config::CacheSettings& s = config.litellm_settings.cache;
  if (!s.enabled) return nullptr;
  return std::make_unique<AnswerCache>(s, std::make_unique<MemoryCache>(s.max_bytes, clock));
}

std::optional<CachePlan> AnswerCache::Plan(const common::v1::CacheControl& control,
                                           const common::v1::Principal& principal,
                                           std::string_view kind, const std::string& group,
                                           const std::string& body) const {
  auto tenant = Tenant(principal);
  if (!tenant) return std::nullopt;
  if (!settings_.default_on && !control.use_cache()) return std::nullopt;
  CachePlan plan;
  plan.lookup = !control.no_cache();
  plan.ttl = control.has_ttl_seconds() ? milliseconds(control.ttl_seconds() * 1000)
                                       : settings_.LocalTtl();
  plan.store = !control.no_store() && plan.ttl.count() > 0;
  if (!plan.lookup && !plan.store) return std::nullopt;
  if (control.has_s_maxage_seconds()) plan.max_age = milliseconds(control.s_maxage_seconds() * 1000);
  const std::string& ns =
      control.cache_namespace().empty() ? settings_.cache_namespace : control.cache_namespace();
  // Length-prefixed parts: no choice of ids or names can make two keys collide.
  std::string material = "llmgw-cache-v1";
  for (std::string_view part : {kind, std::string_view(*tenant), std::string_view(ns),
                                std::string_view(group), std::string_view(body)}) {
    absl::StrAppend(&material, "|", part.size(), ":");
    material.append(part);
  }
  plan.key = Sha256Hex(material);
  return plan;
}

std::optional<CachePlan> AnswerCache::PlanChat(const common::v1::ChatCompletionRequest& request,
                                               const common::v1::Principal& principal,
                                               const std::string& group) const {
  if (!settings_.chat) return std::nullopt;
  common::v1::ChatCompletionRequest n = request;
  n.clear_cache();
  n.clear_stream_options();  // usage is always asked for; the gateway filters it per client
  n.set_model(group);
  if (!n.extra_json().empty()) n.set_extra_json(CanonicalExtra(n.extra_json()));
  if (!n.response_format_json().empty()) n.set_response_format_json(CanonicalJson(n.response_format_json()));
  for (auto& t : *n.mutable_tools()) {
    auto* f = t.mutable_function();
    if (!f->parameters_json().empty()) f->set_parameters_json(CanonicalJson(f->parameters_json()));
  }
  for (auto& m : *n.mutable_messages()) {
    if (!m.has_parts()) continue;
    for (auto& part : *m.mutable_parts()->mutable_parts()) {
      if (part.has_json()) part.set_json(CanonicalJson(part.json()));
    }
  }
  return Plan(request.cache(), principal, "chat", group, Deterministic(n));
}

std::optional<CachePlan> AnswerCache::PlanEmbeddings(const common::v1::EmbeddingsRequest& request,
                                                     const common::v1::Principal& principal,
                                                     const std::string& group) const {
  if (!settings_.embeddings) return std::nullopt;
  common::v1::EmbeddingsRequest n = request;
  n.clear_cache();
  n.clear_encoding_format();  // the gateway encodes; the router's answer is the same
  n.set_model(group);
  return Plan(request.cache(), principal, "embeddings", group, Deterministic(n));
}

std::optional<v1::CachedAnswer> AnswerCache::Lookup(const CachePlan& plan) {
  if (!plan.lookup) return std::nullopt;
  auto bytes = store_->Get(plan.key, plan.max_age);
  if (!bytes) return std::nullopt;
  v1::CachedAnswer answer;
  if (!answer.ParseFromString(*bytes)) return std::nullopt;
  v1::DispatchInfo& d = *answer.mutable_dispatch();
  d.set_cache_hit(true);
  d.set_cache_key(plan.key);
  d.mutable_cost()->set_micros(0);
  d.set_attempts(0);
  d.set_retries(0);
  d.set_fallbacks(0);
  d.clear_upstream_latency();
  d.clear_time_to_first_chunk();
  return answer;
}

void AnswerCache::Store(const CachePlan& plan, const v1::CachedAnswer& answer) {
  if (!plan.store) return;
  store_->Put(plan.key, answer.SerializeAsString(), plan.ttl);
}

v1::CachePingResponse AnswerCache::Ping() {
  v1::CachePingResponse out;
  CacheStats s = store_->Stats();  // before the probe, which is not traffic
  out.set_enabled(true);
  out.set_type(store_->type());
  const std::string probe = "llmgw-cache-ping";
  out.set_set_ok(store_->Put(probe, "ok", milliseconds(10'000)));
  auto got = store_->Get(probe, std::nullopt);
  out.set_get_ok(got.has_value() && *got == "ok");
  store_->Delete({probe});
  out.set_entries(s.entries);
  out.set_bytes(s.bytes);
  out.set_max_bytes(s.max_bytes);
  out.set_hits(s.hits);
  out.set_misses(s.misses);
  out.set_evictions(s.evictions);
  *out.mutable_ttl() = google::protobuf::util::TimeUtil::MillisecondsToDuration(settings_.LocalTtl().count());
  out.set_cache_namespace(settings_.cache_namespace);
  out.set_mode(settings_.default_on ? "default_on" : "default_off");
  return out;
}

int64_t AnswerCache::Delete(const v1::DeleteCacheRequest& request) {
  if (request.all()) return store_->Clear();
  return store_->Delete({request.keys().begin(), request.keys().end()});
}

}  // namespace llmgw::router
