// The REST edge end to end inside one process: gateway -> keymgr -> router -> provider.
#include <thread>

#include "gmock/gmock.h"
#include "llmgw/testing/wait.h"
#include "suite_fixture.h"

namespace llmgw::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kModels[] = R"(
  - model_name: fake-gpt
    litellm_params: {model: openai/fake-upstream, api_base: "$FAKE", api_key: os.environ/KEY,
                     input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}
    model_info: {id: fake-1}
  - model_name: slow-gpt
    litellm_params: {model: openai/slow, api_base: "$FAKE", api_key: os.environ/KEY,
                     extra_headers: {x-fake-chunk-delay-ms: "200", x-fake-text: "a b c d e f g h i j"}}
  - model_name: broken-gpt
    litellm_params: {model: openai/broken, api_base: "$FAKE", extra_headers: {x-fake-status: "500"}}
  - model_name: limited-gpt
    litellm_params: {model: openai/limited, api_base: "$FAKE",
                     extra_headers: {x-fake-status: "429", x-fake-retry-after: "7"}}
  - model_name: mock-gpt
    litellm_params: {model: mock/m, mock_response: "from the mock"}
  - model_name: dropping-gpt
    litellm_params: {model: openai/drop, api_base: "$FAKE", extra_headers: {x-fake-drop-after-chunks: "2"}}
  - model_name: hanging-gpt
    litellm_params: {model: openai/hang, api_base: "$FAKE", timeout: 0.3, extra_headers: {x-fake-hang: "1"}}
)";

constexpr char kHello[] = R"({"model":"fake-gpt","messages":[{"role":"user","content":"hello"}]})";

class RestTest : public SuiteTest {
 protected:
  void SetUp() override { StartSuite(kModels, ", max_body_bytes: 4096"); }
};

TEST_F(RestTest, ChatCompletionGoesThroughTheWholeSuite) {
  auto r = Post("/v1/chat/completions", kHello);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_THAT(r.body, HasSubstr(R"("object":"chat.completion")"));
  EXPECT_THAT(r.body, HasSubstr("Hello from the fake provider."));
  EXPECT_THAT(r.body, HasSubstr(R"("model":"fake-upstream")"));  // what the provider answered
  EXPECT_EQ(http::FindHeader(r.headers, "x-litellm-model-id"), "fake-1");
  EXPECT_FALSE(http::FindHeader(r.headers, "x-request-id").empty());
  EXPECT_NE(http::FindHeader(r.headers, "x-litellm-response-cost"), "0.000000");
  EXPECT_EQ(fake_->stats().chat_requests, 1);
}

TEST_F(RestTest, RequestIdAndTraceAreCarriedThrough) {
  http::ClientRequest req{.url = Url("/v1/chat/completions"), .body = kHello};
  req.headers = {{"Authorization", std::string("Bearer ") + kMasterKey},
                 {"x-request-id", "my-request-42"},
                 {"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}};
  auto r = Call(std::move(req));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(http::FindHeader(r.headers, "x-request-id"), "my-request-42");
  EXPECT_THAT(std::string(http::FindHeader(r.headers, "traceparent")),
              HasSubstr("4bf92f3577b34da6a3ce929d0e0e4736"));
}

TEST_F(RestTest, StreamRelaysEveryChunkAndUsageOnlyWhenAskedFor) {
  auto with = Post("/v1/chat/completions",
                   R"({"model":"fake-gpt","stream":true,"stream_options":{"include_usage":true},
                       "messages":[{"role":"user","content":"hello"}]})");
  ASSERT_EQ(with.status, 200);
  EXPECT_EQ(http::FindHeader(with.headers, "content-type"), "text/event-stream");
  EXPECT_THAT(with.body, HasSubstr(R"("delta":{"content":" fake"})"));
  EXPECT_THAT(with.body, HasSubstr(R"("choices":[],"usage":{"prompt_tokens")"));
  EXPECT_THAT(with.body, HasSubstr("data: [DONE]\n\n"));
  auto without = Post("/v1/chat/completions",
                      R"({"model":"fake-gpt","stream":true,"messages":[{"role":"user","content":"hello"}]})");
  ASSERT_EQ(without.status, 200);
  EXPECT_THAT(without.body, HasSubstr(R"("finish_reason":"stop")"));
  EXPECT_THAT(without.body, Not(HasSubstr("usage")));
  EXPECT_THAT(without.body, HasSubstr("data: [DONE]\n\n"));
}

TEST_F(RestTest, MockProviderAnswersWithNoUpstream) {
  auto r = Post("/v1/chat/completions", R"({"model":"mock-gpt","messages":[{"role":"user","content":"x"}]})");
  ASSERT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr("from the mock"));
  EXPECT_EQ(fake_->stats().requests, 0);
}

TEST_F(RestTest, ClientThatDisconnectsMidStreamCancelsTheUpstream) {
  std::atomic<int> pieces{0};
  std::promise<absl::Status> done;
  auto call = client_->Start(
      {.url = Url("/v1/chat/completions"),
       .headers = {{"Authorization", std::string("Bearer ") + kMasterKey}},
       .body = R"({"model":"slow-gpt","stream":true,"messages":[{"role":"user","content":"hi"}]})"},
      {.on_data = [&](std::string_view) { ++pieces; },
       .on_done = [&](absl::Status s) { done.set_value(s); }});
  ASSERT_TRUE(WaitFor([&] { return pieces.load() >= 2; }));
  call->Cancel();
  EXPECT_EQ(done.get_future().get().code(), absl::StatusCode::kCancelled);
  // The fake provider sees its client (the router) go away long before the 2 s stream ends.
  EXPECT_TRUE(WaitFor([&] { return fake_->stats().cancelled == 1; }, std::chrono::seconds(1)));
  EXPECT_EQ(fake_->stats().streams_completed, 0);
}

TEST_F(RestTest, BadRequestsGetTheirDocumentedStatusAndBody) {
  auto expect_error = [](const HttpResult& r, int status, const std::string& code) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_THAT(r.body, HasSubstr(R"("code":")" + code + "\""));
    EXPECT_THAT(r.body, HasSubstr(R"({"error":{"message":")"));
  };
  expect_error(Post("/v1/chat/completions", "{not json"), 400, "invalid_request");
  expect_error(Post("/v1/chat/completions", R"({"messages":[{"role":"user","content":"x"}]})"), 400,
               "invalid_request");
  expect_error(Post("/v1/chat/completions", R"({"model":"gpt-9","messages":[{"role":"user","content":"x"}]})"),
               404, "model_not_found");
  expect_error(Post("/v1/chat/completions", kHello, "sk-wrong"), 401, "invalid_api_key");
  expect_error(Post("/v1/chat/completions", kHello, ""), 401, "invalid_api_key");
  expect_error(Post("/v1/chat/completions", std::string(8192, ' ')), 413, "request_too_large");
  expect_error(Get("/v1/chat/completions"), 405, "method_not_allowed");
  expect_error(Get("/v1/nothing-here"), 404, "not_found");
  // Nothing of that reached the provider.
  EXPECT_EQ(fake_->stats().requests, 0);
}

TEST_F(RestTest, UpstreamFailuresMapToGatewayErrors) {
  auto r = Post("/v1/chat/completions", R"({"model":"broken-gpt","messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(r.status, 502);
  EXPECT_THAT(r.body, HasSubstr("upstream_error"));
  auto limited = Post("/v1/chat/completions", R"({"model":"limited-gpt","messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(http::FindHeader(limited.headers, "retry-after"), "7");
}

TEST_F(RestTest, ProviderDroppingMidStreamEndsTheStreamWithAnErrorEvent) {
  auto r = Post("/v1/chat/completions",
                R"({"model":"dropping-gpt","stream":true,"messages":[{"role":"user","content":"x"}]})");
  ASSERT_EQ(r.status, 200);  // the stream had started
  EXPECT_THAT(r.body, HasSubstr(R"("delta":{"role":"assistant","content":""})"));
  EXPECT_THAT(r.body, HasSubstr(R"(data: {"error":{"message":"deployment )"));
  EXPECT_THAT(r.body, HasSubstr(R"("code":"upstream_error")"));
  EXPECT_THAT(r.body, Not(HasSubstr("[DONE]")));
}

TEST_F(RestTest, ProviderThatHangsIsCutOffByTheDeploymentTimeout) {
  auto start = std::chrono::steady_clock::now();
  auto r = Post("/v1/chat/completions", R"({"model":"hanging-gpt","messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(r.status, 504) << r.body;
  EXPECT_THAT(r.body, HasSubstr("upstream_timeout"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  // The fake saw the router give up on it: the first attempt and num_retries' default 2.
  EXPECT_TRUE(WaitFor([&] { return fake_->stats().cancelled == 3; }));
}

TEST_F(RestTest, ModelsListsTheGroupsAndLivenessIsCheap) {
  auto r = Get("/v1/models");
  ASSERT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr(R"({"id":"fake-gpt","object":"model","created":1677610602,"owned_by":"openai"})"));
  EXPECT_THAT(r.body, HasSubstr(R"("id":"mock-gpt")"));
  auto live = Get("/health/liveliness", "");
  EXPECT_EQ(live.status, 200);
  auto metrics = Get("/metrics", "");
  EXPECT_THAT(metrics.body, HasSubstr("llmgw_http_requests_total"));
}

}  // namespace
}  // namespace llmgw::testing
