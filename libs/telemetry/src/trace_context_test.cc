#include "llmgw/telemetry/trace_context.h"

#include "gtest/gtest.h"

namespace llmgw::telemetry {
namespace {

constexpr char kValid[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(TraceContextTest, ParsesAValidHeader) {
  auto c = ParseTraceparent(kValid);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(c->span_id, "00f067aa0ba902b7");
  EXPECT_EQ(c->flags, 1);
  EXPECT_EQ(c->ToTraceparent(), kValid);
}

TEST(TraceContextTest, RejectsWhatTheSpecCallsInvalid) {
  EXPECT_FALSE(ParseTraceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01"));
  EXPECT_FALSE(ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"));
  EXPECT_FALSE(ParseTraceparent("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(ParseTraceparent("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"));
  EXPECT_FALSE(ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01."));
  EXPECT_FALSE(ParseTraceparent("garbage"));
}

TEST(TraceContextTest, FutureVersionsAreReadFromTheirFirst55Characters) {
  EXPECT_TRUE(ParseTraceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"));
  EXPECT_FALSE(ParseTraceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01.x"));
}

TEST(TraceContextTest, ContinueKeepsTheTraceAndStartDropsTracestate) {
  auto kept = ContinueOrStart(kValid, "vendor=1");
  EXPECT_EQ(kept.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(kept.tracestate, "vendor=1");
  auto child = kept.Child();
  EXPECT_EQ(child.trace_id, kept.trace_id);
  EXPECT_NE(child.span_id, kept.span_id);
  auto fresh = ContinueOrStart("bogus", "vendor=1");
  EXPECT_EQ(fresh.trace_id.size(), 32u);
  EXPECT_TRUE(fresh.tracestate.empty());
  EXPECT_TRUE(ParseTraceparent(fresh.ToTraceparent()).has_value());
}

TEST(TraceContextTest, TracestateIsPropagatedAsTheSpecSays) {
  EXPECT_EQ(SanitizeTracestate(" vendor=1 ,, rojo=00f067aa0ba902b7 "), "vendor=1,rojo=00f067aa0ba902b7");
  EXPECT_EQ(SanitizeTracestate("tenant@sys=x,a=1,a=2"), "tenant@sys=x,a=1");  // the first of a repeated key
  EXPECT_EQ(SanitizeTracestate("Upper=1"), "");      // keys are lowercase
  EXPECT_EQ(SanitizeTracestate("a=1,b"), "");        // a member without '='
  EXPECT_EQ(SanitizeTracestate("a=x=y"), "");        // '=' in a value
  std::string members;
  for (int i = 0; i < 32; ++i) members += (i ? "," : "") + std::string("k") + std::to_string(i) + "=v";
  EXPECT_EQ(SanitizeTracestate(members), members);  // 32 are kept
  EXPECT_EQ(SanitizeTracestate(members + ",k32=v"), "");  // 33: the whole header goes
  // Over 512 characters: the long member goes first, then members from the right.
  std::string long_member = "big=" + std::string(200, 'x');
  std::string many;
  for (int i = 0; i < 20; ++i) many += std::string(i ? "," : "") + "m" + std::to_string(i) + "=" + std::string(20, 'y');
  std::string out = SanitizeTracestate(many + "," + long_member);
  EXPECT_EQ(out.find("big="), std::string::npos);
  EXPECT_LE(out.size(), 512u);
  EXPECT_EQ(out.substr(0, 3), "m0=");
  EXPECT_EQ(ContinueOrStart(kValid, members + ",k32=v").tracestate, "");  // the traceparent stays valid
  EXPECT_EQ(ContinueOrStart(kValid, members + ",k32=v").trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
}

}  // namespace
}  // namespace llmgw::telemetry
