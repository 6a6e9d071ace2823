#include "services/gateway/error_table.h"

#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "llmgw/common/error.h"

namespace llmgw::gateway {
namespace {

using ::testing::HasSubstr;

TEST(ErrorTableTest, KindsDecideTheStatusAndTheBodyIsOpenAIShaped) {
  auto s = MakeError(absl::StatusCode::kNotFound, common::v1::ERROR_KIND_MODEL_NOT_FOUND,
                     "model 'x' is not served", {.param = "model"});
  http::Response r = ErrorResponse(s);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body,
            R"({"error":{"message":"model 'x' is not served","type":"invalid_request_error","param":"model","code":"model_not_found"}})");
  EXPECT_EQ(ErrorResponse(MakeError(absl::StatusCode::kUnavailable,
                                    common::v1::ERROR_KIND_UPSTREAM_ERROR, "boom"))
                .status,
            502);
  EXPECT_EQ(ErrorResponse(MakeError(absl::StatusCode::kDeadlineExceeded,
                                    common::v1::ERROR_KIND_UPSTREAM_TIMEOUT, "slow"))
                .status,
            504);
}

TEST(ErrorTableTest, RetryAfterIsSentInWholeSeconds) {
  auto s = MakeError(absl::StatusCode::kResourceExhausted,
                     common::v1::ERROR_KIND_UPSTREAM_RATE_LIMITED, "slow down",
                     {.retry_after = std::chrono::milliseconds(1500)});
  http::Response r = ErrorResponse(s);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(http::FindHeader(r.headers, "retry-after"), "2");
}

TEST(ErrorTableTest, PlainCodesFallBackToTheGrpcGatewayMapping) {
  EXPECT_EQ(RowFor(absl::UnavailableError("keymgr down")).status, 503);
  EXPECT_EQ(RowFor(absl::UnauthenticatedError("x")).status, 401);
  EXPECT_EQ(RowFor(absl::DeadlineExceededError("x")).status, 504);
  EXPECT_EQ(RowFor(absl::InternalError("x")).status, 500);
  EXPECT_EQ(RowFor(absl::DataLossError("x")).status, 500);
}

TEST(ErrorTableTest, MessagesAreJsonEscaped) {
  EXPECT_THAT(ErrorJson(absl::InvalidArgumentError("bad \"quote\"\n")), HasSubstr(R"(bad \"quote\"\n)"));
}

// docs/errors.md has one row per error: | status | `type` | `code` | when | what to do |.
TEST(ErrorTableTest, DocumentListsEveryRowAndNothingElse) {
  std::ifstream in(std::string(LLMGW_SOURCE_DIR) + "/docs/errors.md");
  ASSERT_TRUE(in) << "docs/errors.md is missing";
  std::set<std::tuple<int, std::string, std::string>> doc;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cells = absl::StrSplit(line, '|');
    if (cells.size() < 6) continue;
    std::string status(absl::StripAsciiWhitespace(cells[1]));
    if (status.empty() || !std::isdigit(static_cast<unsigned char>(status[0]))) continue;
    auto unquote = [](std::string s) {
      s = std::string(absl::StripAsciiWhitespace(s));
      if (s.size() >= 2 && s.front() == '`' && s.back() == '`') s = s.substr(1, s.size() - 2);
      return s;
    };
    doc.insert({std::stoi(status), unquote(cells[2]), unquote(cells[3])});
  }
  std::set<std::tuple<int, std::string, std::string>> table;
  for (const auto& row : AllErrorRows()) table.insert({row.status, row.type, row.code});
  for (const auto& t : table) {
    EXPECT_TRUE(doc.count(t)) << "docs/errors.md lacks | " << std::get<0>(t) << " | `"
                              << std::get<1>(t) << "` | `" << std::get<2>(t) << "` |";
  }
  for (const auto& t : doc) {
    EXPECT_TRUE(table.count(t)) << "docs/errors.md documents an error llmgw never sends: "
                                << std::get<0>(t) << " " << std::get<2>(t);
  }
}

}  // namespace
}  // namespace llmgw::gateway
