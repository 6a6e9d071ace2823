// The hot path's calls answered inside this process. Under `--target all` keymgr, spend and
// the router live in the gateway's process; going through gRPC for each step of a request
// costs a call's machinery and two thread hops, several times per request (docs/
// performance.md). The suite fills this in with the same request and response messages as
// the gRPC contracts, handed straight to the service objects. Any member left empty goes
// over gRPC, as it always does when the services run as separate processes.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "llmgw/keymgr/v1/keymgr.pb.h"
#include "llmgw/router/v1/router.pb.h"
#include "llmgw/rpc/call_context.h"
#include "llmgw/spend/v1/spend.pb.h"
#include "services/gateway/router_stream.h"

namespace llmgw::gateway {

struct LocalServices {
  using Deadline = std::chrono::steady_clock::time_point;
  template <typename T>
  using Done = std::function<void(absl::StatusOr<T>)>;

  // keymgr's Admit and Release (answered from memory, never blocking).
  std::function<absl::StatusOr<keymgr::v1::AdmitResponse>(const keymgr::v1::AdmitRequest&)> admit;
  std::function<void(const keymgr::v1::ReleaseRequest&)> release;
  // spend's Reserve (answered from memory) and SettleBatch (`done` once every row is durable).
  std::function<absl::StatusOr<spend::v1::ReserveResponse>(const spend::v1::ReserveRequest&)> reserve;
  std::function<void(const spend::v1::SettleBatchRequest&, Done<spend::v1::SettleBatchResponse>)> settle_batch;
  // The router's RouteChat and StreamChat. The request is read before the call returns (the
  // router keeps its own copy). `done` and the observer's calls may run on any thread,
  // `done` possibly before the call returns; the call is cancelled at `deadline` (as a gRPC
  // deadline would) or by the returned control.
  std::function<std::shared_ptr<CallControl>(const router::v1::RouteChatRequest&, const rpc::CallContext&,
                                             Deadline, Done<router::v1::RouteChatResponse>)>
      route_chat;
  std::function<std::shared_ptr<CallControl>(const router::v1::RouteChatRequest&, const rpc::CallContext&,
                                             Deadline, std::shared_ptr<StreamObserver>)>
      stream_chat;
};

}  // namespace llmgw::gateway
