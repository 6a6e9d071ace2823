// Virtual keys end to end through the REST edge and keymgr's gRPC API, on SQLite and on
// the real PostgreSQL: admission, model access, rate limits, revocation, RBAC.
#include <grpcpp/create_channel.h>

#include <boost/json.hpp>
#include <future>

#include "gmock/gmock.h"
#include "libs/storage/testing/test_database.h"
#include "llmgw/common/crypto.h"
#include "llmgw/json/proto_json.h"
#include "llmgw/keymgr/v1/keymgr.grpc.pb.h"
#include "llmgw/testing/wait.h"
#include "suite_fixture.h"

namespace llmgw::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using storage::testing::Backend;

constexpr char kModels[] = R"(
  - model_name: fake-gpt
    litellm_params: {model: openai/fake-upstream, api_base: "$FAKE", api_key: os.environ/KEY}
  - model_name: other-gpt
    litellm_params: {model: openai/other, api_base: "$FAKE", api_key: os.environ/KEY}
    model_info: {access_groups: [beta]}
  - model_name: slow-gpt
    litellm_params: {model: openai/slow, api_base: "$FAKE", api_key: os.environ/KEY,
                     extra_headers: {x-fake-chunk-delay-ms: "150", x-fake-text: "a b c d e f g h"}}
)";

std::string Chat(const std::string& model, bool stream = false) {
  return R"({"model":")" + model + R"(","messages":[{"role":"user","content":"hi"}])" +
         (stream ? R"(,"stream":true})" : "}");
}

boost::json::object Json(const HttpResult& r) {
  boost::json::object o;
  EXPECT_TRUE(json::ParseObject(r.body, o).ok()) << r.body;
  return o;
}

std::string Str(const boost::json::object& o, const char* field) {
  auto it = o.find(field);
  return it != o.end() && it->value().is_string() ? std::string(it->value().as_string()) : "";
}

std::string ErrorCode(const HttpResult& r) {
  auto o = Json(r);
  if (!o.contains("error")) return "";
  return Str(o.at("error").as_object(), "code");
}

class KeysTest : public BackendSuiteTest {
 protected:
  void SetUp() override { StartOn(kModels); }

  std::string NewUser(const std::string& id) {
    auto r = Post("/user/new", R"({"user_id":")" + id + R"(","user_role":"internal_user"})");
    EXPECT_EQ(r.status, 200) << r.body;
    return Str(Json(r), "key");
  }
};

TEST_P(KeysTest, AGeneratedKeyWorksAndABlockedOneIs401WithinASecond) {
  auto gen = Json(Post("/key/generate", R"({"key_alias":"ci","metadata":{"department":"search","cost_center":"42"}})"));
  std::string key = Str(gen, "key");
  EXPECT_THAT(key, ::testing::StartsWith("sk-"));
  EXPECT_EQ(Str(gen, "key_name"), "sk-..." + key.substr(key.size() - 4));
  EXPECT_EQ(Str(gen.at("metadata").as_object(), "cost_center"), "42");
  EXPECT_EQ(Post("/v1/chat/completions", Chat("fake-gpt"), key).status, 200);
  ASSERT_EQ(Post("/key/block", R"({"key":")" + key + R"("})").status, 200);
  auto blocked_at = std::chrono::steady_clock::now();
  HttpResult last;
  ASSERT_TRUE(WaitFor([&] { return (last = Post("/v1/chat/completions", Chat("fake-gpt"), key)).status == 401; },
                      std::chrono::seconds(1)));
  EXPECT_LT(std::chrono::steady_clock::now() - blocked_at, std::chrono::seconds(1));
  EXPECT_EQ(ErrorCode(last), "key_blocked");
  ASSERT_EQ(Post("/key/unblock", R"({"key":")" + key + R"("})").status, 200);
  EXPECT_TRUE(WaitFor([&] { return Post("/v1/chat/completions", Chat("fake-gpt"), key).status == 200; },
                      std::chrono::seconds(1)));
}

TEST_P(KeysTest, AnExpiredKeyIs401) {
  std::string key = NewKey(R"({"duration":"1s"})");
  EXPECT_EQ(Get("/v1/models", key).status, 200);
  HttpResult last;
  ASSERT_TRUE(WaitFor([&] { return (last = Get("/v1/models", key)).status == 401; }, std::chrono::seconds(3)));
  EXPECT_EQ(ErrorCode(last), "expired_key");
  EXPECT_THAT(last.body, HasSubstr("expired at"));
}

TEST_P(KeysTest, AModelOutsideTheKeysListIs403NamingTheModel) {
  std::string key = NewKey(R"({"models":["fake-gpt"]})");
  EXPECT_EQ(Post("/v1/chat/completions", Chat("fake-gpt"), key).status, 200);
  auto denied = Post("/v1/chat/completions", Chat("other-gpt"), key);
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(ErrorCode(denied), "model_not_allowed");
  EXPECT_EQ(Str(Json(denied).at("error").as_object(), "param"), "model");
  EXPECT_THAT(denied.body, HasSubstr("'other-gpt'"));
  // Access groups expand; /v1/models lists only what the key may use.
  std::string beta = NewKey(R"({"models":["beta"]})");
  EXPECT_EQ(Post("/v1/chat/completions", Chat("other-gpt"), beta).status, 200);
  EXPECT_EQ(Post("/v1/chat/completions", Chat("fake-gpt"), beta).status, 403);
  auto models = Get("/v1/models", beta);
  EXPECT_THAT(models.body, HasSubstr("other-gpt"));
  EXPECT_THAT(models.body, Not(HasSubstr("fake-gpt")));
}

TEST_P(KeysTest, RpmLimitFiveRefusesTheSixthRequestInTheMinuteWithRetryAfter) {
  // Fixed one-minute windows: start away from a minute boundary so all six share one.
  ASSERT_TRUE(WaitFor([] {
    auto s = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
    return s.count() % 60 < 55;
  }));
  std::string key = NewKey(R"({"rpm_limit":5})");
  for (int i = 0; i < 5; ++i) {
    auto r = Post("/v1/chat/completions", Chat("fake-gpt"), key);
    ASSERT_EQ(r.status, 200) << i << r.body;
    EXPECT_EQ(http::FindHeader(r.headers, "x-ratelimit-limit-requests"), "5");
    EXPECT_EQ(http::FindHeader(r.headers, "x-ratelimit-remaining-requests"), std::to_string(4 - i));
  }
  auto sixth = Post("/v1/chat/completions", Chat("fake-gpt"), key);
  EXPECT_EQ(sixth.status, 429);
  EXPECT_EQ(ErrorCode(sixth), "rate_limit_exceeded");
  int retry = std::stoi(std::string(http::FindHeader(sixth.headers, "retry-after")));
  EXPECT_GE(retry, 1);
  EXPECT_LE(retry, 60);
  EXPECT_THAT(sixth.body, HasSubstr("rpm_limit is 5"));
  EXPECT_EQ(http::FindHeader(sixth.headers, "x-ratelimit-limit-requests"), "5");
  EXPECT_EQ(http::FindHeader(sixth.headers, "x-ratelimit-remaining-requests"), "0");
  EXPECT_EQ(http::FindHeader(sixth.headers, "x-ratelimit-reset-requests"), std::to_string(retry) + "s");
}

TEST_P(KeysTest, MaxParallelTwoRefusesAThirdStreamUntilOneFinishes) {
  std::string key = NewKey(R"({"max_parallel_requests":2})");
  struct Stream {
    std::promise<int> head;
    std::promise<void> done;
  };
  std::vector<std::unique_ptr<Stream>> streams;
  for (int i = 0; i < 2; ++i) {
    auto s = std::make_unique<Stream>();
    http::ClientRequest req{.url = Url("/v1/chat/completions"), .body = Chat("slow-gpt", true)};
    req.headers = {{"Authorization", "Bearer " + key}, {"Content-Type", "application/json"}};
    auto* raw = s.get();
    client_->Start(std::move(req), {.on_head = [raw](int status, const http::HeaderList&) { raw->head.set_value(status); },
                                    .on_data = [](std::string_view) {},
                                    .on_done = [raw](absl::Status) { raw->done.set_value(); }});
    streams.push_back(std::move(s));
  }
  for (auto& s : streams) ASSERT_EQ(s->head.get_future().get(), 200);
  auto third = Post("/v1/chat/completions", Chat("slow-gpt", true), key);
  EXPECT_EQ(third.status, 429);
  EXPECT_THAT(third.body, HasSubstr("max_parallel_requests is 2"));
  EXPECT_EQ(http::FindHeader(third.headers, "retry-after"), "1");
  EXPECT_EQ(http::FindHeader(third.headers, "x-ratelimit-limit-parallel-requests"), "2");
  EXPECT_EQ(http::FindHeader(third.headers, "x-ratelimit-remaining-parallel-requests"), "0");
  streams[0]->done.get_future().wait();
  EXPECT_TRUE(WaitFor([&] { return Post("/v1/chat/completions", Chat("fake-gpt"), key).status == 200; },
                      std::chrono::seconds(2)));
  streams[1]->done.get_future().wait();
}

TEST_P(KeysTest, AllowedRoutesLimitWhatAKeyMayCall) {
  std::string models_only = NewKey(R"({"allowed_routes":["/v1/models"]})");
  EXPECT_EQ(Get("/v1/models", models_only).status, 200);
  auto chat = Post("/v1/chat/completions", Chat("fake-gpt"), models_only);
  EXPECT_EQ(chat.status, 403);
  EXPECT_EQ(ErrorCode(chat), "forbidden");
  EXPECT_THAT(chat.body, HasSubstr("allowed_routes"));
  // A user's key restricted to LLM routes may not use the admin API, whatever its role.
  std::string bob = NewUser("bob");
  std::string llm_only = NewKey(R"({"user_id":"bob","allowed_routes":["llm_api_routes"]})");
  EXPECT_EQ(Post("/v1/chat/completions", Chat("fake-gpt"), llm_only).status, 200);
  EXPECT_EQ(Post("/key/generate", "{}", llm_only).status, 403);
  EXPECT_EQ(Post("/key/generate", "{}", bob).status, 200);
}

TEST_P(KeysTest, KeysUsersAndTeamsSurviveARestart) {
  std::string key = NewKey(R"({"models":["fake-gpt"],"rpm_limit":100})");
  RestartSuite(kModels, general_);
  EXPECT_EQ(Post("/v1/chat/completions", Chat("fake-gpt"), key).status, 200);
  EXPECT_EQ(Post("/v1/chat/completions", Chat("other-gpt"), key).status, 403);
}

TEST_P(KeysTest, TenantsAreIsolated) {
  std::string alice = NewUser("alice");
  std::string bob = NewUser("bob");
  ASSERT_EQ(Post("/team/new", R"({"team_id":"search","members_with_roles":[{"user_id":"alice","role":"admin"}],"max_budget":100})").status, 200);
  ASSERT_EQ(Post("/team/new", R"({"team_id":"ads"})").status, 200);
  std::string bobs = NewKey(R"({"key_alias":"bob-own"})", bob);
  // An internal_user cannot read another user's key ...
  auto peek = Get("/key/info?key=" + bobs, alice);
  EXPECT_EQ(peek.status, 404);
  EXPECT_THAT(peek.body, Not(HasSubstr(bobs)));
  EXPECT_EQ(Get("/key/info?key=" + bobs, bob).status, 200);
  // ... cannot create a team ...
  auto team = Post("/team/new", R"({"team_id":"bobs-team"})", bob);
  EXPECT_EQ(team.status, 403);
  EXPECT_EQ(ErrorCode(team), "forbidden");
  // ... cannot raise their own budget.
  EXPECT_EQ(Post("/user/update", R"({"user_id":"bob","max_budget":1000})", bob).status, 403);
  EXPECT_EQ(Post("/user/update", R"({"user_id":"bob","user_alias":"Bob"})", bob).status, 200);
  // A team admin cannot touch another team, nor raise their own team's budget.
  EXPECT_EQ(Post("/team/member_add", R"({"team_id":"ads","member":{"user_id":"alice","role":"admin"}})", alice).status, 404);
  EXPECT_EQ(Post("/team/update", R"({"team_id":"ads","team_alias":"mine"})", alice).status, 404);
  EXPECT_EQ(Post("/team/update", R"({"team_id":"search","max_budget":1000})", alice).status, 403);
  EXPECT_EQ(Post("/team/member_add", R"({"team_id":"search","member":[{"user_id":"bob"}]})", alice).status, 200);
  auto info = Json(Get("/team/info?team_id=search", bob));
  EXPECT_EQ(info.at("team_info").as_object().at("members_with_roles").as_array().size(), 2u);
  // Lists are scoped too.
  EXPECT_EQ(Get("/user/list", bob).status, 403);
  auto keys = Json(Get("/key/list", alice));
  for (const auto& k : keys.at("keys").as_array()) EXPECT_NE(std::string(k.as_string()), Sha256Hex(bobs));
}

TEST_P(KeysTest, TheAdminApiIsAlsoGrpcAuthorizedByTheSameKeys) {
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(suite_->grpc_port()), grpc::InsecureChannelCredentials());
  auto stub = keymgr::v1::KeyManager::NewStub(channel);
  auto call = [&](const std::string& key, auto method, const auto& req, auto* resp) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    if (!key.empty()) ctx.AddMetadata("authorization", "Bearer " + key);
    return ((*stub).*method)(&ctx, req, resp);
  };
  keymgr::v1::GenerateKeyRequest gen;
  gen.mutable_key()->set_key_alias("from-grpc");
  gen.mutable_key()->add_models("fake-gpt");
  keymgr::v1::GenerateKeyResponse out;
  ASSERT_TRUE(call(kMasterKey, &keymgr::v1::KeyManager::Stub::GenerateKey, gen, &out).ok());
  EXPECT_EQ(Post("/v1/chat/completions", Chat("fake-gpt"), out.key()).status, 200);
  EXPECT_EQ(call("", &keymgr::v1::KeyManager::Stub::GenerateKey, gen, &out).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  std::string bob = NewUser("bob");
  keymgr::v1::CreateTeamRequest team;
  team.mutable_team()->set_team_id("t");
  keymgr::v1::Team created;
  EXPECT_EQ(call(bob, &keymgr::v1::KeyManager::Stub::CreateTeam, team, &created).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_P(KeysTest, BadAdminInputIsA400AndChangesNothing) {
  auto before = Json(Get("/key/list")).at("total_count").as_int64();
  for (const char* body : {R"({"rpm_limit":"five"})", R"({"models":"fake-gpt"})", R"({"rpm_limt":5})", "{not json",
                           R"({"duration":"10 years"})", R"({"models":["no-such-model"]})", R"({"rpm_limit":-1})",
                           R"({"max_budget":-5})", "[1,2]"}) {
    auto r = Post("/key/generate", body);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
    EXPECT_EQ(ErrorCode(r), "invalid_request") << body;
  }
  EXPECT_EQ(Str(Json(Post("/key/generate", R"({"rpm_limit":"five"})")).at("error").as_object(), "param"), "rpm_limit");
  auto unsupported = Post("/key/generate", R"({"permissions":{"get_spend_routes":true}})");
  EXPECT_EQ(unsupported.status, 400);
  EXPECT_THAT(unsupported.body, HasSubstr("permissions: a LiteLLM field llmgw does not support yet"));
  EXPECT_EQ(Json(Get("/key/list")).at("total_count").as_int64(), before);
  EXPECT_EQ(Get("/key/generate").status, 405);
  EXPECT_EQ(Post("/key/update", R"({"key":"sk-nope-0000000000000000","key_alias":"x"})").status, 404);
}

TEST_P(KeysTest, TheKeyItselfNeverAppearsInAnErrorBody) {
  const std::string canary = "sk-canary-7f3a9c1e5b2d4f6a8c0e";
  ASSERT_EQ(Post("/key/generate", R"({"key":")" + canary + R"(","models":["fake-gpt"],"rpm_limit":1})").status, 200);
  std::vector<HttpResult> errors = {
      Post("/v1/chat/completions", Chat("other-gpt"), canary),
      Post("/v1/chat/completions", Chat("fake-gpt"), canary),
      Post("/v1/chat/completions", Chat("fake-gpt"), canary),  // rate limited
      Post("/key/generate", R"({"key":")" + canary + R"("})"),  // exists
      Get("/key/info?key=" + canary + "x"),
      Post("/team/new", R"({"team_id":"x"})", canary),
  };
  ASSERT_TRUE(Post("/key/block", R"({"key":")" + canary + R"("})").status == 200);
  errors.push_back(Post("/v1/chat/completions", Chat("fake-gpt"), canary));
  int failures = 0;
  for (const auto& e : errors) {
    if (e.status >= 400) ++failures;
    EXPECT_THAT(e.body, Not(HasSubstr(canary.substr(3))));
  }
  EXPECT_GE(failures, 6);
}

INSTANTIATE_TEST_SUITE_P(Backends, KeysTest, ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& info) { return storage::testing::BackendName(info.param); });

}  // namespace
}  // namespace llmgw::testing
