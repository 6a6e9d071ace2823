#include "llmgw/providers/mock_provider.h"

#include <future>
#include <mutex>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "llmgw/providers/openai_json.h"
#include "llmgw/testing/wait.h"

namespace llmgw::providers {
namespace {

config::Deployment MockDeployment() {
  config::Deployment d;
  d.model_name = "mock-gpt";
  d.id = "mock-1";
  d.params.provider = "mock";
  d.params.upstream_model = "mock-model";
  return d;
}

ChatCompletionRequest Request(const std::string& json) {
  auto r = ParseChatRequest(json);
  EXPECT_TRUE(r.ok()) << r.status();
  return *r;
}

const char kHello[] = R"({"model":"mock-gpt","messages":[{"role":"user","content":"hello there"}]})";

TEST(MockProviderTest, AnswersDeterministicallyWithConsistentUsage) {
  TimerThread timers;
  MockProvider mock(timers);
  std::promise<absl::StatusOr<ChatCompletionResponse>> p;
  mock.Chat(MockDeployment(), Request(kHello), {}, [&](auto r) { p.set_value(std::move(r)); });
  auto r = p.get_future().get();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->choices(0).message().text(), "This is a mock response from llmgw to: hello there");
  EXPECT_EQ(r->choices(0).finish_reason(), "stop");
  EXPECT_EQ(r->model(), "mock-model");
  EXPECT_EQ(r->usage().completion_tokens(), 10);  // one per word
  EXPECT_GT(r->usage().prompt_tokens(), 0);
  EXPECT_EQ(r->usage().total_tokens(), r->usage().prompt_tokens() + r->usage().completion_tokens());
}

TEST(MockProviderTest, MockResponseFromConfigOrRequestAndMaxTokensTruncates) {
  TimerThread timers;
  MockProvider mock(timers);
  auto d = MockDeployment();
  d.params.mock_response = "one two three four";
  EXPECT_EQ(MockProvider::AnswerText(d, Request(kHello)), "one two three four");
  EXPECT_EQ(MockProvider::AnswerText(
                d, Request(R"({"model":"m","mock_response":"per request","messages":[{"role":"user","content":"x"}]})")),
            "per request");
  std::promise<absl::StatusOr<ChatCompletionResponse>> p;
  mock.Chat(d, Request(R"({"model":"m","max_tokens":2,"messages":[{"role":"user","content":"x"}]})"), {},
            [&](auto r) { p.set_value(std::move(r)); });
  auto r = p.get_future().get();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->choices(0).message().text(), "one two");
  EXPECT_EQ(r->choices(0).finish_reason(), "length");
  EXPECT_EQ(r->usage().completion_tokens(), 2);
}

TEST(MockProviderTest, StreamsRoleTokensFinishThenUsage) {
  TimerThread timers;
  MockProvider mock(timers);
  auto d = MockDeployment();
  d.params.mock_response = "a b c";
  d.params.mock_chunk_delay = std::chrono::milliseconds(5);
  std::mutex mu;
  std::vector<ChatCompletionChunk> chunks;
  std::promise<absl::Status> done;
  auto start = std::chrono::steady_clock::now();
  mock.StreamChat(d, Request(kHello), {},
                  {.on_chunk = [&](ChatCompletionChunk c) {
                     std::lock_guard l(mu);
                     chunks.push_back(std::move(c));
                   },
                   .on_done = [&](absl::Status s) { done.set_value(s); }});
  EXPECT_TRUE(done.get_future().get().ok());
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(15));
  std::lock_guard l(mu);
  ASSERT_EQ(chunks.size(), 6u);
  EXPECT_EQ(chunks[0].choices(0).delta().role(), common::v1::CHAT_ROLE_ASSISTANT);
  EXPECT_EQ(chunks[1].choices(0).delta().text() + chunks[2].choices(0).delta().text() +
                chunks[3].choices(0).delta().text(),
            "a b c");
  EXPECT_EQ(chunks[4].choices(0).finish_reason(), "stop");
  EXPECT_EQ(chunks[5].choices_size(), 0);
  EXPECT_EQ(chunks[5].usage().completion_tokens(), 3);
  for (const auto& c : chunks) EXPECT_EQ(c.id(), chunks[0].id());
}

TEST(MockProviderTest, CancelStopsTheStreamAndReportsCancelled) {
  TimerThread timers;
  MockProvider mock(timers);
  auto d = MockDeployment();
  d.params.mock_chunk_delay = std::chrono::milliseconds(50);
  std::atomic<int> chunks{0};
  std::promise<absl::Status> done;
  auto handle = mock.StreamChat(d, Request(kHello), {},
                                {.on_chunk = [&](ChatCompletionChunk) { ++chunks; },
                                 .on_done = [&](absl::Status s) { done.set_value(s); }});
  ASSERT_TRUE(testing::WaitFor([&] { return chunks.load() >= 2; }));
  handle->Cancel();
  EXPECT_EQ(done.get_future().get().code(), absl::StatusCode::kCancelled);
  int seen = chunks.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(120));
  EXPECT_EQ(chunks.load(), seen);
}

}  // namespace
}  // namespace llmgw::providers
