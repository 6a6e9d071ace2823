#include "llmgw/common/ids.h"

#include <set>

#include "gtest/gtest.h"

namespace llmgw {
namespace {

TEST(IdsTest, RequestIdsAreUniqueHex) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewRequestId();
    ASSERT_EQ(id.size(), 32u);
    ASSERT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
    ASSERT_TRUE(seen.insert(id).second);
  }
}

TEST(IdsTest, ValidatesClientSuppliedIds) {
  EXPECT_TRUE(IsValidRequestId("req-123_abc.def:9"));
  EXPECT_FALSE(IsValidRequestId(""));
  EXPECT_FALSE(IsValidRequestId("has space"));
  EXPECT_FALSE(IsValidRequestId("new\nline"));
  EXPECT_FALSE(IsValidRequestId(std::string(129, 'a')));
}

}  // namespace
}  // namespace llmgw
