// Under --target all the gateway hands its hot path to the router, keymgr and spend in
// process (apps/llmgw/local_services.cc), not over gRPC. What a gRPC call gave for free
// must still hold: the request deadline, cancellation at shutdown, a stream relayed whole
// and in order (one chunk at a time, the provider paused when the relay falls behind).
#include <regex>
#include <thread>

#include "gmock/gmock.h"
#include "llmgw/testing/wait.h"
#include "suite_fixture.h"

namespace llmgw::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kModels[] = R"(
  - model_name: slow-mock
    litellm_params: {model: mock/slow, mock_response: "late but whole", mock_latency_ms: 400}
  - model_name: stuck-mock
    litellm_params: {model: mock/stuck, mock_response: "never", mock_latency_ms: 60000}
  - model_name: long-mock
    litellm_params: {model: mock/long, mock_response: "$LONG"}
)";

std::string LongAnswer() {
  std::string s;
  for (int i = 0; i < 600; ++i) s += (i ? " w" : "w") + std::to_string(i);
  return s;
}

std::string Models() {
  std::string m = kModels;
  m.replace(m.find("$LONG"), 5, LongAnswer());
  return m;
}

std::string Chat(const std::string& model, bool stream = false) {
  return R"({"model":")" + model + R"(","messages":[{"role":"user","content":"x"}])" +
         (stream ? R"(,"stream":true})" : "}");
}

class LocalCallsTest : public SuiteTest {};

TEST_F(LocalCallsTest, TheRequestTimeoutEndsTheCallWith504) {
  StartSuite(Models(), "", "", "  request_timeout_seconds: 0.1\n");
  auto start = std::chrono::steady_clock::now();
  auto r = Post("/v1/chat/completions", Chat("slow-mock"));
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.status, 504) << r.body;
  EXPECT_THAT(r.body, HasSubstr(R"("type":"timeout_error")"));
  EXPECT_LT(took, std::chrono::milliseconds(390));
}

TEST_F(LocalCallsTest, AStreamIsRelayedWholeAndInOrder) {
  StartSuite(Models());
  auto r = Post("/v1/chat/completions", Chat("long-mock", true));
  ASSERT_EQ(r.status, 200) << r.body;
  std::string text;
  const std::regex content(R"re("content":"([^"]*)")re");
  for (std::sregex_iterator it(r.body.begin(), r.body.end(), content), end; it != end; ++it) text += (*it)[1];
  EXPECT_EQ(text, LongAnswer());
  EXPECT_THAT(r.body, HasSubstr("data: [DONE]\n\n"));
}

TEST_F(LocalCallsTest, StoppingTheSuiteCancelsCallsInFlight) {
  StartSuite(Models());
  std::promise<HttpResult> stuck;
  std::thread caller([&] { stuck.set_value(Post("/v1/chat/completions", Chat("stuck-mock"))); });
  const std::regex in_flight(R"(llmgw_deployment_in_flight\{[^}]*model_group="stuck-mock"\} 1\n)");
  ASSERT_TRUE(WaitFor([&] { return std::regex_search(Get("/metrics", "").body, in_flight); }));
  auto start = std::chrono::steady_clock::now();
  suite_.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  auto r = stuck.get_future().get();
  caller.join();
  EXPECT_NE(r.status, 200);
}

}  // namespace
}  // namespace llmgw::testing
