// The anthropic/ adapter through the whole suite against the fake provider's Messages API:
// OpenAI-shaped answers, streams, tool calls both ways, usage with cached tokens, error
// mapping, drop_params, and a fallback from an Anthropic group to an OpenAI one.
#include "gmock/gmock.h"
#include "suite_fixture.h"

namespace llmgw::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kModels[] = R"(
  - model_name: claude
    litellm_params: {model: anthropic/claude-fake, api_base: "$FAKE", api_key: os.environ/ANTHROPIC_API_KEY}
    model_info: {id: claude-1}
  - model_name: claude-tools
    litellm_params:
      model: anthropic/claude-fake
      api_base: "$FAKE"
      api_key: os.environ/ANTHROPIC_API_KEY
      extra_headers: {x-fake-tool-call: "1"}
  - model_name: claude-lenient
    litellm_params: {model: anthropic/claude-fake, api_base: "$FAKE", api_key: os.environ/K, drop_params: true}
  - model_name: claude-down
    litellm_params:
      model: anthropic/claude-fake
      api_base: "$FAKE"
      api_key: os.environ/K
      extra_headers: {x-fake-status: "529"}
  - model_name: gpt
    litellm_params: {model: openai/gpt-fake, api_base: "$FAKE"}
)";

constexpr char kRouting[] = R"(router_settings:
  num_retries: 0
  fallbacks: [{claude-down: [gpt]}]
)";

class AnthropicTest : public SuiteTest {
 protected:
  void SetUp() override { StartSuite(kModels, "", "", "", kRouting); }
};

TEST_F(AnthropicTest, AnswersInOpenAIShapeWithUsageIncludingCachedTokens) {
  auto r = Post("/v1/chat/completions",
                R"({"model":"claude","messages":[{"role":"system","content":"Be terse."},)"
                R"({"role":"user","content":"Say hello to the whole wide world, please"}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_THAT(r.body, HasSubstr(R"("object":"chat.completion")"));
  EXPECT_THAT(r.body, HasSubstr(R"("content":"Hello from the fake provider.")"));
  EXPECT_THAT(r.body, HasSubstr(R"("finish_reason":"stop")"));
  // The fake reports a third of the prompt as cache reads, outside input_tokens.
  EXPECT_THAT(r.body, HasSubstr(R"("prompt_tokens_details":{"cached_tokens":)"));
  EXPECT_EQ(http::FindHeader(r.headers, "x-litellm-model-id"), "claude-1");
}

TEST_F(AnthropicTest, StreamsTextAndEndsWithUsage) {
  auto r = Post("/v1/chat/completions",
                R"({"model":"claude","stream":true,"stream_options":{"include_usage":true},)"
                R"("messages":[{"role":"user","content":"hi"}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_THAT(r.body, HasSubstr(R"("delta":{"role":"assistant","content":""})"));
  EXPECT_THAT(r.body, HasSubstr(R"("content":" fake")"));
  EXPECT_THAT(r.body, HasSubstr(R"("finish_reason":"stop")"));
  EXPECT_THAT(r.body, HasSubstr(R"("usage":{"prompt_tokens":)"));
  EXPECT_THAT(r.body, HasSubstr("data: [DONE]"));
}

constexpr char kToolTurn[] = R"({"model":"claude-tools",%s"messages":[{"role":"user","content":"Weather in Paris?"}],
  "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]})";

std::string ToolTurn(const std::string& extra) {
  std::string s = kToolTurn;
  s.replace(s.find("%s"), 2, extra);
  return s;
}

TEST_F(AnthropicTest, ToolCallRoundTrip) {
  auto call = Post("/v1/chat/completions", ToolTurn(""));
  ASSERT_EQ(call.status, 200) << call.body;
  EXPECT_THAT(call.body, HasSubstr(R"("finish_reason":"tool_calls")"));
  EXPECT_THAT(call.body, HasSubstr(R"("name":"get_weather","arguments":"{\"city\":\"Paris\"}")"));
  // The result goes back as a tool message; the fake answers in text once it sees it.
  auto answer = Post("/v1/chat/completions", R"({"model":"claude-tools","messages":[
      {"role":"user","content":"Weather in Paris?"},
      {"role":"assistant","content":null,"tool_calls":[{"id":"toolu_fake_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
      {"role":"tool","tool_call_id":"toolu_fake_1","content":"18C"}],
    "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}]})");
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_THAT(answer.body, HasSubstr(R"("finish_reason":"stop")"));
  EXPECT_THAT(answer.body, HasSubstr("Hello from the fake provider."));
}

TEST_F(AnthropicTest, StreamedToolCallArrivesInFragmentsThatJoinUp) {
  auto r = Post("/v1/chat/completions", ToolTurn(R"("stream":true,)"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_THAT(r.body, HasSubstr(R"("tool_calls":[{"index":0,"id":"toolu_fake_1","type":"function","function":{"name":"get_weather"}}])"));
  EXPECT_THAT(r.body, HasSubstr(R"("arguments":"{\"city\":")"));
  EXPECT_THAT(r.body, HasSubstr(R"("arguments":"\"Paris\"}")"));
  EXPECT_THAT(r.body, Not(HasSubstr(R"("function":{}})")));  // the empty first fragment is not relayed
  EXPECT_THAT(r.body, HasSubstr(R"("finish_reason":"tool_calls")"));
}

TEST_F(AnthropicTest, UnsupportedParameterIs400UnlessDropParams) {
  const char* body = R"({"model":"%s","presence_penalty":0.5,"messages":[{"role":"user","content":"x"}]})";
  auto with = [&](const std::string& model) {
    std::string b = body;
    b.replace(b.find("%s"), 2, model);
    return Post("/v1/chat/completions", b);
  };
  auto refused = with("claude");
  EXPECT_EQ(refused.status, 400);
  EXPECT_THAT(refused.body, HasSubstr("presence_penalty: not supported by Anthropic models"));
  EXPECT_THAT(refused.body, HasSubstr(R"("param":"presence_penalty")"));
  EXPECT_EQ(with("claude-lenient").status, 200);
}

TEST_F(AnthropicTest, OverloadedFallsBackAndRateLimitsMapTo429) {
  auto r = Post("/v1/chat/completions", R"({"model":"claude-down","messages":[{"role":"user","content":"x"}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(http::FindHeader(r.headers, "x-litellm-model-group"), "gpt");
  http::ClientRequest limited{.url = Url("/v1/chat/completions"),
                              .body = R"({"model":"claude","messages":[{"role":"user","content":"x"}]})"};
  limited.headers = {{"Authorization", std::string("Bearer ") + kMasterKey},
                     {"Content-Type", "application/json"}};
  // Per-request behaviour through the control endpoint: every claude-fake call gets 429.
  http::ClientRequest behave{.url = FakeUrl("/_fake/behaviour"),
                             .body = R"({"models":{"claude-fake":{"status":429,"retry_after":3}}})"};
  ASSERT_EQ(Call(std::move(behave)).status, 200);
  auto l = Call(std::move(limited));
  EXPECT_EQ(l.status, 429) << l.body;
  EXPECT_THAT(l.body, HasSubstr("upstream_rate_limited"));
  EXPECT_THAT(l.body, Not(HasSubstr("sk-")));
  EXPECT_EQ(http::FindHeader(l.headers, "retry-after"), "3");
}

TEST_F(AnthropicTest, MessagesEndpointAnswersAndRefusesInAnthropicsShapes) {
  http::ClientRequest req{.url = Url("/v1/messages"),
                          .body = R"({"model":"gpt","max_tokens":32,"messages":[{"role":"user","content":"hi"}]})"};
  req.headers = {{"x-api-key", kMasterKey}, {"anthropic-version", "2023-06-01"},
                 {"Content-Type", "application/json"}};
  auto ok = Call(req);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_THAT(ok.body, HasSubstr(R"("type":"message","role":"assistant")"));
  EXPECT_THAT(ok.body, HasSubstr(R"("stop_reason":"end_turn")"));
  EXPECT_EQ(http::FindHeader(ok.headers, "x-litellm-model-group"), "gpt");

  req.body = R"({"model":"gpt","messages":[{"role":"user","content":"hi"}]})";
  auto missing = Call(req);
  EXPECT_EQ(missing.status, 400);
  EXPECT_THAT(missing.body, HasSubstr(R"({"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: field required"}})"));
  req.headers[0].second = "sk-wrong-key-000000";
  auto denied = Call(req);
  EXPECT_EQ(denied.status, 401);
  EXPECT_THAT(denied.body, HasSubstr(R"("type":"authentication_error")"));
}

}  // namespace
}  // namespace llmgw::testing
