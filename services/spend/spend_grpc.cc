#include "services/spend/spend_grpc.h"

#include <mutex>

#include "llmgw/common/error.h"
#include "llmgw/rpc/call_context.h"
#include "llmgw/rpc/status.h"

namespace llmgw::spend {
namespace {

template <typename Resp>
void FinishWith(grpc::ServerUnaryReactor* reactor, absl::StatusOr<Resp> r, Resp* response) {
  if (r.ok()) *response = std::move(*r);
  reactor->Finish(rpc::ToGrpcStatus(r.status()));
}

template <typename Resp, typename Fn>
grpc::ServerUnaryReactor* OnPool(grpc::CallbackServerContext* ctx, WorkerPool& pool, Resp* response, Fn fn) {
  auto* reactor = ctx->DefaultReactor();
  if (!pool.Submit(rpc::InCallTrace(*ctx, [reactor, response, fn] { FinishWith(reactor, fn(), response); }))) {
    reactor->Finish(rpc::ToGrpcStatus(MakeError(absl::StatusCode::kUnavailable, common::v1::ERROR_KIND_OVERLOADED,
                                                "spend has too many queries queued; retry shortly",
                                                {.retry_after = std::chrono::seconds(1)})));
  }
  return reactor;
}

}  // namespace

grpc::ServerUnaryReactor* SpendGrpc::Reserve(grpc::CallbackServerContext* ctx, const v1::ReserveRequest* request,
                                             v1::ReserveResponse* response) {
  auto* reactor = ctx->DefaultReactor();
  FinishWith(reactor, logic_.Reserve(*request), response);
  return reactor;
}

grpc::ServerUnaryReactor* SpendGrpc::Settle(grpc::CallbackServerContext* ctx, const v1::SettleRequest* request,
                                            v1::SettleResponse* response) {
  auto* reactor = ctx->DefaultReactor();
  logic_.Settle(*request, [reactor, response](absl::StatusOr<v1::SettleResponse> r) {
    FinishWith(reactor, std::move(r), response);
  });
  return reactor;
}

grpc::ServerUnaryReactor* SpendGrpc::SettleBatch(grpc::CallbackServerContext* ctx,
                                                 const v1::SettleBatchRequest* request,
                                                 v1::SettleBatchResponse* response) {
  auto* reactor = ctx->DefaultReactor();
  logic_.SettleBatch(*request, [reactor, response](absl::StatusOr<v1::SettleBatchResponse> r) {
    FinishWith(reactor, std::move(r), response);
  });
  return reactor;
}

grpc::ServerUnaryReactor* SpendGrpc::Release(grpc::CallbackServerContext* ctx, const v1::ReleaseRequest* request,
                                             v1::ReleaseResponse*) {
  auto* reactor = ctx->DefaultReactor();
  logic_.Release(*request);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* SpendGrpc::GetSpend(grpc::CallbackServerContext* ctx, const v1::GetSpendRequest* request,
                                              v1::GetSpendResponse* response) {
  auto* reactor = ctx->DefaultReactor();
  FinishWith(reactor, logic_.GetSpend(*request), response);
  return reactor;
}

grpc::ServerUnaryReactor* SpendGrpc::QuerySpendLogs(grpc::CallbackServerContext* ctx,
                                                    const v1::QuerySpendLogsRequest* request,
                                                    v1::QuerySpendLogsResponse* response) {
  return OnPool(ctx, pool_, response, [this, request] { return store_.Query(*request); });
}

grpc::ServerUnaryReactor* SpendGrpc::SpendReport(grpc::CallbackServerContext* ctx,
                                                 const v1::SpendReportRequest* request,
                                                 v1::SpendReportResponse* response) {
  return OnPool(ctx, pool_, response, [this, request] { return store_.Report(*request); });
}

}  // namespace llmgw::spend
