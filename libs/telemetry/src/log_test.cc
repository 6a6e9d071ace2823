#include "llmgw/telemetry/log.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace llmgw::log {
namespace {

using ::testing::HasSubstr;

TEST(LogTest, WritesOneJsonObjectPerLineWithEscapedFields) {
  std::string sink;
  SetSinkForTesting(&sink);
  Info("request done", {{"request_id", "abc"}, {"status", 200}, {"note", "a \"quoted\"\nline"}});
  SetSinkForTesting(nullptr);
  EXPECT_THAT(sink, HasSubstr(R"("level":"info","msg":"request done","request_id":"abc",)"
                              R"("status":200,"note":"a \"quoted\"\nline"})"));
  EXPECT_EQ(sink.back(), '\n');
  EXPECT_EQ(std::count(sink.begin(), sink.end(), '\n'), 1);
}

TEST(LogTest, LevelFiltersLines) {
  std::string sink;
  SetSinkForTesting(&sink);
  SetLevel(Level::kWarn);
  Info("dropped");
  Warn("kept");
  SetLevel(Level::kInfo);
  SetSinkForTesting(nullptr);
  EXPECT_THAT(sink, Not(HasSubstr("dropped")));
  EXPECT_THAT(sink, HasSubstr("kept"));
}

}  // namespace
}  // namespace llmgw::log
