#include "services/health/health_aggregator.h"

#include <mutex>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "llmgw/rpc/call_context.h"

namespace llmgw::health {
namespace {

using grpc::health::v1::HealthCheckResponse;

struct Round {
  std::mutex mu;
  size_t pending = 0;
  v1::SystemHealth result;
  std::function<void(v1::SystemHealth)> done;
};

void Summarize(v1::SystemHealth& h, const std::vector<ServiceTarget>& targets) {
  bool critical_down = false;
  bool any_down = false;
  for (size_t i = 0; i < targets.size(); ++i) {
    const auto& c = h.components(static_cast<int>(i));
    if (c.status() == v1::SYSTEM_STATUS_SERVING) continue;
    any_down = true;
    if (targets[i].critical) critical_down = true;
    h.add_reasons(absl::StrCat(c.name(), ": ", c.reason()));
  }
  h.set_status(critical_down ? v1::SYSTEM_STATUS_NOT_SERVING
               : any_down    ? v1::SYSTEM_STATUS_DEGRADED
                             : v1::SYSTEM_STATUS_SERVING);
}

}  // namespace

HealthAggregator::HealthAggregator(std::vector<ServiceTarget> targets,
                                   std::chrono::milliseconds timeout)
    : targets_(std::make_shared<const std::vector<ServiceTarget>>(std::move(targets))),
      timeout_(timeout) {}

void HealthAggregator::SetTargets(std::vector<ServiceTarget> targets) {
  auto t = std::make_shared<const std::vector<ServiceTarget>>(std::move(targets));
  std::lock_guard lock(mu_);
  targets_ = std::move(t);
}

void HealthAggregator::Check(std::function<void(v1::SystemHealth)> done) {
  std::shared_ptr<const std::vector<ServiceTarget>> targets_ptr;
  {
    std::lock_guard lock(mu_);
    targets_ptr = targets_;
  }
  const auto& targets = *targets_ptr;
  auto round = std::make_shared<Round>();
  round->pending = targets.size();
  round->done = std::move(done);
  for (const auto& t : targets) {
    auto* c = round->result.add_components();
    c->set_name("service/" + t.service);
  }
  if (targets.empty()) {
    round->result.set_status(v1::SYSTEM_STATUS_SERVING);
    return round->done(std::move(round->result));
  }
  for (size_t i = 0; i < targets.size(); ++i) {
    struct Call {
      std::unique_ptr<grpc::ClientContext> ctx;
      grpc::health::v1::HealthCheckRequest request;
      HealthCheckResponse response;
      std::unique_ptr<grpc::health::v1::Health::Stub> stub;
    };
    auto call = std::make_shared<Call>();
    call->ctx = rpc::NewClientContext({}, timeout_);
    call->request.set_service(targets[i].service);
    call->stub = grpc::health::v1::Health::NewStub(targets[i].channel);
    call->stub->async()->Check(
        call->ctx.get(), &call->request, &call->response,
        [targets_ptr, round, call, i](grpc::Status status) {
          std::lock_guard lock(round->mu);
          auto* c = round->result.mutable_components(static_cast<int>(i));
          *c->mutable_checked_at() = google::protobuf::util::TimeUtil::GetCurrentTime();
          if (!status.ok()) {
            c->set_status(v1::SYSTEM_STATUS_NOT_SERVING);
            c->set_reason(absl::StrCat("health check failed: ", status.error_message()));
          } else if (call->response.status() == HealthCheckResponse::SERVING) {
            c->set_status(v1::SYSTEM_STATUS_SERVING);
          } else {
            c->set_status(v1::SYSTEM_STATUS_NOT_SERVING);
            c->set_reason("reports NOT_SERVING");
          }
          if (--round->pending == 0) {
            Summarize(round->result, *targets_ptr);
            auto done = std::move(round->done);
            done(std::move(round->result));
          }
        });
  }
}

grpc::ServerUnaryReactor* HealthAggregatorGrpc::GetSystemHealth(grpc::CallbackServerContext* ctx,
                                                                const v1::GetSystemHealthRequest*,
                                                                v1::SystemHealth* response) {
  auto* reactor = ctx->DefaultReactor();
  logic_.Check([reactor, response](v1::SystemHealth h) {
    *response = std::move(h);
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerUnaryReactor* HealthAggregatorGrpc::ListComponents(grpc::CallbackServerContext* ctx,
                                                               const v1::ListComponentsRequest*,
                                                               v1::ListComponentsResponse* response) {
  auto* reactor = ctx->DefaultReactor();
  logic_.Check([reactor, response](v1::SystemHealth h) {
    *response->mutable_components() = std::move(*h.mutable_components());
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

}  // namespace llmgw::health
