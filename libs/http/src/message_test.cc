#include "llmgw/http/message.h"

#include "gtest/gtest.h"

namespace llmgw::http {
namespace {

TEST(MessageTest, HeaderLookupIgnoresCase) {
  Request r;
  r.headers = {{"Content-Type", "application/json"}, {"authorization", "Bearer x"}};
  EXPECT_EQ(r.Header("content-type"), "application/json");
  EXPECT_EQ(r.Header("Authorization"), "Bearer x");
  EXPECT_EQ(r.Header("missing"), "");
}

TEST(MessageTest, QueryParamsArePercentDecoded) {
  Request r;
  r.query = "key=sk-a%2Bb&model=gpt+4o&empty=&bad=%zz";
  EXPECT_EQ(r.QueryParam("key"), "sk-a+b");
  EXPECT_EQ(r.QueryParam("model"), "gpt 4o");
  EXPECT_EQ(r.QueryParam("empty"), "");
  EXPECT_EQ(r.QueryParam("bad"), "%zz");
  EXPECT_EQ(r.QueryParam("absent"), "");
}

}  // namespace
}  // namespace llmgw::http
