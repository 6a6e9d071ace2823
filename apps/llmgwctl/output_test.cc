#include "apps/llmgwctl/output.h"

#include "gtest/gtest.h"

namespace llmgw::ctl {
namespace {

using std::chrono::milliseconds;

TEST(OutputTest, ParsesDurationsTheWayOperatorsWriteThem) {
  EXPECT_EQ(ParseDuration("30s"), milliseconds(30'000));
  EXPECT_EQ(ParseDuration("500ms"), milliseconds(500));
  EXPECT_EQ(ParseDuration("5ms"), milliseconds(5));
  EXPECT_EQ(ParseDuration("2m"), milliseconds(120'000));
  EXPECT_EQ(ParseDuration("1h"), milliseconds(3'600'000));
  EXPECT_EQ(ParseDuration("1.5s"), milliseconds(1'500));
  EXPECT_EQ(ParseDuration("45"), milliseconds(45'000));
  EXPECT_EQ(ParseDuration("0"), milliseconds(0));
  EXPECT_FALSE(ParseDuration("soon"));
  EXPECT_FALSE(ParseDuration("-3s"));
  EXPECT_FALSE(ParseDuration(""));
  EXPECT_FALSE(ParseDuration("s"));
}

TEST(OutputTest, FormatsDurationsShortly) {
  EXPECT_EQ(FormatDuration(milliseconds(850)), "850ms");
  EXPECT_EQ(FormatDuration(milliseconds(12'340)), "12.3s");
  EXPECT_EQ(FormatDuration(milliseconds(95'000)), "1m35s");
  EXPECT_EQ(FormatDuration(milliseconds(7'260'000)), "2h1m");
  EXPECT_EQ(FormatDuration(std::chrono::hours(24 * 30)), "30d0h");
}

TEST(OutputTest, TableAlignsColumns) {
  Table t({"ID", "STATE"});
  t.Add({"primary-east", "COOLDOWN"});
  t.Add({"b", "HEALTHY"});
  EXPECT_EQ(t.Render(),
            "ID            STATE\n"
            "primary-east  COOLDOWN\n"
            "b             HEALTHY\n");
}

}  // namespace
}  // namespace llmgw::ctl
