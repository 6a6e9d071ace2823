// spend's gRPC face (llmgw.spend.v1.SpendService). The ledger and budgets land with their
// store; until then every RPC answers UNIMPLEMENTED (no method is overridden) and the
// service reports its health like every other.
#pragma once

#include "llmgw/spend/v1/spend.grpc.pb.h"

namespace llmgw::spend {

inline constexpr char kSpendServiceName[] = "llmgw.spend.v1.SpendService";

class SpendGrpc final : public v1::SpendService::CallbackService {};

}  // namespace llmgw::spend
