// The response cache through the whole suite: hits over HTTP with x-litellm-cache-key and
// zero spend in the ledger, tenants kept apart, streams replayed as SSE, and /cache/*.
#include <boost/json.hpp>

#include "gmock/gmock.h"
#include "llmgw/testing/wait.h"
#include "suite_fixture.h"

namespace llmgw::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

constexpr char kModels[] = R"(
  - model_name: gpt
    litellm_params: {model: openai/gpt-fake, api_base: "$FAKE", input_cost_per_token: 0.000001}
)";

constexpr char kChat[] = R"({"model":"gpt","messages":[{"role":"user","content":"Cache me"}]})";

class CacheTest : public SuiteTest {
 protected:
  void SetUp() override {
    StartSuite(kModels, "", "", "", "litellm_settings: {cache: true, cache_params: {ttl: 300}}\n");
  }
  int64_t ProviderCalls() { return fake_->stats().chat_requests; }
  static std::string CacheKey(const HttpResult& r) {
    return std::string(http::FindHeader(r.headers, "x-litellm-cache-key"));
  }
};

TEST_F(CacheTest, SecondRequestIsServedFromTheCacheAtZeroSpend) {
  std::string key = NewKey();
  auto miss = Post("/v1/chat/completions", kChat, key);
  ASSERT_EQ(miss.status, 200) << miss.body;
  EXPECT_EQ(CacheKey(miss), "");
  auto hit = Post("/v1/chat/completions", kChat, key);
  ASSERT_EQ(hit.status, 200) << hit.body;
  EXPECT_EQ(ProviderCalls(), 1);
  EXPECT_THAT(CacheKey(hit), MatchesRegex("[0-9a-f]{64}"));
  EXPECT_EQ(http::FindHeader(hit.headers, "x-litellm-response-cost"), "0.000000");
  auto a = ParseJson(miss.body).as_object(), b = ParseJson(hit.body).as_object();
  EXPECT_EQ(a.at("choices"), b.at("choices"));
  EXPECT_EQ(a.at("usage"), b.at("usage"));

  // The ledger has both: the hit marked as one, at zero spend.
  std::string id(http::FindHeader(hit.headers, "x-request-id"));
  boost::json::value row;
  EXPECT_TRUE(WaitFor([&] {
    auto logs = ParseJson(Get("/spend/logs?request_id=" + id).body);
    if (!logs.is_array() || logs.as_array().empty()) return false;
    row = logs.as_array()[0];
    return true;
  }, std::chrono::seconds(5)));
  ASSERT_TRUE(row.is_object()) << row;
  EXPECT_EQ(row.as_object().at("cache_hit"), true) << row;
  EXPECT_EQ(boost::json::serialize(row.as_object().at("spend")), "0") << row;
}

TEST_F(CacheTest, TenantsNeverShareEntries) {
  ASSERT_EQ(Post("/team/new", R"({"team_id":"alpha"})").status, 200);
  ASSERT_EQ(Post("/team/new", R"({"team_id":"beta"})").status, 200);
  std::string a1 = NewKey(R"({"team_id":"alpha"})"), a2 = NewKey(R"({"team_id":"alpha"})");
  std::string b1 = NewKey(R"({"team_id":"beta"})");
  std::string solo1 = NewKey(), solo2 = NewKey();
  ASSERT_EQ(Post("/v1/chat/completions", kChat, a1).status, 200);
  EXPECT_EQ(CacheKey(Post("/v1/chat/completions", kChat, b1)), "");    // another team
  EXPECT_NE(CacheKey(Post("/v1/chat/completions", kChat, a2)), "");    // same team
  EXPECT_EQ(CacheKey(Post("/v1/chat/completions", kChat, solo1)), "");  // no team: per key
  EXPECT_EQ(CacheKey(Post("/v1/chat/completions", kChat, solo2)), "");
  EXPECT_EQ(ProviderCalls(), 4);
}

TEST_F(CacheTest, RequestControlsAndBadControls) {
  std::string key = NewKey();
  auto with = [](const char* cache) {
    return std::string(R"({"model":"gpt","messages":[{"role":"user","content":"Cache me"}],"cache":)") + cache + "}";
  };
  ASSERT_EQ(Post("/v1/chat/completions", with(R"({"no-store":true})"), key).status, 200);
  EXPECT_EQ(CacheKey(Post("/v1/chat/completions", kChat, key)), "");
  EXPECT_NE(CacheKey(Post("/v1/chat/completions", kChat, key)), "");
  EXPECT_EQ(CacheKey(Post("/v1/chat/completions", with(R"({"no-cache":true})"), key)), "");
  EXPECT_EQ(ProviderCalls(), 3);
  auto bad = Post("/v1/chat/completions", with(R"({"no-cahce":true})"), key);
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.body, HasSubstr(R"("param":"cache.no-cahce")"));
  EXPECT_EQ(Post("/v1/chat/completions", with(R"({"ttl":"soon"})"), key).status, 400);
  EXPECT_EQ(ProviderCalls(), 3);
}

TEST_F(CacheTest, StreamsAreReplayedAsStreams) {
  std::string key = NewKey();
  const std::string body =
      R"({"model":"gpt","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Cache me"}]})";
  auto first = Post("/v1/chat/completions", body, key);
  auto again = Post("/v1/chat/completions", body, key);
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(ProviderCalls(), 1);
  EXPECT_NE(CacheKey(again), "");
  EXPECT_EQ(http::FindHeader(again.headers, "content-type"), "text/event-stream");
  EXPECT_THAT(again.body, HasSubstr(R"("usage":{"prompt_tokens")"));
  EXPECT_THAT(again.body, HasSubstr("data: [DONE]"));
  // The same events, in the same order.
  auto events = [](const std::string& sse) {
    std::vector<std::string> out;
    for (size_t p = 0; (p = sse.find("data: ", p)) != std::string::npos; p += 6) {
      out.push_back(sse.substr(p, sse.find("\n\n", p) - p));
    }
    return out;
  };
  EXPECT_EQ(events(first.body), events(again.body));
}

TEST_F(CacheTest, PingDeleteAndFlushAll) {
  std::string key = NewKey();
  Post("/v1/chat/completions", kChat, key);
  std::string cache_key = CacheKey(Post("/v1/chat/completions", kChat, key));
  ASSERT_NE(cache_key, "");

  auto ping = Get("/cache/ping", key);
  ASSERT_EQ(ping.status, 200) << ping.body;
  auto p = ParseJson(ping.body).as_object();
  EXPECT_EQ(p.at("status"), "healthy");
  EXPECT_EQ(p.at("cache_type"), "local");
  EXPECT_EQ(p.at("set_cache_response"), "success");
  EXPECT_EQ(p.at("entries"), 1);
  EXPECT_EQ(p.at("hits"), 1);
  EXPECT_EQ(p.at("litellm_cache_params").as_object().at("ttl"), 300);

  EXPECT_EQ(Post("/cache/delete", R"({"keys":[")" + cache_key + R"("]})", key).status, 403);
  EXPECT_EQ(Post("/cache/delete", R"({"keys":"x"})").status, 400);
  auto del = Post("/cache/delete", R"({"keys":[")" + cache_key + R"("]})");
  ASSERT_EQ(del.status, 200) << del.body;
  EXPECT_THAT(del.body, HasSubstr(R"("deleted":1)"));
  EXPECT_EQ(CacheKey(Post("/v1/chat/completions", kChat, key)), "");
  auto flush = Post("/cache/flushall", "");
  ASSERT_EQ(flush.status, 200) << flush.body;
  EXPECT_THAT(flush.body, HasSubstr(R"("deleted":1)"));
  EXPECT_EQ(Get("/cache/flushall").status, 405);
}

class CacheOffTest : public SuiteTest {
 protected:
  void SetUp() override { StartSuite(kModels); }
};

TEST_F(CacheOffTest, NothingIsCachedAndPingSaysSo) {
  Post("/v1/chat/completions", kChat);
  auto second = Post("/v1/chat/completions", kChat);
  EXPECT_EQ(http::FindHeader(second.headers, "x-litellm-cache-key"), "");
  EXPECT_EQ(fake_->stats().chat_requests, 2);
  auto ping = Get("/cache/ping");
  EXPECT_EQ(ping.status, 503);
  EXPECT_THAT(ping.body, HasSubstr(R"("type":"cache_ping_error")"));
}

}  // namespace
}  // namespace llmgw::testing
