#include "llmgw/common/routes.h"

#include "gtest/gtest.h"

namespace llmgw {
namespace {

google::protobuf::RepeatedPtrField<std::string> List(std::initializer_list<const char*> v) {
  google::protobuf::RepeatedPtrField<std::string> out;
  for (const char* s : v) out.Add(s);
  return out;
}

TEST(RouteAllowedTest, EmptyMeansTheRoleDecides) { EXPECT_TRUE(RouteAllowed(List({}), "/key/generate")); }

TEST(RouteAllowedTest, ExactPathsIgnoreTheV1Prefix) {
  auto l = List({"/chat/completions"});
  EXPECT_TRUE(RouteAllowed(l, "/v1/chat/completions"));
  EXPECT_TRUE(RouteAllowed(l, "/chat/completions"));
  EXPECT_FALSE(RouteAllowed(l, "/v1/models"));
  EXPECT_FALSE(RouteAllowed(l, "/key/generate"));
}

TEST(RouteAllowedTest, GroupsAndPrefixes) {
  EXPECT_TRUE(RouteAllowed(List({"llm_api_routes"}), "/v1/models"));
  EXPECT_TRUE(RouteAllowed(List({"llm_api_routes"}), "/openai/deployments/gpt-4o/chat/completions"));
  EXPECT_FALSE(RouteAllowed(List({"llm_api_routes"}), "/key/generate"));
  EXPECT_TRUE(RouteAllowed(List({"management_routes"}), "/team/new"));
  EXPECT_TRUE(RouteAllowed(List({"info_routes"}), "/key/info"));
  EXPECT_FALSE(RouteAllowed(List({"info_routes"}), "/key/update"));
  EXPECT_TRUE(RouteAllowed(List({"/key/*"}), "/key/list"));
  EXPECT_FALSE(RouteAllowed(List({"/key/*"}), "/user/list"));
}

}  // namespace
}  // namespace llmgw
