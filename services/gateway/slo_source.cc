#include "services/gateway/slo_source.h"

#include "llmgw/slo/proto.h"

namespace llmgw::gateway {

grpc::ServerUnaryReactor* SloSourceGrpc::GetSloCounts(grpc::CallbackServerContext* ctx,
                                                      const v1::GetSloCountsRequest*,
                                                      v1::GetSloCountsResponse* response) {
  *response = slo::ToProto(recorder_.Take());
  auto* reactor = ctx->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace llmgw::gateway
