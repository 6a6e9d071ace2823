#include "llmgw/json/proto_json.h"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "llmgw/keymgr/v1/keymgr.pb.h"
#include "llmgw/testing/status_matchers.h"

namespace llmgw::json {
namespace {

using ::llmgw::testing::IsOk;
using ::llmgw::testing::StatusIs;
using ::testing::ElementsAre;

boost::json::object Obj(std::string_view text) {
  boost::json::object o;
  EXPECT_THAT(ParseObject(text, o), IsOk());
  return o;
}

TEST(ProtoJsonTest, ReadsLiteLLMKeyFieldsWithMoneyInDollarsAndReportsWhatWasPresent) {
  keymgr::v1::Key key;
  std::vector<std::string> present;
  ASSERT_THAT(FromJson(Obj(R"({"key_alias":"ci","models":["gpt-4o","beta"],"rpm_limit":5,
      "max_budget":10.5,"metadata":{"department":"search","n":[1,true,null]},
      "model_max_budget":{"gpt-4o":{"budget_limit":0.25,"time_period":"1d"}},
      "model_rpm_limit":{"gpt-4o":3},"expires":"2026-12-31T00:00:00Z","blocked":false})"),
                       key, {}, &present),
              IsOk());
  EXPECT_EQ(key.key_alias(), "ci");
  EXPECT_THAT(key.models(), ElementsAre("gpt-4o", "beta"));
  EXPECT_TRUE(key.has_rpm_limit());
  EXPECT_EQ(key.rpm_limit(), 5);
  EXPECT_FALSE(key.has_tpm_limit());
  EXPECT_EQ(key.max_budget().micros(), 10'500'000);
  EXPECT_EQ(key.metadata().fields().at("department").string_value(), "search");
  EXPECT_EQ(key.model_max_budget().at("gpt-4o").budget_limit().micros(), 250'000);
  EXPECT_EQ(key.model_rpm_limit().at("gpt-4o"), 3);
  EXPECT_EQ(key.expires().seconds(), 1798675200);
  EXPECT_EQ(present.size(), 9u);
}

TEST(ProtoJsonTest, WritesEveryFieldWithNullsAndRoundTrips) {
  keymgr::v1::Key key;
  key.set_token("abc");
  key.set_rpm_limit(7);
  key.mutable_max_budget()->set_micros(1'250'000);
  (*key.mutable_aliases())["gpt-4"] = "gpt-4o";
  boost::json::object o = ToJson(key);
  EXPECT_EQ(o.at("token").as_string(), "abc");
  EXPECT_EQ(o.at("rpm_limit").as_int64(), 7);
  EXPECT_TRUE(o.at("tpm_limit").is_null());
  EXPECT_TRUE(o.at("user_id").is_null());
  EXPECT_DOUBLE_EQ(o.at("max_budget").as_double(), 1.25);
  key.mutable_max_budget()->set_micros(100'000'000);
  EXPECT_EQ(ToJson(key).at("max_budget").as_int64(), 100);  // whole dollars print as 100
  EXPECT_TRUE(o.at("soft_budget").is_null());
  EXPECT_TRUE(o.at("models").as_array().empty());
  EXPECT_EQ(o.at("aliases").as_object().at("gpt-4").as_string(), "gpt-4o");
  keymgr::v1::Key back;
  ASSERT_THAT(FromJsonText(ToJsonText(key), back), IsOk());
  EXPECT_EQ(back.SerializeAsString(), key.SerializeAsString());
}

TEST(ProtoJsonTest, EnumsAreLowercaseNamesWithoutTheirPrefix) {
  keymgr::v1::User u;
  ASSERT_THAT(FromJson(Obj(R"({"user_id":"u1","user_role":"internal_user_viewer"})"), u), IsOk());
  EXPECT_EQ(u.user_role(), common::v1::ROLE_INTERNAL_USER_VIEWER);
  EXPECT_EQ(ToJson(u).at("user_role").as_string(), "internal_user_viewer");
  keymgr::v1::Member m;
  ASSERT_THAT(FromJson(Obj(R"({"role":"admin"})"), m), IsOk());
  EXPECT_EQ(m.role(), keymgr::v1::TEAM_ROLE_ADMIN);
  EXPECT_THAT(FromJson(Obj(R"({"role":"owner"})"), m),
              StatusIs(absl::StatusCode::kInvalidArgument, "role: expected one of admin, user"));
}

TEST(ProtoJsonTest, BadInputNamesTheField) {
  keymgr::v1::Key key;
  EXPECT_THAT(FromJson(Obj(R"({"rpm_limt":5})"), key), StatusIs(absl::StatusCode::kInvalidArgument, "rpm_limt: unknown field"));
  EXPECT_THAT(FromJson(Obj(R"({"rpm_limit":"5"})"), key), StatusIs(absl::StatusCode::kInvalidArgument, "rpm_limit: expected a whole number"));
  EXPECT_THAT(FromJson(Obj(R"({"rpm_limit":1.5})"), key), StatusIs(absl::StatusCode::kInvalidArgument, "rpm_limit"));
  EXPECT_THAT(FromJson(Obj(R"({"models":["a",3]})"), key), StatusIs(absl::StatusCode::kInvalidArgument, "models[1]: expected a string"));
  EXPECT_THAT(FromJson(Obj(R"({"max_budget":-1})"), key), StatusIs(absl::StatusCode::kInvalidArgument, "max_budget"));
  EXPECT_THAT(FromJson(Obj(R"({"model_max_budget":{"m":{"budget_limit":"x"}}})"), key),
              StatusIs(absl::StatusCode::kInvalidArgument, "model_max_budget.m.budget_limit: expected a number"));
  EXPECT_THAT(FromJson(Obj(R"({"expires":"tomorrow"})"), key), StatusIs(absl::StatusCode::kInvalidArgument, "expires"));
  boost::json::object o;
  EXPECT_THAT(ParseObject("[1]", o), StatusIs(absl::StatusCode::kInvalidArgument, "must be a JSON object"));
  EXPECT_THAT(ParseObject("{\"a\":", o), StatusIs(absl::StatusCode::kInvalidArgument, "not valid JSON"));
  EXPECT_THAT(ParseObject(std::string(100, '[') + std::string(100, ']'), o), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ProtoJsonTest, QueryStringsMayCarryNumbersAndBoolsAsText) {
  keymgr::v1::ListKeysRequest r;
  ASSERT_THAT(FromJson(Obj(R"({"page":"2","size":"10","return_full_object":"true","user_id":"u"})"), r,
                       {.scalars_from_strings = true}),
              IsOk());
  EXPECT_EQ(r.page(), 2);
  EXPECT_EQ(r.size(), 10);
  EXPECT_TRUE(r.return_full_object());
}

TEST(ProtoJsonTest, NullClearsAndSkippedKeysAreLeftToTheCaller) {
  keymgr::v1::Key key;
  key.set_rpm_limit(5);
  std::vector<std::string> present;
  ASSERT_THAT(FromJson(Obj(R"({"rpm_limit":null,"key":"sk-x","duration":"30d"})"), key,
                       {.skip_keys = {"key", "duration"}}, &present),
              IsOk());
  EXPECT_FALSE(key.has_rpm_limit());
  EXPECT_THAT(present, ElementsAre("rpm_limit"));
}

}  // namespace
}  // namespace llmgw::json
