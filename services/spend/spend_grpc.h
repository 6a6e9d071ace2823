// spend's gRPC face (llmgw.spend.v1.SpendService). Reserve, Release and GetSpend answer
// from memory; Settle answers when its ledger row is durable; queries run on a bounded
// worker pool (SQL). Internal: callers are the gateway and operators' tools inside the
// cluster; the gateway's REST routes authorize users before they reach it.
#pragma once

#include "llmgw/common/worker_pool.h"
#include "llmgw/spend/v1/spend.grpc.pb.h"
#include "services/spend/spend_service.h"

namespace llmgw::spend {

inline constexpr char kSpendServiceName[] = "llmgw.spend.v1.SpendService";

class SpendGrpc final : public v1::SpendService::CallbackService {
 public:
  SpendGrpc(SpendService& logic, LedgerStore& store, WorkerPool& query_pool)
      : logic_(logic), store_(store), pool_(query_pool) {}

  grpc::ServerUnaryReactor* Reserve(grpc::CallbackServerContext* ctx, const v1::ReserveRequest* request,
                                    v1::ReserveResponse* response) override;
  grpc::ServerUnaryReactor* Settle(grpc::CallbackServerContext* ctx, const v1::SettleRequest* request,
                                   v1::SettleResponse* response) override;
  grpc::ServerUnaryReactor* SettleBatch(grpc::CallbackServerContext* ctx, const v1::SettleBatchRequest* request,
                                        v1::SettleBatchResponse* response) override;
  grpc::ServerUnaryReactor* Release(grpc::CallbackServerContext* ctx, const v1::ReleaseRequest* request,
                                    v1::ReleaseResponse* response) override;
  grpc::ServerUnaryReactor* GetSpend(grpc::CallbackServerContext* ctx, const v1::GetSpendRequest* request,
                                     v1::GetSpendResponse* response) override;
  grpc::ServerUnaryReactor* QuerySpendLogs(grpc::CallbackServerContext* ctx, const v1::QuerySpendLogsRequest* request,
                                           v1::QuerySpendLogsResponse* response) override;
  grpc::ServerUnaryReactor* SpendReport(grpc::CallbackServerContext* ctx, const v1::SpendReportRequest* request,
                                        v1::SpendReportResponse* response) override;

 private:
  SpendService& logic_;
  LedgerStore& store_;
  WorkerPool& pool_;
};

}  // namespace llmgw::spend
