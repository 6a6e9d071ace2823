// The response cache through the Router: hits and misses, tenant isolation, the
// per-request controls, ttl expiry on an injected clock, and streams replayed as streams.
#include "services/router/cache/answer_cache.h"

#include <future>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "llmgw/config/loader.h"
#include "llmgw/providers/openai_json.h"
#include "llmgw/providers/openai_provider.h"
#include "services/router/router.h"
#include "services/router/testing/scripted_provider.h"

namespace llmgw::router {
namespace {

using std::chrono::seconds;
using testing::ScriptedProvider;
using ::testing::MatchesRegex;

common::v1::Principal Team(const std::string& team, const std::string& key = "k1") {
  common::v1::Principal p;
  p.set_key_hash("hash-" + key);
  p.set_team_id(team);
  return p;
}

common::v1::Principal Key(const std::string& key) { return Team("", key); }

class AnswerCacheTest : public ::testing::Test {
 protected:
  void Start(const std::string& cache_yaml = "{cache: true}") {
    auto loaded = config::LoadConfigString(
        "general_settings: {master_key: sk-test-master-key-1}\n"
        "litellm_settings: " + cache_yaml + "\n"
        "model_list:\n"
        "  - {model_name: g, litellm_params: {model: openai/a, input_cost_per_token: 0.000001},"
        " model_info: {id: a}}\n",
        "t.yaml", [](const std::string&) { return std::nullopt; });
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    router_ = std::make_unique<Router>(
        loaded->config, ProviderSet{.by_name = {{"openai", &provider_}}, .unsupported = &unsupported_},
        timers_, RouterOptions{.clock = &clock_});
  }
  static v1::RouteChatRequest Request(const common::v1::Principal& p, const std::string& extra = "") {
    v1::RouteChatRequest r;
    auto parsed = providers::ParseChatRequest(
        R"({"model":"g","messages":[{"role":"user","content":"hi"}])" + extra + "}");
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    *r.mutable_request() = *parsed;
    *r.mutable_principal() = p;
    return r;
  }
  v1::RouteChatResponse Route(const common::v1::Principal& p, const std::string& extra = "") {
    std::promise<absl::StatusOr<v1::RouteChatResponse>> done;
    router_->RouteChat(Request(p, extra), {}, [&](auto r) { done.set_value(std::move(r)); });
    auto r = done.get_future().get();
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : v1::RouteChatResponse();
  }
  int Calls() { return provider_.Calls("a"); }

  FakeClock clock_;
  TimerThread timers_;
  ScriptedProvider provider_{timers_};
  providers::UnsupportedProvider unsupported_;
  std::unique_ptr<Router> router_;
};

TEST_F(AnswerCacheTest, SecondIdenticalRequestIsAHitAtZeroCost) {
  Start();
  auto miss = Route(Team("t1"));
  EXPECT_FALSE(miss.dispatch().cache_hit());
  EXPECT_GT(miss.dispatch().cost().micros(), 0);
  auto hit = Route(Team("t1"));
  EXPECT_EQ(Calls(), 1);
  EXPECT_TRUE(hit.dispatch().cache_hit());
  EXPECT_THAT(hit.dispatch().cache_key(), MatchesRegex("[0-9a-f]{64}"));
  EXPECT_EQ(hit.dispatch().cost().micros(), 0);
  EXPECT_TRUE(hit.dispatch().has_cost());
  EXPECT_EQ(hit.dispatch().attempts(), 0);
  EXPECT_EQ(hit.dispatch().deployment_id(), "a");
  EXPECT_EQ(hit.dispatch().usage().total_tokens(), 15);  // what the answer used, for the record
  EXPECT_EQ(hit.completion().choices(0).message().text(), "answer from a");
  auto ping = router_->CachePing();
  EXPECT_TRUE(ping.enabled());
  EXPECT_TRUE(ping.set_ok());
  EXPECT_TRUE(ping.get_ok());
  EXPECT_EQ(ping.entries(), 1);
  EXPECT_EQ(ping.hits(), 1);
  EXPECT_EQ(ping.misses(), 1);
}

TEST_F(AnswerCacheTest, TenantsNeverShareEntries) {
  Start();
  Route(Team("t1", "k1"));
  EXPECT_FALSE(Route(Team("t2", "k1")).dispatch().cache_hit());  // same key, other team
  EXPECT_EQ(Calls(), 2);
  EXPECT_TRUE(Route(Team("t1", "k2")).dispatch().cache_hit());  // the team is the tenant
  EXPECT_FALSE(Route(Key("k3")).dispatch().cache_hit());         // no team: the key is
  EXPECT_FALSE(Route(Key("k4")).dispatch().cache_hit());
  EXPECT_TRUE(Route(Key("k3")).dispatch().cache_hit());
  EXPECT_EQ(Calls(), 4);
  EXPECT_FALSE(Route(common::v1::Principal()).dispatch().cache_hit());  // nobody: never cached
  EXPECT_FALSE(Route(common::v1::Principal()).dispatch().cache_hit());
  EXPECT_EQ(Calls(), 6);
}

TEST_F(AnswerCacheTest, NoStoreAndNoCache) {
  Start();
  Route(Team("t"), R"(,"cache":{"no-store":true})");
  EXPECT_FALSE(Route(Team("t")).dispatch().cache_hit());
  EXPECT_EQ(Calls(), 2);
  EXPECT_TRUE(Route(Team("t")).dispatch().cache_hit());
  EXPECT_FALSE(Route(Team("t"), R"(,"cache":{"no-cache":true})").dispatch().cache_hit());
  EXPECT_EQ(Calls(), 3);
}

TEST_F(AnswerCacheTest, EntriesExpireAfterTheTtlOnTheInjectedClock) {
  Start("{cache: true, cache_params: {ttl: 60}}");
  Route(Team("t"));
  clock_.Advance(seconds(59));
  EXPECT_TRUE(Route(Team("t")).dispatch().cache_hit());
  clock_.Advance(seconds(2));
  EXPECT_FALSE(Route(Team("t")).dispatch().cache_hit());
  EXPECT_EQ(Calls(), 2);
  // A request's own ttl wins, and s-maxage refuses entries older than it asks.
  Route(Team("t2"), R"(,"cache":{"ttl":5})");
  clock_.Advance(seconds(3));
  EXPECT_FALSE(Route(Team("t2"), R"(,"cache":{"s-maxage":2})").dispatch().cache_hit());
  EXPECT_EQ(Calls(), 4);  // that miss stored a fresh answer (ttl 60)
  clock_.Advance(seconds(3));
  EXPECT_TRUE(Route(Team("t2"), R"(,"cache":{"s-maxage":4})").dispatch().cache_hit());
}

TEST_F(AnswerCacheTest, KeyIgnoresSteeringFieldsAndKeyOrderButNotParameters) {
  Start();
  Route(Team("t"), R"(,"logit_bias":{"1":2,"3":4},"metadata":{"tags":["a"]})");
  EXPECT_TRUE(Route(Team("t"), R"(,"logit_bias":{"3":4,"1":2},"metadata":{"x":1})")
                  .dispatch().cache_hit());
  EXPECT_FALSE(Route(Team("t"), R"(,"logit_bias":{"1":2,"3":4},"temperature":0.2)")
                   .dispatch().cache_hit());
  EXPECT_FALSE(Route(Team("t"), R"(,"logit_bias":{"1":2,"3":4},"cache":{"namespace":"n2"})")
                   .dispatch().cache_hit());
  EXPECT_EQ(Calls(), 3);
}

TEST_F(AnswerCacheTest, DefaultOffNeedsUseCache) {
  Start("{cache: true, cache_params: {mode: default_off}}");
  Route(Team("t"));
  EXPECT_FALSE(Route(Team("t")).dispatch().cache_hit());
  Route(Team("t"), R"(,"cache":{"use-cache":true})");
  EXPECT_TRUE(Route(Team("t"), R"(,"cache":{"use-cache":true})").dispatch().cache_hit());
  EXPECT_EQ(Calls(), 3);
}

TEST_F(AnswerCacheTest, FailuresAreNotCachedAndCacheOffCachesNothing) {
  Start();
  provider_.Set("a", {.failures = {testing::Upstream(400)}});
  std::promise<absl::Status> failed;
  router_->RouteChat(Request(Team("t")), {}, [&](auto r) { failed.set_value(r.status()); });
  EXPECT_FALSE(failed.get_future().get().ok());
  EXPECT_FALSE(Route(Team("t")).dispatch().cache_hit());
  EXPECT_EQ(Calls(), 2);

  Start("{cache: false}");
  provider_.ResetCounts();
  Route(Team("t"));
  Route(Team("t"));
  EXPECT_EQ(Calls(), 2);
  EXPECT_FALSE(router_->CachePing().enabled());
  EXPECT_FALSE(router_->DeleteCache({}).ok());
}

struct Streamed {
  std::optional<v1::DispatchInfo> started;
  std::vector<common::v1::ChatCompletionChunk> chunks;
  v1::DispatchInfo done;
};

TEST_F(AnswerCacheTest, StreamsAreReplayedAsStreams) {
  Start();
  auto stream = [&] {
    auto out = std::make_shared<Streamed>();
    std::promise<absl::Status> finished;
    router_->StreamChat(Request(Team("t"), R"(,"stream":true)"), {},
                        {.on_start = [out](v1::DispatchInfo i) { out->started = i; },
                         .on_chunk = [out](auto c) { out->chunks.push_back(c); },
                         .on_done = [&, out](absl::Status s, v1::DispatchInfo i) {
                           out->done = i;
                           finished.set_value(s);
                         }});
    EXPECT_TRUE(finished.get_future().get().ok());
    return out;
  };
  auto first = stream();
  auto again = stream();
  EXPECT_EQ(Calls(), 1);
  ASSERT_EQ(again->chunks.size(), first->chunks.size());
  EXPECT_EQ(again->chunks.size(), 4u);  // three deltas and the usage chunk
  EXPECT_EQ(again->chunks[1].choices(0).delta().text(), "w1");
  ASSERT_TRUE(again->started);
  EXPECT_TRUE(again->started->cache_hit());
  EXPECT_TRUE(again->done.cache_hit());
  EXPECT_EQ(again->done.cost().micros(), 0);
  // A stream's entry is not a non-streaming answer, and the reverse.
  EXPECT_FALSE(Route(Team("t")).dispatch().cache_hit());
  EXPECT_EQ(Calls(), 2);
}

TEST_F(AnswerCacheTest, DeleteAndFlush) {
  Start();
  Route(Team("t"));
  auto hit = Route(Team("t"));
  ASSERT_TRUE(hit.dispatch().cache_hit());
  v1::DeleteCacheRequest del;
  del.add_keys(hit.dispatch().cache_key());
  EXPECT_EQ(router_->DeleteCache(del)->deleted(), 1);
  EXPECT_FALSE(Route(Team("t")).dispatch().cache_hit());
  v1::DeleteCacheRequest all;
  all.set_all(true);
  EXPECT_EQ(router_->DeleteCache(all)->deleted(), 1);
  EXPECT_EQ(router_->CachePing().entries(), 0);
}

TEST(CanonicalJsonTest, SortsKeysAtEveryLevel) {
  EXPECT_EQ(CanonicalJson(R"({"b":1, "a":{"d":[{"z":1,"y":2}],"c":null}})"),
            R"({"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1})");
  EXPECT_EQ(CanonicalJson("not json"), "not json");
}

}  // namespace
}  // namespace llmgw::router
