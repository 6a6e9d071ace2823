// HealthAggregator::Slo: the `sla:` objectives over every gateway's measurements.
#include <mutex>

#include "llmgw/gateway/v1/gateway.grpc.pb.h"
#include "llmgw/rpc/call_context.h"
#include "llmgw/slo/evaluate.h"
#include "llmgw/slo/proto.h"
#include "llmgw/slo/recorder.h"
#include "services/health/health_aggregator.h"

namespace llmgw::health {
namespace {

struct SloRound {
  std::mutex mu;
  size_t pending = 0;
  slo::Counts window;
  slo::Counts recent;
  v1::GetSloResponse response;
  std::function<void(v1::GetSloResponse)> done;
};

void Finish(const config::Sla& sla, SloRound& round) {
  auto& r = round.response;
  r.set_covered_seconds(round.window.covered_seconds);
  for (const slo::Indicator& i : slo::Evaluate(sla, round.window, round.recent)) {
    auto* out = r.add_indicators();
    out->set_name(i.name);
    out->set_unit(i.unit);
    out->set_current(i.current);
    out->set_target(i.target);
    out->set_error_budget_remaining(i.error_budget_remaining);
    out->set_burn_rate(i.burn_rate);
    out->set_samples(i.samples);
    out->set_met(i.met);
  }
  auto done = std::move(round.done);
  done(std::move(r));
}

}  // namespace

void HealthAggregator::SetSlo(config::Sla sla, std::vector<SloSource> sources) {
  auto s = std::make_shared<const config::Sla>(std::move(sla));
  auto src = std::make_shared<const std::vector<SloSource>>(std::move(sources));
  std::lock_guard lock(mu_);
  sla_ = std::move(s);
  slo_sources_ = std::move(src);
}

void HealthAggregator::Slo(std::function<void(v1::GetSloResponse)> done) {
  std::lock_guard calls(calls_mu_);  // as in Check: no call starts after Stop
  std::shared_ptr<const config::Sla> sla;
  std::shared_ptr<const std::vector<SloSource>> sources;
  {
    std::lock_guard lock(mu_);
    sla = sla_ ? sla_ : std::make_shared<const config::Sla>();
    sources = slo_sources_ ? slo_sources_ : std::make_shared<const std::vector<SloSource>>();
  }
  auto round = std::make_shared<SloRound>();
  round->done = std::move(done);
  round->response.set_window_seconds(static_cast<double>(sla->window_length.count()));
  round->response.set_burn_window_seconds(
      static_cast<double>(slo::Recorder::RecentSpan(sla->window_length).count()));
  round->response.set_gateways(static_cast<int32_t>(sources->size()));
  if (stopped_ || sources->empty()) {
    for (const auto& s : *sources) round->response.add_unreachable(s.name);
    return Finish(*sla, *round);
  }
  round->pending = sources->size();
  for (const auto& source : *sources) {
    struct Call {
      std::unique_ptr<grpc::ClientContext> ctx;
      gateway::v1::GetSloCountsRequest request;
      gateway::v1::GetSloCountsResponse response;
      std::unique_ptr<gateway::v1::SloSource::Stub> stub;
    };
    auto call = std::make_shared<Call>();
    call->ctx = rpc::NewClientContext({}, timeout_);
    call->stub = gateway::v1::SloSource::NewStub(source.channel);
    call->stub->async()->GetSloCounts(
        call->ctx.get(), &call->request, &call->response,
        [round, call, sla, name = source.name](grpc::Status status) {
          std::lock_guard lock(round->mu);
          if (status.ok()) {
            round->window.Merge(slo::FromProto(call->response.window()));
            round->recent.Merge(slo::FromProto(call->response.recent()));
          } else {
            round->response.add_unreachable(name);
          }
          if (--round->pending == 0) Finish(*sla, *round);
        });
  }
}

grpc::ServerUnaryReactor* HealthAggregatorGrpc::GetSlo(grpc::CallbackServerContext* ctx, const v1::GetSloRequest*,
                                                       v1::GetSloResponse* response) {
  auto* reactor = ctx->DefaultReactor();
  logic_.Slo([reactor, response](v1::GetSloResponse r) {
    *response = std::move(r);
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

}  // namespace llmgw::health
