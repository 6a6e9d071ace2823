// The OpenAI adapter against a scripted upstream on loopback (real HTTP).
#include "llmgw/providers/openai_provider.h"

#include <future>
#include <mutex>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "llmgw/common/error.h"
#include "llmgw/http/server.h"
#include "llmgw/http/sse.h"
#include "llmgw/providers/openai_json.h"
#include "llmgw/testing/wait.h"

namespace llmgw::providers {
namespace {

using ::testing::HasSubstr;

class OpenAIProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = http::Client::Create();
    ASSERT_TRUE(c.ok());
    client_ = std::move(*c);
    provider_ = std::make_unique<OpenAIProvider>(*client_);
    auto s = http::Server::Start({}, [this](std::shared_ptr<http::Exchange> ex) {
      {
        std::lock_guard l(mu_);
        last_ = ex->request();
      }
      handler_(ex);
    });
    ASSERT_TRUE(s.ok());
    server_ = std::move(*s);
    deployment_.id = "dep-1";
    deployment_.params.provider = "openai";
    deployment_.params.upstream_model = "gpt-4o-mini";
    deployment_.params.api_key = "sk-upstream";
    deployment_.params.api_base = "http://127.0.0.1:" + std::to_string(server_->port()) + "/v1";
    deployment_.params.extra_headers = {{"X-Extra", "yes"}};
    deployment_.timeout = std::chrono::seconds(5);
    deployment_.stream_timeout = std::chrono::seconds(5);
    auto r = ParseChatRequest(R"({"model":"group","messages":[{"role":"user","content":"hi"}]})");
    request_ = *r;
  }
  void TearDown() override {
    provider_.reset();
    client_.reset();
    server_->Stop();
  }
  absl::StatusOr<ChatCompletionResponse> Chat() {
    std::promise<absl::StatusOr<ChatCompletionResponse>> p;
    provider_->Chat(deployment_, request_, {.request_id = "rid"}, [&](auto r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }

  std::mutex mu_;
  http::Request last_;
  std::function<void(std::shared_ptr<http::Exchange>)> handler_;
  std::unique_ptr<http::Client> client_;
  std::unique_ptr<OpenAIProvider> provider_;
  std::unique_ptr<http::Server> server_;
  config::Deployment deployment_;
  ChatCompletionRequest request_;
};

TEST_F(OpenAIProviderTest, SendsTheUpstreamModelAndCredentialsAndParsesTheAnswer) {
  handler_ = [](std::shared_ptr<http::Exchange> ex) {
    ex->Respond({.body = R"({"id":"chatcmpl-9","object":"chat.completion","created":1,"model":"gpt-4o-mini-2024",
      "choices":[{"index":0,"message":{"role":"assistant","content":"Hello"},"finish_reason":"stop"}],
      "usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}})"});
  };
  auto r = Chat();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->choices(0).message().text(), "Hello");
  EXPECT_EQ(r->usage().total_tokens(), 6);
  std::lock_guard l(mu_);
  EXPECT_EQ(last_.path, "/v1/chat/completions");
  EXPECT_EQ(last_.Header("authorization"), "Bearer sk-upstream");
  EXPECT_EQ(last_.Header("x-extra"), "yes");
  EXPECT_EQ(last_.Header("x-request-id"), "rid");
  EXPECT_THAT(last_.body, HasSubstr(R"("model":"gpt-4o-mini")"));
}

TEST_F(OpenAIProviderTest, UpstreamErrorsBecomeTypedErrors) {
  handler_ = [](std::shared_ptr<http::Exchange> ex) {
    ex->Respond({.status = 429, .headers = {{"Retry-After", "2"}},
                 .body = R"({"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}})"});
  };
  auto r = Chat();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(GetErrorDetail(r.status()).kind(), common::v1::ERROR_KIND_UPSTREAM_RATE_LIMITED);
  EXPECT_EQ(GetErrorDetail(r.status()).retry_after().seconds(), 2);
}

TEST_F(OpenAIProviderTest, TimeoutIsUpstreamTimeout) {
  std::vector<std::shared_ptr<http::Exchange>> held;
  std::mutex hm;
  handler_ = [&](std::shared_ptr<http::Exchange> ex) { std::lock_guard l(hm); held.push_back(ex); };
  deployment_.timeout = std::chrono::milliseconds(150);
  auto r = Chat();
  EXPECT_EQ(GetErrorDetail(r.status()).kind(), common::v1::ERROR_KIND_UPSTREAM_TIMEOUT) << r.status();
  std::lock_guard l(hm);
  held.clear();
}

TEST_F(OpenAIProviderTest, StreamsChunksAndAlwaysAsksForUsage) {
  handler_ = [](std::shared_ptr<http::Exchange> ex) {
    ex->BeginStream(200, {});
    ex->Write(http::SseData(R"({"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"He"},"finish_reason":null}]})"));
    ex->Write(": keep-alive comment\n\n");
    ex->Write(http::SseData(R"({"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"llo"},"finish_reason":"stop"}]})"));
    ex->Write(http::SseData(R"({"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}})"));
    ex->Write(http::SseData("[DONE]"));
    ex->End();
  };
  request_.set_stream(true);
  std::mutex m;
  std::vector<ChatCompletionChunk> chunks;
  std::promise<absl::Status> done;
  provider_->StreamChat(deployment_, request_, {},
                        {.on_chunk = [&](ChatCompletionChunk c) { std::lock_guard l(m); chunks.push_back(c); },
                         .on_done = [&](absl::Status s) { done.set_value(s); }});
  EXPECT_TRUE(done.get_future().get().ok());
  std::lock_guard l(m);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[1].choices(0).delta().text(), "llo");
  EXPECT_EQ(chunks[2].usage().total_tokens(), 5);
  std::lock_guard l2(mu_);
  EXPECT_THAT(last_.body, HasSubstr(R"("stream_options":{"include_usage":true})"));
}

TEST_F(OpenAIProviderTest, StreamThatBreaksOffIsAnError) {
  handler_ = [](std::shared_ptr<http::Exchange> ex) {
    ex->BeginStream(200, {});
    ex->Write(http::SseData(R"({"id":"c","choices":[{"index":0,"delta":{"content":"He"}}]})"),
              [ex](bool) { ex->Abort(); });
  };
  request_.set_stream(true);
  std::promise<absl::Status> done;
  provider_->StreamChat(deployment_, request_, {},
                        {.on_chunk = [](ChatCompletionChunk) {},
                         .on_done = [&](absl::Status s) { done.set_value(s); }});
  auto s = done.get_future().get();
  EXPECT_EQ(GetErrorDetail(s).kind(), common::v1::ERROR_KIND_UPSTREAM_ERROR) << s;
}

TEST_F(OpenAIProviderTest, CancelReachesTheUpstream) {
  std::atomic<bool> upstream_cancelled{false};
  std::shared_ptr<http::Exchange> held;
  std::mutex hm;
  handler_ = [&](std::shared_ptr<http::Exchange> ex) {
    ex->OnCancel([&] { upstream_cancelled = true; });
    ex->BeginStream(200, {});
    ex->Write(http::SseData(R"({"id":"c","choices":[{"index":0,"delta":{"content":"x"}}]})"));
    std::lock_guard l(hm);
    held = ex;
  };
  request_.set_stream(true);
  std::atomic<bool> got{false};
  std::promise<absl::Status> done;
  auto handle = provider_->StreamChat(deployment_, request_, {},
                                      {.on_chunk = [&](ChatCompletionChunk) { got = true; },
                                       .on_done = [&](absl::Status s) { done.set_value(s); }});
  ASSERT_TRUE(testing::WaitFor([&] { return got.load(); }));
  handle->Cancel();
  EXPECT_EQ(done.get_future().get().code(), absl::StatusCode::kCancelled);
  EXPECT_TRUE(testing::WaitFor([&] { return upstream_cancelled.load(); }));
  std::lock_guard l(hm);
  held.reset();
}

}  // namespace
}  // namespace llmgw::providers

namespace llmgw::providers {
namespace {

TEST(AzureUrlTest, DeploymentPathWithApiVersionOrTheV1Api) {
  config::Deployment d;
  d.params.upstream_model = "gpt-4o-prod";
  d.params.api_base = "https://res.openai.azure.com/";
  EXPECT_EQ(AzureUrl(d, "chat/completions"),
            "https://res.openai.azure.com/openai/deployments/gpt-4o-prod/chat/completions"
            "?api-version=2024-10-21");
  d.params.api_base = "https://res.openai.azure.com/openai";
  d.params.api_version = "2025-01-01-preview";
  EXPECT_EQ(AzureUrl(d, "embeddings"),
            "https://res.openai.azure.com/openai/deployments/gpt-4o-prod/embeddings"
            "?api-version=2025-01-01-preview");
  d.params.api_base = "https://res.openai.azure.com/openai/v1";
  EXPECT_EQ(AzureUrl(d, "chat/completions"), "https://res.openai.azure.com/openai/v1/chat/completions");
}

}  // namespace
}  // namespace llmgw::providers
