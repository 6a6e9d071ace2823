#include "llmgw/rpc/status.h"

#include "gtest/gtest.h"
#include "llmgw/common/error.h"

namespace llmgw::rpc {
namespace {

TEST(StatusTest, CodeMessageAndDetailSurviveTheRoundTrip) {
  absl::Status original =
      MakeError(absl::StatusCode::kResourceExhausted, common::v1::ERROR_KIND_UPSTREAM_RATE_LIMITED,
                "slow down", {.retry_after = std::chrono::milliseconds(2000), .upstream_status = 429});
  grpc::Status wire = ToGrpcStatus(original);
  EXPECT_EQ(wire.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(wire.error_message(), "slow down");
  EXPECT_FALSE(wire.error_details().empty());
  absl::Status back = FromGrpcStatus(wire);
  EXPECT_EQ(back.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(back.message(), "slow down");
  auto detail = GetErrorDetail(back);
  EXPECT_EQ(detail.kind(), common::v1::ERROR_KIND_UPSTREAM_RATE_LIMITED);
  EXPECT_EQ(detail.retry_after().seconds(), 2);
  EXPECT_EQ(detail.upstream_status(), 429);
}

TEST(StatusTest, PlainStatusesMapCodeForCode) {
  for (int c = 1; c <= 16; ++c) {
    absl::Status s(static_cast<absl::StatusCode>(c), "x");
    EXPECT_EQ(static_cast<int>(ToGrpcStatus(s).error_code()), c);
    EXPECT_EQ(FromGrpcStatus(ToGrpcStatus(s)).code(), s.code());
  }
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok());
}

}  // namespace
}  // namespace llmgw::rpc
