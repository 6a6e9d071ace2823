#include "llmgw/providers/openai_json.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "llmgw/common/error.h"
#include "llmgw/testing/status_matchers.h"

namespace llmgw::providers {
namespace {

using ::llmgw::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(ParseChatRequestTest, ReadsTheFieldsClientsSend) {
  auto r = ParseChatRequest(R"({
    "model": "gpt-4o", "temperature": 0.2, "max_tokens": 50, "stop": "END", "seed": 7,
    "stream": true, "stream_options": {"include_usage": true}, "user": "u1",
    "messages": [
      {"role": "system", "content": "Be terse."},
      {"role": "user", "content": [{"type": "text", "text": "hi"},
                                   {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
                                   {"type": "input_audio", "input_audio": {"data": "AA", "format": "wav"}}]},
      {"role": "assistant", "content": null,
       "tool_calls": [{"id": "call_1", "type": "function",
                       "function": {"name": "f", "arguments": "{\"a\":1}"}}]},
      {"role": "tool", "tool_call_id": "call_1", "content": "42"}],
    "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}],
    "tool_choice": {"type": "function", "function": {"name": "f"}},
    "logit_bias": {"50256": -100}, "metadata": {"tags": ["x"]}
  })");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->model(), "gpt-4o");
  EXPECT_DOUBLE_EQ(r->temperature(), 0.2);
  EXPECT_EQ(r->max_tokens(), 50);
  EXPECT_EQ(r->stop(0), "END");
  EXPECT_TRUE(r->stream());
  EXPECT_TRUE(r->stream_options().include_usage());
  ASSERT_EQ(r->messages_size(), 4);
  EXPECT_EQ(r->messages(0).text(), "Be terse.");
  EXPECT_EQ(r->messages(1).parts().parts_size(), 3);
  EXPECT_EQ(r->messages(1).parts().parts(1).image_url().url(), "https://x/y.png");
  EXPECT_THAT(r->messages(1).parts().parts(2).json(), HasSubstr("input_audio"));
  EXPECT_EQ(r->messages(2).content_case(), common::v1::ChatMessage::CONTENT_NOT_SET);
  EXPECT_EQ(r->messages(2).tool_calls(0).function().arguments(), "{\"a\":1}");
  EXPECT_EQ(r->messages(3).tool_call_id(), "call_1");
  EXPECT_EQ(r->tool_choice().function_name(), "f");
  EXPECT_THAT(r->extra_json(), HasSubstr("logit_bias"));

  std::string upstream = ChatRequestToJson(*r, {.model = "gpt-4o-2024-08-06"});
  EXPECT_THAT(upstream, HasSubstr(R"("model":"gpt-4o-2024-08-06")"));
  EXPECT_THAT(upstream, HasSubstr(R"("logit_bias":{"50256":-100})"));
  EXPECT_THAT(upstream, Not(HasSubstr("metadata")));  // LiteLLM's proxy metadata stays here
  EXPECT_THAT(upstream, HasSubstr(R"("stream_options":{"include_usage":true})"));
  EXPECT_THAT(upstream, HasSubstr(R"("content":null)"));
  EXPECT_THAT(upstream, HasSubstr(R"("input_audio":{"data":"AA","format":"wav"})"));
  // What the codec writes, it reads back the same.
  auto again = ParseChatRequest(upstream);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->messages_size(), 4);
  EXPECT_EQ(again->tools(0).function().parameters_json(), R"({"type":"object"})");
}

TEST(ParseChatRequestTest, StreamUsageIsAskedForEvenWhenTheClientDidNot) {
  auto r = ParseChatRequest(R"({"model":"m","stream":true,"messages":[{"role":"user","content":"x"}]})");
  ASSERT_TRUE(r.ok());
  EXPECT_THAT(ChatRequestToJson(*r, {}), HasSubstr(R"("include_usage":true)"));
  EXPECT_THAT(ChatRequestToJson(*r, {.force_stream_usage = false}), Not(HasSubstr("include_usage")));
}

TEST(ParseChatRequestTest, BadInputNamesTheField) {
  auto code = absl::StatusCode::kInvalidArgument;
  EXPECT_THAT(ParseChatRequest("{not json"), StatusIs(code, "not valid JSON"));
  EXPECT_THAT(ParseChatRequest("[]"), StatusIs(code, "expected a JSON object"));
  EXPECT_THAT(ParseChatRequest(R"({"messages":[{"role":"user","content":"x"}]})"),
              StatusIs(code, "model: you must provide a model parameter"));
  EXPECT_THAT(ParseChatRequest(R"({"model":"m"})"), StatusIs(code, "messages: must be a non-empty"));
  EXPECT_THAT(ParseChatRequest(R"({"model":"m","messages":[]})"), StatusIs(code, "messages"));
  EXPECT_THAT(ParseChatRequest(R"({"model":5,"messages":[{"role":"user","content":"x"}]})"),
              StatusIs(code, "model: expected a string, got a number"));
  EXPECT_THAT(ParseChatRequest(R"({"model":"m","messages":[{"role":"robot","content":"x"}]})"),
              StatusIs(code, "messages[0].role: unknown role 'robot'"));
  EXPECT_THAT(ParseChatRequest(R"({"model":"m","temperature":"hot","messages":[{"role":"user","content":"x"}]})"),
              StatusIs(code, "temperature: expected a number"));
  EXPECT_THAT(ParseChatRequest(R"({"model":"m","max_tokens":0,"messages":[{"role":"user","content":"x"}]})"),
              StatusIs(code, "max_tokens: must be >= 1"));
  auto s = ParseChatRequest(R"({"model":"m","messages":[{"role":"user","content":5}]})");
  EXPECT_EQ(GetErrorDetail(s.status()).param(), "messages[0].content");
}

TEST(ParseChatRequestTest, RefusesDeepNesting) {
  std::string deep = R"({"model":"m","messages":[{"role":"user","content":"x"}],"x":)";
  for (int i = 0; i < 100; ++i) deep += "[";
  for (int i = 0; i < 100; ++i) deep += "]";
  deep += "}";
  EXPECT_THAT(ParseChatRequest(deep), StatusIs(absl::StatusCode::kInvalidArgument, "not valid JSON"));
}

TEST(ResponseJsonTest, ResponseRoundTripKeepsUsageAndToolCalls) {
  auto r = ParseChatResponse(R"({"id":"chatcmpl-1","object":"chat.completion","created":5,
    "model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":null,
    "tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]},
    "finish_reason":"tool_calls"}],"usage":{"prompt_tokens":10,"completion_tokens":3,
    "total_tokens":13,"prompt_tokens_details":{"cached_tokens":4}}})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->usage().cached_tokens(), 4);
  std::string out = ChatResponseToJson(*r);
  EXPECT_THAT(out, HasSubstr(R"("object":"chat.completion")"));
  EXPECT_THAT(out, HasSubstr(R"("finish_reason":"tool_calls")"));
  EXPECT_THAT(out, HasSubstr(R"("tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}])"));
  EXPECT_THAT(out, HasSubstr(R"("total_tokens":13)"));
}

TEST(ResponseJsonTest, ChunksKeepDeltasAndTheUsageChunkHasNoChoices) {
  auto c = ParseChatChunk(R"({"id":"x","object":"chat.completion.chunk","created":1,"model":"m",
    "choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}],"usage":null})");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->choices(0).delta().text(), "Hi");
  EXPECT_FALSE(c->has_usage());
  EXPECT_THAT(ChatChunkToJson(*c, true), HasSubstr(R"("delta":{"content":"Hi"},"logprobs":null,"finish_reason":null}],"usage":null)"));
  EXPECT_THAT(ChatChunkToJson(*c, false), Not(HasSubstr("usage")));
  auto u = ParseChatChunk(R"({"id":"x","choices":[],"usage":{"prompt_tokens":2,"completion_tokens":1}})");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->usage().total_tokens(), 3);
  EXPECT_THAT(ChatChunkToJson(*u, false), HasSubstr(R"("choices":[],"usage":{"prompt_tokens":2)"));
}

TEST(ResponseJsonTest, ParsesOpenAIErrors) {
  auto e = ParseOpenAIError(R"({"error":{"message":"bad key","type":"invalid_request_error","code":"invalid_api_key","param":null}})");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->message, "bad key");
  EXPECT_EQ(e->code, "invalid_api_key");
  EXPECT_FALSE(ParseOpenAIError("<html>").has_value());
}

TEST(ResponseJsonTest, ModelList) {
  common::v1::Model m;
  m.set_id("gpt-4o");
  m.set_created(1677610602);
  m.set_owned_by("openai");
  EXPECT_EQ(ModelListToJson({m}),
            R"({"object":"list","data":[{"id":"gpt-4o","object":"model","created":1677610602,"owned_by":"openai"}]})");
}

}  // namespace
}  // namespace llmgw::providers

namespace llmgw::providers {
namespace {

using ::llmgw::testing::StatusIs;
using ::testing::HasSubstr;

TEST(EmbeddingsJsonTest, ParsesStringsAndRefusesWhatItCannotServe) {
  auto one = ParseEmbeddingsRequest(R"({"model":"emb","input":"hello","encoding_format":"base64","dimensions":4,"user":"u"})");
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->inputs_size(), 1);
  EXPECT_EQ(one->encoding_format(), "base64");
  EXPECT_EQ(one->dimensions(), 4);
  auto many = ParseEmbeddingsRequest(R"({"model":"emb","input":["a","b"],"metadata":{"x":1}})");
  ASSERT_TRUE(many.ok()) << many.status();
  EXPECT_EQ(many->inputs_size(), 2);
  EXPECT_THAT(ParseEmbeddingsRequest(R"({"model":"emb","input":[[1,2,3]]})"),
              StatusIs(absl::StatusCode::kInvalidArgument, "token-id input is not supported"));
  EXPECT_THAT(ParseEmbeddingsRequest(R"({"model":"emb"})"), StatusIs(absl::StatusCode::kInvalidArgument, "input: required"));
  EXPECT_THAT(ParseEmbeddingsRequest(R"({"model":"emb","input":[]})"), StatusIs(absl::StatusCode::kInvalidArgument, "input: must not be empty"));
  EXPECT_THAT(ParseEmbeddingsRequest(R"({"model":"emb","input":"x","encoding_format":"int8"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, "encoding_format: expected 'float' or 'base64'"));
  EXPECT_THAT(ParseEmbeddingsRequest(R"({"model":"emb","input":"x","input_type":"query"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, "input_type: unsupported parameter"));
  EXPECT_THAT(ParseEmbeddingsRequest(R"({"input":"x"})"), StatusIs(absl::StatusCode::kInvalidArgument, "model"));
}

TEST(EmbeddingsJsonTest, FloatsAndBase64RoundTrip) {
  EmbeddingsResponse r;
  r.set_model("text-embedding-3-small");
  auto* e = r.add_data();
  for (float x : {0.01f, -0.5f, 1.0f}) e->add_values(x);
  r.mutable_usage()->set_prompt_tokens(3);
  r.mutable_usage()->set_total_tokens(3);
  std::string floats = EmbeddingsResponseToJson(r, false);
  EXPECT_THAT(floats, HasSubstr(R"("embedding":[0.01,-0.5,1])"));
  EXPECT_THAT(floats, HasSubstr(R"("usage":{"prompt_tokens":3,"total_tokens":3})"));
  std::string b64 = EmbeddingsResponseToJson(r, true);
  // 0.01f, -0.5f, 1.0f as little-endian float32.
  EXPECT_THAT(b64, HasSubstr(R"("embedding":"CtcjPAAAAL8AAIA/")"));
  for (const std::string& body : {floats, b64}) {
    auto back = ParseEmbeddingsResponse(body);
    ASSERT_TRUE(back.ok()) << back.status();
    ASSERT_EQ(back->data(0).values_size(), 3);
    EXPECT_EQ(back->data(0).values(0), 0.01f);
    EXPECT_EQ(back->data(0).values(1), -0.5f);
    EXPECT_EQ(back->usage().prompt_tokens(), 3);
  }
  EXPECT_THAT(ParseEmbeddingsResponse(R"({"data":[{"embedding":"!!"}]})"),
              StatusIs(absl::StatusCode::kUnavailable, "unreadable embeddings answer"));
}

}  // namespace
}  // namespace llmgw::providers

namespace llmgw::providers {
namespace {

TEST(CompletionsJsonTest, ThePromptBecomesOneUserMessage) {
  auto r = ParseCompletionRequest(R"({"model":"gpt","prompt":["Say hi"],"temperature":0,"stop":["\n"]})");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->messages_size(), 1);
  EXPECT_EQ(r->messages(0).role(), common::v1::CHAT_ROLE_USER);
  EXPECT_EQ(r->messages(0).text(), "Say hi");
  EXPECT_EQ(r->max_tokens(), 16);  // OpenAI's default for this API
  EXPECT_EQ(r->stop(0), "\n");
  ChatCompletionResponse resp;
  resp.set_id("x");
  auto* c = resp.add_choices();
  c->mutable_message()->set_text(" Hi");
  c->set_finish_reason("length");
  EXPECT_THAT(CompletionResponseToJson(resp),
              HasSubstr(R"("choices":[{"text":" Hi","index":0,"logprobs":null,"finish_reason":"length"}])"));
  EXPECT_THAT(ParseCompletionRequest(R"({"model":"gpt","prompt":[1,2]})"),
              ::llmgw::testing::StatusIs(absl::StatusCode::kInvalidArgument, "token ids are not supported"));
  EXPECT_THAT(ParseCompletionRequest(R"({"model":"gpt","prompt":"x","suffix":"y"})"),
              ::llmgw::testing::StatusIs(absl::StatusCode::kInvalidArgument, "suffix: not supported"));
}

}  // namespace
}  // namespace llmgw::providers
