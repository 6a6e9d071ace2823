// Retries, cooldowns, half-open recovery, fallbacks and waits, through the Router with a
// scripted provider.
#include <future>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "google/protobuf/util/time_util.h"
#include "llmgw/common/error.h"
#include "llmgw/config/loader.h"
#include "llmgw/providers/openai_json.h"
#include "llmgw/providers/openai_provider.h"
#include "services/router/router.h"
#include "services/router/testing/scripted_provider.h"

namespace llmgw::router {
namespace {

using std::chrono::milliseconds;
using testing::ScriptedProvider;
using testing::Upstream;

class DispatchTest : public ::testing::Test {
 protected:
  void Start(const std::string& yaml, const Clock* clock = &Clock::Real()) {
    auto loaded = config::LoadConfigString(
        "general_settings: {master_key: sk-test-master-key-1}\n" + yaml, "t.yaml",
        [](const std::string&) { return std::nullopt; });
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    config_ = loaded->config;
    router_ = std::make_unique<Router>(
        config_, ProviderSet{.by_name = {{"openai", &provider_}}, .unsupported = &unsupported_},
        timers_, RouterOptions{.clock = clock});
  }
  static v1::RouteChatRequest Request(const std::string& model) {
    v1::RouteChatRequest r;
    *r.mutable_request() = *providers::ParseChatRequest(
        R"({"model":")" + model + R"(","messages":[{"role":"user","content":"hi"}]})");
    return r;
  }
  absl::StatusOr<v1::RouteChatResponse> Route(const std::string& model,
                                              providers::CallOptions options = {}) {
    std::promise<absl::StatusOr<v1::RouteChatResponse>> p;
    router_->RouteChat(Request(model), options, [&](auto r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }
  v1::Deployment State(const std::string& id) {
    auto all = router_->ListDeployments("");
    for (const auto& d : all->deployments()) {
      if (d.id() == id) return d;
    }
    ADD_FAILURE() << "no deployment " << id;
    return {};
  }

  TimerThread timers_;
  ScriptedProvider provider_{timers_};
  providers::UnsupportedProvider unsupported_;
  std::shared_ptr<const config::Config> config_;
  std::unique_ptr<Router> router_;
};

constexpr char kTwoInAGroup[] = R"(
router_settings: {num_retries: 2, allowed_fails: 0, cooldown_time: 60}
model_list:
  - {model_name: g, litellm_params: {model: openai/a, order: 1}, model_info: {id: a}}
  - {model_name: g, litellm_params: {model: openai/b, order: 2}, model_info: {id: b}}
)";

TEST_F(DispatchTest, RetriesOnAnotherDeploymentAndCoolsTheFailingOne) {
  Start(kTwoInAGroup);
  provider_.Set("a", {.fail_always = true, .always = Upstream(503)});
  auto r = Route("g");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->dispatch().deployment_id(), "b");
  EXPECT_EQ(r->dispatch().attempts(), 2);
  EXPECT_EQ(r->dispatch().retries(), 1);
  EXPECT_EQ(r->dispatch().fallbacks(), 0);
  auto a = State("a");
  EXPECT_EQ(a.state(), v1::DEPLOYMENT_STATE_COOLDOWN);
  EXPECT_TRUE(a.has_cooldown_until());
  EXPECT_EQ(a.last_error(), "503");
  // Cooling: the next request goes straight to b.
  provider_.ResetCounts();
  ASSERT_TRUE(Route("g").ok());
  EXPECT_EQ(provider_.Calls("a"), 0);
  EXPECT_EQ(router_->in_flight(), 0);
}

TEST_F(DispatchTest, ClientErrorsAreNeitherRetriedNorCooledDown) {
  Start(kTwoInAGroup);
  provider_.Set("a", {.failures = {Upstream(400)}});
  auto r = Route("g");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(provider_.Calls("a"), 1);
  EXPECT_EQ(provider_.Calls("b"), 0);
  EXPECT_EQ(State("a").state(), v1::DEPLOYMENT_STATE_HEALTHY);
}

TEST_F(DispatchTest, SameDeploymentIsRetriedAfterTheProvidersRetryAfter) {
  Start(R"(
router_settings: {num_retries: 2, allowed_fails: 5}
model_list:
  - {model_name: g, litellm_params: {model: openai/a}, model_info: {id: a}}
)");
  provider_.Set("a", {.failures = {Upstream(429, milliseconds(150))}});
  auto start = std::chrono::steady_clock::now();
  auto r = Route("g");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(150));
  EXPECT_EQ(r->dispatch().attempts(), 2);
}

TEST_F(DispatchTest, RetriesAreBoundedByNumRetries) {
  Start(R"(
router_settings: {num_retries: 1, allowed_fails: 100, retry_after: 0}
model_list:
  - {model_name: g, litellm_params: {model: openai/a}, model_info: {id: a}}
)");
  provider_.Set("a", {.fail_always = true, .always = Upstream(500, milliseconds(1))});
  auto r = Route("g");
  EXPECT_EQ(GetErrorDetail(r.status()).kind(), common::v1::ERROR_KIND_UPSTREAM_ERROR);
  EXPECT_EQ(provider_.Calls("a"), 2);
}

TEST_F(DispatchTest, FallsBackInOrderWhenTheGroupIsExhausted) {
  Start(R"(
router_settings:
  num_retries: 0
  allowed_fails: 100
  fallbacks: [{primary: [second, third]}]
model_list:
  - {model_name: primary, litellm_params: {model: openai/p}, model_info: {id: p}}
  - {model_name: second, litellm_params: {model: openai/s}, model_info: {id: s}}
  - {model_name: third, litellm_params: {model: openai/t}, model_info: {id: t}}
)");
  provider_.Set("p", {.fail_always = true, .always = Upstream(429)});
  provider_.Set("s", {.fail_always = true, .always = Upstream(502)});
  auto r = Route("primary");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->dispatch().deployment_id(), "t");
  EXPECT_EQ(r->dispatch().model_group(), "third");
  EXPECT_EQ(r->dispatch().fallbacks(), 2);
  EXPECT_EQ(r->dispatch().attempts(), 3);
}

TEST_F(DispatchTest, ContextWindowGoesToContextWindowFallbacksOnly) {
  Start(R"(
router_settings:
  enable_pre_call_checks: true
  fallbacks: [{small: [other]}]
  context_window_fallbacks: [{small: [big]}]
model_list:
  - {model_name: small, litellm_params: {model: openai/s}, model_info: {id: s, max_input_tokens: 2}}
  - {model_name: big, litellm_params: {model: openai/b}, model_info: {id: b, max_input_tokens: 100000}}
  - {model_name: other, litellm_params: {model: openai/o}, model_info: {id: o}}
)");
  auto r = Route("small");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->dispatch().deployment_id(), "b");
  EXPECT_EQ(provider_.Calls("s"), 0);  // the pre-call check kept it from being called
  // Without a context-window fallback the caller gets a 400 naming the problem.
  Start(R"(
router_settings: {enable_pre_call_checks: true}
model_list:
  - {model_name: small, litellm_params: {model: openai/s}, model_info: {id: s, max_input_tokens: 2}}
)");
  auto refused = Route("small");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused.status().message()), ::testing::HasSubstr("context_length_exceeded"));
}

TEST_F(DispatchTest, HalfOpenTrialDecidesRecovery) {
  FakeClock clock;
  Start(R"(
router_settings: {num_retries: 0, allowed_fails: 0, cooldown_time: 10}
model_list:
  - {model_name: g, litellm_params: {model: openai/a}, model_info: {id: a}}
  - {model_name: g, litellm_params: {model: openai/b}, model_info: {id: b}}
)", &clock);
  provider_.Set("a", {.failures = {Upstream(503), Upstream(503)}});
  provider_.Set("b", {.fail_always = true, .always = Upstream(400)});  // alive, but refuses
  // Route until a has failed once and cooled down.
  while (State("a").state() != v1::DEPLOYMENT_STATE_COOLDOWN) (void)Route("g");
  clock.Advance(std::chrono::seconds(11));
  EXPECT_EQ(State("a").state(), v1::DEPLOYMENT_STATE_HALF_OPEN);
  // The trial fails (second scripted 503): cooled again, for another cooldown_time.
  while (provider_.Calls("a") < 2) (void)Route("g");
  EXPECT_EQ(State("a").state(), v1::DEPLOYMENT_STATE_COOLDOWN);
  EXPECT_THAT(State("a").cooldown_reason(), ::testing::HasSubstr("half-open trial failed"));
  clock.Advance(std::chrono::seconds(11));
  // This trial succeeds: closed again.
  while (provider_.Calls("a") < 3) (void)Route("g");
  EXPECT_EQ(State("a").state(), v1::DEPLOYMENT_STATE_HEALTHY);
}

TEST_F(DispatchTest, WaitsForTheFirstRecoveryWhenEverythingIsCooling) {
  Start(R"(
router_settings: {num_retries: 0, allowed_fails: 0, cooldown_time: 0.2}
model_list:
  - {model_name: g, litellm_params: {model: openai/a}, model_info: {id: a}}
)");
  provider_.Set("a", {.failures = {Upstream(503)}});
  EXPECT_FALSE(Route("g").ok());
  ASSERT_EQ(State("a").state(), v1::DEPLOYMENT_STATE_COOLDOWN);
  auto start = std::chrono::steady_clock::now();
  auto r = Route("g");  // waits the cooldown out, then is the half-open trial
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(100));
  EXPECT_EQ(State("a").state(), v1::DEPLOYMENT_STATE_HEALTHY);
}

TEST_F(DispatchTest, NoWaitPastTheDeadline503WithRetryAfter) {
  Start(kTwoInAGroup);
  ASSERT_TRUE(router_->SetCooldown("a", std::chrono::seconds(30), "drill").ok());
  ASSERT_TRUE(router_->SetCooldown("b", std::chrono::seconds(20), "").ok());
  auto r = Route("g", {.deadline = std::chrono::steady_clock::now() + milliseconds(500)});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  auto detail = GetErrorDetail(r.status());
  EXPECT_EQ(detail.kind(), common::v1::ERROR_KIND_NO_DEPLOYMENT_AVAILABLE);
  auto retry = google::protobuf::util::TimeUtil::DurationToSeconds(detail.retry_after());
  EXPECT_GE(retry, 19);
  EXPECT_LE(retry, 20);
  EXPECT_EQ(provider_.Calls("a") + provider_.Calls("b"), 0);
  ASSERT_TRUE(router_->ClearCooldown("b").ok());
  EXPECT_TRUE(Route("g").ok());
  EXPECT_EQ(router_->SetCooldown("nope", milliseconds(1), "").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(DispatchTest, ForceFailMakesADrillFailoverWithoutCallingTheProvider) {
  Start(R"(
router_settings:
  num_retries: 0
  allowed_fails: 0
  fallbacks: [{primary: [backup]}]
model_list:
  - {model_name: primary, litellm_params: {model: openai/p}, model_info: {id: p}}
  - {model_name: backup, litellm_params: {model: openai/b}, model_info: {id: b}}
)");
  ASSERT_TRUE(router_->ForceFail("p", std::chrono::seconds(60)).ok());
  auto r = Route("primary");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->dispatch().deployment_id(), "b");
  EXPECT_EQ(provider_.Calls("p"), 0);
  auto p = State("p");
  EXPECT_EQ(p.state(), v1::DEPLOYMENT_STATE_COOLDOWN);
  EXPECT_TRUE(p.has_forced_fail_until());
  EXPECT_EQ(p.recent_failures(), 1);
}

TEST_F(DispatchTest, CancelDuringAWaitEndsTheRequestAtOnce) {
  Start(R"(
router_settings: {cooldown_time: 30}
model_list:
  - {model_name: g, litellm_params: {model: openai/a}, model_info: {id: a}}
)");
  ASSERT_TRUE(router_->SetCooldown("a", std::chrono::seconds(30), "").ok());
  std::promise<absl::Status> p;
  auto h = router_->RouteChat(Request("g"), {}, [&](auto r) { p.set_value(r.status()); });
  std::this_thread::sleep_for(milliseconds(20));
  h->Cancel();
  auto f = p.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(2)), std::future_status::ready);
  EXPECT_EQ(f.get().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(router_->in_flight(), 0);
}

struct StreamResult {
  absl::Status status;
  v1::DispatchInfo info;
  std::vector<std::string> events;
};

StreamResult Stream(Router& router, const v1::RouteChatRequest& req) {
  auto result = std::make_shared<StreamResult>();
  std::promise<void> done;
  router.StreamChat(req, {},
                    {.on_start = [result](v1::DispatchInfo i) {
                       result->events.push_back("start:" + i.deployment_id());
                     },
                     .on_chunk = [result](common::v1::ChatCompletionChunk c) {
                       result->events.push_back(c.has_usage() ? "usage" : c.choices(0).delta().text());
                     },
                     .on_done = [result, &done](absl::Status s, v1::DispatchInfo i) {
                       result->status = s;
                       result->info = i;
                       done.set_value();
                     }});
  done.get_future().wait();
  return *result;
}

TEST_F(DispatchTest, StreamRetriesBeforeTheFirstChunkButNeverAfter) {
  Start(kTwoInAGroup);
  provider_.Set("a", {.failures = {Upstream(503)}});
  auto ok = Stream(*router_, Request("g"));
  ASSERT_TRUE(ok.status.ok()) << ok.status;
  EXPECT_THAT(ok.events, ::testing::ElementsAre("start:b", "w0", "w1", "w2", "usage"));
  EXPECT_EQ(ok.info.retries(), 1);
  EXPECT_EQ(ok.info.usage().total_tokens(), 13);

  provider_.Set("b", {.fail_mid_stream = Upstream(502)});
  auto broken = Stream(*router_, Request("g"));
  EXPECT_EQ(broken.status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(broken.events, ::testing::ElementsAre("start:b", "w0"));
  EXPECT_EQ(provider_.Calls("b"), 2);  // one per stream: the broken one was not retried
}

}  // namespace
}  // namespace llmgw::router
