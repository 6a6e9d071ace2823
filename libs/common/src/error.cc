#include "llmgw/common/error.h"

#include "absl/strings/cord.h"
#include "google/protobuf/util/time_util.h"

namespace llmgw {

absl::Status MakeError(absl::StatusCode code, ErrorKind kind, absl::string_view message,
                       const ErrorOptions& options) {
  absl::Status status(code, message);
  common::v1::ErrorDetail detail;
  detail.set_kind(kind);
  detail.set_param(options.param);
  if (options.retry_after) {
    *detail.mutable_retry_after() =
        google::protobuf::util::TimeUtil::MillisecondsToDuration(options.retry_after->count());
  }
  detail.set_upstream_code(options.upstream_code);
  detail.set_upstream_status(options.upstream_status);
  SetErrorDetail(status, detail);
  return status;
}

common::v1::ErrorDetail GetErrorDetail(const absl::Status& status) {
  common::v1::ErrorDetail detail;
  if (auto payload = status.GetPayload(kErrorDetailTypeUrl)) {
    detail.ParseFromString(std::string(*payload));
  }
  return detail;
}

void SetErrorDetail(absl::Status& status, const common::v1::ErrorDetail& detail) {
  if (status.ok()) return;
  status.SetPayload(kErrorDetailTypeUrl, absl::Cord(detail.SerializeAsString()));
}

}  // namespace llmgw
