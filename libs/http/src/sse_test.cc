#include "llmgw/http/sse.h"

#include <vector>

#include "gtest/gtest.h"

namespace llmgw::http {
namespace {

std::vector<SseEvent> ParseAll(const std::vector<std::string>& pieces) {
  SseParser parser;
  std::vector<SseEvent> events;
  for (const auto& p : pieces) {
    EXPECT_TRUE(parser.Feed(p, [&](SseEvent& e) { events.push_back(e); }));
  }
  return events;
}

TEST(SseParserTest, AcceptsEveryLineEnding) {
  auto events = ParseAll({"data: a\n\ndata: b\r\n\r\ndata: c\r\r"});
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].data, "a");
  EXPECT_EQ(events[1].data, "b");
  EXPECT_EQ(events[2].data, "c");
}

TEST(SseParserTest, EventsSplitAcrossReadsAndCrlfSplitInTwo) {
  auto events = ParseAll({"da", "ta: {\"x\":", "1}\r", "\n", "\r\n", "data: [DONE]\n", "\n"});
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].data, "{\"x\":1}");
  EXPECT_EQ(events[1].data, "[DONE]");
}

TEST(SseParserTest, JoinsDataLinesSkipsCommentsKeepsEventNames) {
  auto events = ParseAll({": ping\n\nevent: message_start\ndata: one\ndata: two\nid: 7\nretry: 5\n\n"});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event, "message_start");
  EXPECT_EQ(events[0].data, "one\ntwo");
  EXPECT_EQ(events[0].id, "7");
}

TEST(SseParserTest, RefusesAnEventPastItsBound) {
  SseParser parser(16);
  EXPECT_FALSE(parser.Feed("data: " + std::string(64, 'x'), [](SseEvent&) {}));
}

TEST(SseParserTest, WriterFramesOneDataEvent) { EXPECT_EQ(SseData("{}"), "data: {}\n\n"); }

}  // namespace
}  // namespace llmgw::http
