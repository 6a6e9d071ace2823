#include "llmgw/common/error.h"

#include "gtest/gtest.h"

namespace llmgw {
namespace {

TEST(ErrorTest, KindAndDetailsSurviveOnTheStatus) {
  absl::Status s = MakeError(absl::StatusCode::kNotFound, common::v1::ERROR_KIND_MODEL_NOT_FOUND,
                             "no model group 'x'",
                             {.param = "model", .retry_after = std::chrono::milliseconds(1500)});
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "no model group 'x'");
  auto detail = GetErrorDetail(s);
  EXPECT_EQ(detail.kind(), common::v1::ERROR_KIND_MODEL_NOT_FOUND);
  EXPECT_EQ(detail.param(), "model");
  EXPECT_EQ(detail.retry_after().seconds(), 1);
  EXPECT_EQ(detail.retry_after().nanos(), 500'000'000);
}

TEST(ErrorTest, PlainStatusHasUnspecifiedKind) {
  EXPECT_EQ(GetErrorDetail(absl::InternalError("boom")).kind(),
            common::v1::ERROR_KIND_UNSPECIFIED);
}

}  // namespace
}  // namespace llmgw
