// Errors with a kind. Libraries return absl::Status; when the failure has a meaning the
// client must see (unknown model, upstream timeout, ...), the kind and details ride along
// as a payload and survive the trip through gRPC (libs/rpc/status.h).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "llmgw/common/v1/common.pb.h"

namespace llmgw {

using ErrorKind = common::v1::ErrorKind;

// The type URL under which ErrorDetail is attached to an absl::Status.
inline constexpr absl::string_view kErrorDetailTypeUrl =
    "type.googleapis.com/llmgw.common.v1.ErrorDetail";

struct ErrorOptions {
  std::string param;
  std::optional<std::chrono::milliseconds> retry_after;
  std::string upstream_code;
  int upstream_status = 0;
};

absl::Status MakeError(absl::StatusCode code, ErrorKind kind, absl::string_view message,
                       const ErrorOptions& options = {});

// The detail attached to `status`, or a detail with kind UNSPECIFIED.
common::v1::ErrorDetail GetErrorDetail(const absl::Status& status);

// Replaces (or adds) the detail on `status`.
void SetErrorDetail(absl::Status& status, const common::v1::ErrorDetail& detail);

}  // namespace llmgw
