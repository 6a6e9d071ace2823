#include "services/gateway/billing.h"

#include <google/protobuf/util/time_util.h>

#include "llmgw/providers/tokens.h"
#include "llmgw/rpc/status.h"
#include "llmgw/telemetry/log.h"

namespace llmgw::gateway {

using google::protobuf::util::TimeUtil;

namespace {
constexpr int kMaxAttempts = 12;  // 0.1 s doubling to 5 s: about two minutes in all
constexpr size_t kBatch = 256;
constexpr auto kBatchDelay = std::chrono::milliseconds(5);
}

Bill::~Bill() {
  if (!settled_.load()) Settle({}, absl::UnknownError("not dispatched"));
}

void Bill::Settle(const router::v1::DispatchInfo& info, const absl::Status& status, int64_t relayed) {
  if (settled_.exchange(true)) return;
  spend::v1::SettleRequest r = std::move(base_);
  r.set_deployment_id(info.deployment_id());
  r.set_provider(info.provider());
  *r.mutable_end_time() = TimeUtil::GetCurrentTime();
  *r.mutable_usage() = info.usage();
  r.set_cache_hit(info.cache_hit());
  if (status.ok()) {
    r.set_status("success");
    *r.mutable_cost() = info.cost();
  } else if (info.usage().total_tokens() > 0) {
    r.set_status(absl::IsCancelled(status) ? "cancelled" : "failure");
    *r.mutable_cost() = info.cost();
  } else {
    r.set_status(absl::IsCancelled(status) ? "cancelled" : "failure");
    // No usage from the provider: bill what was relayed (prompt and the chunks sent), as
    // an estimate spend prices; a request that failed before any output costs nothing.
    if (relayed > 0) {
      r.mutable_usage()->set_completion_tokens(relayed);
      r.mutable_usage()->set_total_tokens(r.usage().prompt_tokens() + relayed);
    } else {
      r.mutable_usage()->Clear();
      r.mutable_cost()->set_micros(0);
    }
  }
  if (auto client = client_.lock()) {
    client->Send(std::move(r));
  } else {
    log::Error("settle lost: the gateway had already stopped", {{"request_id", r.request_id()}});
  }
}

SpendClient::~SpendClient() { Close(std::chrono::steady_clock::now() + std::chrono::seconds(5)); }

void SpendClient::Close(std::chrono::steady_clock::time_point deadline) {
  closing_.store(true);
  Drain(deadline);
}

void SpendClient::Open(const common::v1::Principal& principal, common::v1::ChatCompletionRequest& request,
                       const rpc::CallContext& call, std::chrono::milliseconds lifetime,
                       std::function<void(absl::StatusOr<std::shared_ptr<Bill>>)> done) {
  spend::v1::SettleRequest base;
  base.set_request_id(call.request_id);
  *base.mutable_principal() = principal;
  base.set_model_group(request.model());
  base.set_end_user(request.user());
  *base.mutable_start_time() = TimeUtil::GetCurrentTime();
  base.mutable_usage()->set_prompt_tokens(providers::EstimatePromptTokens(request));
  bool budgeted = principal.budgets_size() > 0 || (end_user_budgets_ && !request.user().empty());
  if (!budgeted || stub_ == nullptr) return done(std::make_shared<Bill>(weak_from_this(), std::move(base)));
  spend::v1::ReserveRequest reserve;
  reserve.set_request_id(call.request_id);
  *reserve.mutable_principal() = principal;
  reserve.set_model_group(request.model());
  reserve.set_end_user(request.user());
  reserve.set_prompt_tokens(providers::MaxPromptTokens(request));
  bool has_max = request.has_max_completion_tokens() || request.has_max_tokens();
  reserve.set_max_output_tokens(request.has_max_completion_tokens() ? request.max_completion_tokens()
                                : request.has_max_tokens()          ? request.max_tokens()
                                                                    : 0);
  *reserve.mutable_ttl() = TimeUtil::MillisecondsToDuration((lifetime + std::chrono::seconds(30)).count());
  // The reservation assumed this many output tokens: hold the request to it.
  auto reserved = [this, &request, has_max](const spend::v1::ReserveResponse& r, spend::v1::SettleRequest base) {
    if (!has_max && r.max_output_tokens() > 0) request.set_max_tokens(r.max_output_tokens());
    return std::make_shared<Bill>(weak_from_this(), std::move(base));
  };
  if (local_reserve_) {
    auto r = local_reserve_(reserve);
    if (!r.ok()) return done(r.status());
    return done(reserved(*r, std::move(base)));
  }
  struct Call {
    std::unique_ptr<grpc::ClientContext> ctx;
    spend::v1::ReserveRequest request;
    spend::v1::ReserveResponse response;
  };
  auto c = std::make_shared<Call>();
  c->ctx = rpc::NewClientContext(call, rpc_timeout_);
  c->request = std::move(reserve);
  stub_->async()->Reserve(c->ctx.get(), &c->request, &c->response,
                          [c, reserved, base = std::move(base), done = std::move(done)](grpc::Status s) mutable {
                            if (!s.ok()) return done(rpc::FromGrpcStatus(s));
                            done(reserved(c->response, std::move(base)));
                          });
}

void SpendClient::Send(spend::v1::SettleRequest request) {
  if (stub_ == nullptr) return;
  if (closing_.load()) {
    // After Close the services may already be gone (an in-process channel must not be
    // used then): a request that ended this late is not billed, and says so.
    log::Error("settle lost: the gateway was shutting down", {{"request_id", request.request_id()}});
    return;
  }
  pending_.fetch_add(1);
  bool now = false;
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(request));
    now = queue_.size() >= kBatch;
    if (!now && !flush_scheduled_) {
      flush_scheduled_ = retries_.Schedule(kBatchDelay, [this] { Flush(); }) != 0;
      now = !flush_scheduled_;
    }
  }
  if (now) Flush();
}

void SpendClient::Flush() {
  auto batch = std::make_shared<spend::v1::SettleBatchRequest>();
  {
    std::lock_guard lock(mu_);
    flush_scheduled_ = false;
    size_t n = std::min(queue_.size(), kBatch);
    for (size_t i = 0; i < n; ++i) *batch->add_settles() = std::move(queue_[i]);
    queue_.erase(queue_.begin(), queue_.begin() + n);
    if (!queue_.empty() && !flush_scheduled_) {
      flush_scheduled_ = retries_.Schedule(std::chrono::milliseconds(0), [this] { Flush(); }) != 0;
    }
  }
  if (batch->settles_size() > 0) Attempt(batch, 0);
}

void SpendClient::Attempt(std::shared_ptr<spend::v1::SettleBatchRequest> batch, int attempt) {
  if (local_settle_) {
    return local_settle_(*batch, [this, batch, attempt](absl::StatusOr<spend::v1::SettleBatchResponse> r) {
      Attempted(batch, attempt, r.status());
    });
  }
  struct Call {
    grpc::ClientContext ctx;
    spend::v1::SettleBatchResponse response;
  };
  auto c = std::make_shared<Call>();
  c->ctx.set_deadline(std::chrono::system_clock::now() + rpc_timeout_);
  stub_->async()->SettleBatch(&c->ctx, batch.get(), &c->response, [this, c, batch, attempt](grpc::Status s) {
    Attempted(batch, attempt, rpc::FromGrpcStatus(s));
  });
}

void SpendClient::Attempted(std::shared_ptr<spend::v1::SettleBatchRequest> batch, int attempt,
                            const absl::Status& s) {
  bool retry = s.code() == absl::StatusCode::kUnavailable || s.code() == absl::StatusCode::kDeadlineExceeded ||
               s.code() == absl::StatusCode::kResourceExhausted;
  if (!s.ok() && retry && attempt + 1 < kMaxAttempts && !closing_.load()) {
    // Entries the first try already settled answer applied=false: a retry is harmless.
    auto delay = std::min(std::chrono::milliseconds(100) * (1 << attempt), std::chrono::milliseconds(5000));
    if (retries_.Schedule(delay, [this, batch, attempt] { Attempt(batch, attempt + 1); }) != 0) return;
  }
  if (!s.ok()) {
    for (const auto& r : batch->settles()) {
      log::Error("settle lost: spend did not take it", {{"request_id", r.request_id()},
                                                        {"error", std::string(s.message())},
                                                        {"attempts", static_cast<int64_t>(attempt + 1)}});
    }
  }
  Done(batch->settles_size());
}

void SpendClient::Done(int64_t n) {
  if (pending_.fetch_sub(n) == n) {
    std::lock_guard lock(mu_);
    idle_.notify_all();
  }
}

bool SpendClient::Drain(std::chrono::steady_clock::time_point deadline) {
  if (stub_ != nullptr) Flush();  // no waiting for the batch timer
  std::unique_lock lock(mu_);
  return idle_.wait_until(lock, deadline, [&] { return pending_.load() == 0; });
}

}  // namespace llmgw::gateway
