// Early-return helpers for absl::Status / absl::StatusOr, named like Abseil's newer ones
// (Debian's Abseil 20220623 does not ship them).
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define LLMGW_STATUS_CONCAT_INNER_(a, b) a##b
#define LLMGW_STATUS_CONCAT_(a, b) LLMGW_STATUS_CONCAT_INNER_(a, b)

#define LLMGW_RETURN_IF_ERROR(expr)            \
  do {                                         \
    ::absl::Status llmgw_status_ = (expr);     \
    if (!llmgw_status_.ok()) return llmgw_status_; \
  } while (false)

#define LLMGW_ASSIGN_OR_RETURN(lhs, expr) \
  LLMGW_ASSIGN_OR_RETURN_IMPL_(LLMGW_STATUS_CONCAT_(llmgw_statusor_, __LINE__), lhs, expr)

#define LLMGW_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                 \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()
