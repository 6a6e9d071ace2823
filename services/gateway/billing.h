// The gateway's side of spend: a reservation before dispatch when a budget applies, and a
// settle after every dispatched request (its ledger row). Settles leave the response path
// at once and are retried with backoff while spend is unreachable; Drain waits for them,
// so a SIGTERM loses none that spend could still take.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/status/statusor.h"
#include "llmgw/common/timer_thread.h"
#include "llmgw/common/v1/inference.pb.h"
#include "llmgw/router/v1/router.pb.h"
#include "llmgw/rpc/call_context.h"
#include "llmgw/spend/v1/spend.grpc.pb.h"

namespace llmgw::gateway {

class SpendClient;

// Tokens a provider really processed: a cache hit's usage is the stored answer's, counted
// neither in token metrics nor against tpm limits.
inline int64_t UpstreamTokens(const router::v1::DispatchInfo& info) {
  return info.cache_hit() ? 0 : info.usage().total_tokens();
}

// One dispatched request's bill. Settle it once with what the router reported; if it is
// dropped unsettled (an error before any usage), it settles as a failure at zero cost,
// which also frees its reservation.
class Bill {
 public:
  Bill(std::weak_ptr<SpendClient> client, spend::v1::SettleRequest base)
      : client_(std::move(client)), base_(std::move(base)) {}
  ~Bill();
  Bill(const Bill&) = delete;
  Bill& operator=(const Bill&) = delete;

  // `info` from the router; `status` the request's outcome. A stream the client left
  // has no usage from the provider: `relayed_completion_tokens` (an estimate of what was
  // sent) is billed, priced by spend.
  void Settle(const router::v1::DispatchInfo& info, const absl::Status& status,
              int64_t relayed_completion_tokens = 0);

 private:
  // Weak: a Bill can outlive the gateway at shutdown (a stream cancelled late).
  std::weak_ptr<SpendClient> client_;
  spend::v1::SettleRequest base_;
  std::atomic<bool> settled_{false};
};

class SpendClient : public std::enable_shared_from_this<SpendClient> {
 public:
  SpendClient(std::chrono::milliseconds rpc_timeout, bool end_user_budgets)
      : rpc_timeout_(rpc_timeout), end_user_budgets_(end_user_budgets) {}
  ~SpendClient();  // Close(5 s)

  // Stops retrying (shutdown: spend is going away too), sends what is queued and waits for
  // it until `deadline`. Settles after this are logged as lost.
  void Close(std::chrono::steady_clock::time_point deadline);

  // `local_reserve` and `local_settle`, when set, answer Reserve and SettleBatch in this
  // process instead of over gRPC.
  using ReserveFn = std::function<absl::StatusOr<spend::v1::ReserveResponse>(const spend::v1::ReserveRequest&)>;
  using SettleBatchFn = std::function<void(const spend::v1::SettleBatchRequest&,
                                           std::function<void(absl::StatusOr<spend::v1::SettleBatchResponse>)>)>;
  void Connect(std::shared_ptr<spend::v1::SpendService::Stub> stub, ReserveFn local_reserve = nullptr,
               SettleBatchFn local_settle = nullptr) {
    stub_ = std::move(stub);
    local_reserve_ = std::move(local_reserve);
    local_settle_ = std::move(local_settle);
  }
  spend::v1::SpendService::Stub& stub() { return *stub_; }

  // Reserves the worst case when a budget applies (caps `request`'s max_tokens at what
  // the reservation assumed, if it had none), then gives the request's Bill.
  // RESOURCE_EXHAUSTED (BUDGET_EXCEEDED) when a budget would be passed.
  void Open(const common::v1::Principal& principal, common::v1::ChatCompletionRequest& request,
            const rpc::CallContext& call, std::chrono::milliseconds lifetime,
            std::function<void(absl::StatusOr<std::shared_ptr<Bill>>)> done);

  // Queues a settle. Settles go to spend in batches (one RPC per up to 256, at most 5 ms
  // after the first), each retried while spend is unreachable (up to ~2 minutes).
  void Send(spend::v1::SettleRequest request);
  // Waits until every settle sent so far is acknowledged (or `deadline`); true if so.
  bool Drain(std::chrono::steady_clock::time_point deadline);
  int64_t pending() const { return pending_.load(); }

 private:
  void Flush();
  void Attempt(std::shared_ptr<spend::v1::SettleBatchRequest> batch, int attempt);
  // The attempt's outcome: retried with backoff while spend is unreachable, else done.
  void Attempted(std::shared_ptr<spend::v1::SettleBatchRequest> batch, int attempt, const absl::Status& s);
  void Done(int64_t n);

  std::chrono::milliseconds rpc_timeout_;
  bool end_user_budgets_;
  std::shared_ptr<spend::v1::SpendService::Stub> stub_;
  ReserveFn local_reserve_;
  SettleBatchFn local_settle_;
  TimerThread retries_;
  std::atomic<int64_t> pending_{0};
  std::atomic<bool> closing_{false};
  std::mutex mu_;
  std::condition_variable idle_;
  std::vector<spend::v1::SettleRequest> queue_;  // guarded by mu_
  bool flush_scheduled_ = false;                 // guarded by mu_
};

}  // namespace llmgw::gateway
