#include "llmgw/providers/upstream_errors.h"

#include "gtest/gtest.h"
#include "llmgw/common/error.h"

namespace llmgw::providers {
namespace {

TEST(UpstreamErrorsTest, RateLimitKeepsRetryAfter) {
  auto s = UpstreamHttpError(429, R"({"error":{"message":"slow down","code":"rate_limit_exceeded"}})",
                             {{"retry-after", "3"}}, "d1");
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  auto d = GetErrorDetail(s);
  EXPECT_EQ(d.kind(), common::v1::ERROR_KIND_UPSTREAM_RATE_LIMITED);
  EXPECT_EQ(d.retry_after().seconds(), 3);
  EXPECT_EQ(d.upstream_code(), "rate_limit_exceeded");
  EXPECT_EQ(GetErrorDetail(UpstreamHttpError(429, "", {{"retry-after-ms", "250"}}, "d"))
                .retry_after()
                .nanos(),
            250'000'000);
}

TEST(UpstreamErrorsTest, ClientMistakesPassThroughAndTheRestIsAnUpstreamError) {
  auto bad = UpstreamHttpError(400, R"({"error":{"message":"context too long","param":"messages"}})", {}, "d");
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GetErrorDetail(bad).param(), "messages");
  EXPECT_NE(std::string(bad.message()).find("context too long"), std::string::npos);
  auto auth = UpstreamHttpError(401, "{}", {}, "d");
  EXPECT_EQ(GetErrorDetail(auth).kind(), common::v1::ERROR_KIND_UPSTREAM_ERROR);
  EXPECT_NE(std::string(auth.message()).find("credentials"), std::string::npos);
  EXPECT_EQ(GetErrorDetail(UpstreamHttpError(503, "oops", {}, "d")).kind(),
            common::v1::ERROR_KIND_UPSTREAM_ERROR);
}

TEST(UpstreamErrorsTest, OverloadedKeepsRetryAfter) {
  auto s = UpstreamHttpError(529, R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})",
                             {{"retry-after", "7"}}, "claude-1");
  auto d = GetErrorDetail(s);
  EXPECT_EQ(d.kind(), common::v1::ERROR_KIND_UPSTREAM_ERROR);
  EXPECT_EQ(d.upstream_status(), 529);
  EXPECT_EQ(d.retry_after().seconds(), 7);
  EXPECT_NE(std::string(s.message()).find("(overloaded): Overloaded"), std::string::npos) << s;
  EXPECT_FALSE(GetErrorDetail(UpstreamHttpError(503, "", {}, "d")).has_retry_after());
}

TEST(UpstreamErrorsTest, TransportFailures) {
  EXPECT_EQ(GetErrorDetail(UpstreamTransportError(absl::DeadlineExceededError("t"), "d")).kind(),
            common::v1::ERROR_KIND_UPSTREAM_TIMEOUT);
  EXPECT_EQ(GetErrorDetail(UpstreamTransportError(absl::UnavailableError("r"), "d")).kind(),
            common::v1::ERROR_KIND_UPSTREAM_ERROR);
  EXPECT_EQ(UpstreamTransportError(absl::CancelledError("c"), "d").code(), absl::StatusCode::kCancelled);
}

}  // namespace
}  // namespace llmgw::providers
