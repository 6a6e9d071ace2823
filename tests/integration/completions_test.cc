// /v1/completions through the whole suite: the legacy text API served over chat, so any
// group answers it (OpenAI-, Anthropic-backed), as JSON and as a stream of text_completion
// chunks, with OpenAI's max_tokens default and clear refusals.
#include "gmock/gmock.h"
#include "suite_fixture.h"

namespace llmgw::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kModels[] = R"(
  - model_name: gpt
    litellm_params: {model: openai/gpt-fake, api_base: "$FAKE"}
  - model_name: claude
    litellm_params: {model: anthropic/claude-fake, api_base: "$FAKE", api_key: os.environ/ANTHROPIC_API_KEY}
)";

class CompletionsTest : public SuiteTest {
 protected:
  void SetUp() override { StartSuite(kModels, "", "", "", "router_settings: {num_retries: 0}\n"); }
};

TEST_F(CompletionsTest, AnyGroupAnswersAsTextCompletion) {
  for (const char* model : {"gpt", "claude"}) {
    auto r = Post("/v1/completions", std::string(R"({"model":")") + model + R"(","prompt":"Say hi"})");
    ASSERT_EQ(r.status, 200) << model << " " << r.body;
    auto v = ParseJson(r.body).as_object();
    EXPECT_EQ(v.at("object"), "text_completion");
    const auto& choice = v.at("choices").as_array()[0].as_object();
    EXPECT_EQ(choice.at("text"), "Hello from the fake provider.");
    EXPECT_EQ(choice.at("finish_reason"), "stop");
    EXPECT_GT(v.at("usage").as_object().at("completion_tokens").to_number<int64_t>(), 0);
  }
}

TEST_F(CompletionsTest, StreamsTextChunks) {
  auto s = Post("/v1/completions", R"({"model":"claude","prompt":"Say hi","stream":true,"stream_options":{"include_usage":true}})");
  ASSERT_EQ(s.status, 200) << s.body;
  EXPECT_THAT(s.body, HasSubstr(R"("object":"text_completion")"));
  EXPECT_THAT(s.body, HasSubstr(R"("text":" fake")"));
  EXPECT_THAT(s.body, Not(HasSubstr(R"("delta")")));
  EXPECT_THAT(s.body, HasSubstr(R"("prompt_tokens")"));
  EXPECT_THAT(s.body, HasSubstr("data: [DONE]"));
}

TEST_F(CompletionsTest, RefusesWhatItCannotServe) {
  auto many = Post("/v1/completions", R"({"model":"gpt","prompt":["a","b"]})");
  EXPECT_EQ(many.status, 400);
  EXPECT_THAT(many.body, HasSubstr(R"("param":"prompt")"));
  auto echo = Post("/v1/completions", R"({"model":"gpt","prompt":"a","echo":true})");
  EXPECT_EQ(echo.status, 400);
  EXPECT_THAT(echo.body, HasSubstr(R"("param":"echo")"));
  EXPECT_EQ(Post("/v1/completions", R"({"model":"gpt"})").status, 400);
  EXPECT_EQ(Get("/v1/completions").status, 405);
}

}  // namespace
}  // namespace llmgw::testing
