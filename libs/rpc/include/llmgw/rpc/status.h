// The single conversion between absl::Status and grpc::Status. The ErrorDetail payload of
// an absl::Status travels as a google.rpc.Status in grpc::Status::error_details.
#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace llmgw::rpc {

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace llmgw::rpc
