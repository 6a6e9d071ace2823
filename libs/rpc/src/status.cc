#include "llmgw/rpc/status.h"

#include "google/rpc/status.pb.h"
#include "llmgw/common/error.h"

namespace llmgw::rpc {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  // The numeric values of the canonical codes are the same in both libraries.
  auto code = static_cast<grpc::StatusCode>(static_cast<int>(status.code()));
  std::string details;
  if (status.GetPayload(kErrorDetailTypeUrl).has_value()) {
    google::rpc::Status rich;
    rich.set_code(static_cast<int>(status.code()));
    rich.set_message(std::string(status.message()));
    rich.add_details()->PackFrom(GetErrorDetail(status));
    details = rich.SerializeAsString();
  }
  return grpc::Status(code, std::string(status.message()), std::move(details));
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  absl::Status out(static_cast<absl::StatusCode>(static_cast<int>(status.error_code())),
                   status.error_message());
  if (!status.error_details().empty()) {
    google::rpc::Status rich;
    if (rich.ParseFromString(status.error_details())) {
      for (const auto& any : rich.details()) {
        common::v1::ErrorDetail detail;
        if (any.UnpackTo(&detail)) {
          SetErrorDetail(out, detail);
          break;
        }
      }
    }
  }
  return out;
}

}  // namespace llmgw::rpc
