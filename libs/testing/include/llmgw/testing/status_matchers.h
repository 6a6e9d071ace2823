// gMock matchers for absl::Status and absl::StatusOr, named like Abseil's newer ones.
#pragma once

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"

namespace llmgw::testing {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& s = GetStatus(arg);
  if (!s.ok()) *result_listener << "status is " << s;
  return s.ok();
}

MATCHER_P2(StatusIs, code, substr,
           "has code " + absl::StatusCodeToString(code) + " and a message containing \"" +
               std::string(substr) + "\"") {
  const absl::Status& s = GetStatus(arg);
  *result_listener << "status is " << s;
  return s.code() == code && s.message().find(substr) != absl::string_view::npos;
}

MATCHER_P(StatusIs, code, "has code " + absl::StatusCodeToString(code)) {
  const absl::Status& s = GetStatus(arg);
  *result_listener << "status is " << s;
  return s.code() == code;
}

}  // namespace llmgw::testing

#define LLMGW_ASSERT_OK_AND_ASSIGN(lhs, expr)                                    \
  LLMGW_ASSERT_OK_AND_ASSIGN_IMPL_(LLMGW_TEST_CONCAT_(statusor_, __LINE__), lhs, expr)
#define LLMGW_TEST_CONCAT_INNER_(a, b) a##b
#define LLMGW_TEST_CONCAT_(a, b) LLMGW_TEST_CONCAT_INNER_(a, b)
#define LLMGW_ASSERT_OK_AND_ASSIGN_IMPL_(so, lhs, expr) \
  auto so = (expr);                                     \
  ASSERT_TRUE(so.ok()) << so.status();                  \
  lhs = std::move(so).value()
