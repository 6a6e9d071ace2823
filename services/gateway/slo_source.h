// llmgw.gateway.v1.SloSource: this gateway's SLO counts, for the health aggregator, which
// adds up every gateway's and evaluates the `sla:` objectives (GetSlo).
#pragma once

#include "llmgw/gateway/v1/gateway.grpc.pb.h"
#include "llmgw/slo/recorder.h"

namespace llmgw::gateway {

inline constexpr char kSloSourceServiceName[] = "llmgw.gateway.v1.SloSource";

class SloSourceGrpc final : public v1::SloSource::CallbackService {
 public:
  explicit SloSourceGrpc(const slo::Recorder& recorder) : recorder_(recorder) {}
  grpc::ServerUnaryReactor* GetSloCounts(grpc::CallbackServerContext* ctx,
                                         const v1::GetSloCountsRequest* request,
                                         v1::GetSloCountsResponse* response) override;

 private:
  const slo::Recorder& recorder_;
};

}  // namespace llmgw::gateway
