// The gemini/ adapter through the whole suite against the fake provider's Gemini API:
// answers, streams, tool calls, and the Gemini-specific traps (a bad key is a 400, tool
// results need the function's name, function calls carry no id).
#include "gmock/gmock.h"
#include "suite_fixture.h"

namespace llmgw::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kModels[] = R"(
  - model_name: gemini
    litellm_params: {model: gemini/gemini-fake, api_base: "$FAKE", api_key: os.environ/GEMINI_API_KEY}
    model_info: {id: gemini-1}
  - model_name: gemini-tools
    litellm_params:
      model: gemini/gemini-fake
      api_base: "$FAKE"
      api_key: os.environ/GEMINI_API_KEY
      extra_headers: {x-fake-tool-call: "1"}
  - model_name: gemini-nokey
    litellm_params: {model: gemini/gemini-fake, api_base: "$FAKE"}
)";

class GeminiTest : public SuiteTest {
 protected:
  void SetUp() override { StartSuite(kModels, "", "", "", "router_settings: {num_retries: 0}\n"); }
};

TEST_F(GeminiTest, AnswersAndStreamsInOpenAIShape) {
  auto r = Post("/v1/chat/completions", R"({"model":"gemini","messages":[{"role":"system","content":"Be terse."},{"role":"user","content":"hi"}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_THAT(r.body, HasSubstr(R"("content":"Hello from the fake provider.")"));
  EXPECT_THAT(r.body, HasSubstr(R"("finish_reason":"stop")"));
  EXPECT_THAT(r.body, HasSubstr(R"("completion_tokens":5)"));
  auto s = Post("/v1/chat/completions", R"({"model":"gemini","stream":true,"messages":[{"role":"user","content":"hi"}]})");
  ASSERT_EQ(s.status, 200) << s.body;
  EXPECT_THAT(s.body, HasSubstr(R"("content":" fake")"));
  EXPECT_THAT(s.body, HasSubstr("data: [DONE]"));
}

TEST_F(GeminiTest, ToolCallsGetIdsAndResultsGoBackByName) {
  const char* ask = R"({"model":"gemini-tools","messages":[{"role":"user","content":"Weather?"}],
    "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}]})";
  auto call = Post("/v1/chat/completions", ask);
  ASSERT_EQ(call.status, 200) << call.body;
  EXPECT_THAT(call.body, HasSubstr(R"("finish_reason":"tool_calls")"));
  EXPECT_THAT(call.body, HasSubstr(R"("id":"call_)"));
  EXPECT_THAT(call.body, HasSubstr(R"("name":"get_weather","arguments":"{\"city\":\"Paris\"}")"));
  // A tool result naming no earlier call cannot be sent to Gemini (it needs the name).
  auto orphan = Post("/v1/chat/completions", R"({"model":"gemini","messages":[
      {"role":"user","content":"x"},{"role":"tool","tool_call_id":"call_unknown","content":"18C"}]})");
  EXPECT_EQ(orphan.status, 400);
  EXPECT_THAT(orphan.body, HasSubstr(R"("param":"messages[1].tool_call_id")"));
}

TEST_F(GeminiTest, BadKeyIsACredentialFailureNotTheCallersFault) {
  auto r = Post("/v1/chat/completions", R"({"model":"gemini-nokey","messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(r.status, 502) << r.body;
  EXPECT_THAT(r.body, HasSubstr("refused the gateway's credentials"));
}

}  // namespace
}  // namespace llmgw::testing
