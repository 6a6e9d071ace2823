#include "services/health/health_aggregator.h"

#include <grpcpp/create_channel.h>
#include <prometheus/registry.h>

#include <future>

#include "gtest/gtest.h"
#include "llmgw/gateway/v1/gateway.grpc.pb.h"
#include "llmgw/rpc/server_host.h"
#include "llmgw/slo/proto.h"
#include "llmgw/slo/recorder.h"
#include "llmgw/spend/v1/spend.grpc.pb.h"

namespace llmgw::health {
namespace {

constexpr char kSpend[] = "llmgw.spend.v1.SpendService";

// A gateway's SLO counts: what its recorder holds.
class RecorderSource final : public gateway::v1::SloSource::CallbackService {
 public:
  slo::Recorder recorder{std::chrono::hours(24 * 30), 5.0};
  grpc::ServerUnaryReactor* GetSloCounts(grpc::CallbackServerContext* ctx, const gateway::v1::GetSloCountsRequest*,
                                         gateway::v1::GetSloCountsResponse* response) override {
    *response = slo::ToProto(recorder.Take());
    auto* r = ctx->DefaultReactor();
    r->Finish(grpc::Status::OK);
    return r;
  }
};

class HealthAggregatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto host = rpc::ServerHost::Start({.listen_address = "127.0.0.1:0",
                                        .services = {&spend_, &gateway_},
                                        .health_names = {kSpend},
                                        .registry = &registry_});
    ASSERT_TRUE(host.ok());
    host_ = std::move(*host);
  }
  v1::SystemHealth Check(std::vector<ServiceTarget> targets) {
    HealthAggregator agg(std::move(targets), std::chrono::milliseconds(500));
    std::promise<v1::SystemHealth> p;
    agg.Check([&](v1::SystemHealth h) { p.set_value(std::move(h)); });
    return p.get_future().get();
  }
  prometheus::Registry registry_;
  spend::v1::SpendService::CallbackService spend_;  // any service will do
  RecorderSource gateway_;
  std::unique_ptr<rpc::ServerHost> host_;
};

TEST_F(HealthAggregatorTest, ServingWhenEveryServiceIs) {
  auto h = Check({{kSpend, host_->InProcessChannel(), true}});
  EXPECT_EQ(h.status(), v1::SYSTEM_STATUS_SERVING);
  ASSERT_EQ(h.components_size(), 1);
  EXPECT_EQ(h.components(0).name(), "service/llmgw.spend.v1.SpendService");
}

TEST_F(HealthAggregatorTest, DownCriticalServiceIsNotServingAndOtherwiseDegraded) {
  auto dead = grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials());
  auto h = Check({{kSpend, host_->InProcessChannel(), true},
                  {"llmgw.router.v1.Router", dead, true}});
  EXPECT_EQ(h.status(), v1::SYSTEM_STATUS_NOT_SERVING);
  ASSERT_EQ(h.reasons_size(), 1);
  EXPECT_NE(h.reasons(0).find("llmgw.router.v1.Router"), std::string::npos);
  host_->SetServing(false);
  auto degraded = Check({{kSpend, host_->InProcessChannel(), false}});
  EXPECT_EQ(degraded.status(), v1::SYSTEM_STATUS_DEGRADED);
  EXPECT_EQ(degraded.components(0).reason(), "reports NOT_SERVING");
}

TEST_F(HealthAggregatorTest, SloAddsUpEveryGatewayAndNamesTheOnesThatDoNotAnswer) {
  using Outcome = slo::Sample::Outcome;
  for (int i = 0; i < 1999; ++i) gateway_.recorder.Record({.outcome = Outcome::kSucceeded, .overhead_micros = 800, .cost_micros = 1'000});
  gateway_.recorder.Record({.outcome = Outcome::kFailed});
  gateway_.recorder.Record({.outcome = Outcome::kExcluded});  // a 4xx: not counted
  config::Sla sla;
  sla.min_availability_pct = 99.9;
  sla.max_p95_overhead_ms = 5;
  auto Slo = [&](std::vector<HealthAggregator::SloSource> sources) {
    HealthAggregator agg({}, std::chrono::milliseconds(500));
    agg.SetSlo(sla, std::move(sources));
    std::promise<v1::GetSloResponse> p;
    agg.Slo([&](v1::GetSloResponse r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  };
  // The same gateway twice stands for two replicas: their counts add up.
  auto r = Slo({{"a", host_->InProcessChannel()}, {"b", host_->InProcessChannel()}});
  EXPECT_EQ(r.gateways(), 2);
  EXPECT_TRUE(r.unreachable().empty());
  EXPECT_EQ(r.window_seconds(), 30 * 86400);
  EXPECT_EQ(r.burn_window_seconds(), 3600);
  ASSERT_EQ(r.indicators_size(), 2);  // no cost target: no cost indicator
  const auto& a = r.indicators(0);
  EXPECT_EQ(a.name(), "availability");
  EXPECT_EQ(a.samples(), 2 * 2000);
  EXPECT_NEAR(a.current(), 100.0 * 1999 / 2000, 1e-9);
  EXPECT_TRUE(a.met());
  EXPECT_NEAR(a.error_budget_remaining(), 0.5, 1e-9);  // 0.05% of the 0.1% allowed
  const auto& o = r.indicators(1);
  EXPECT_EQ(o.name(), "p95_overhead");
  EXPECT_EQ(o.samples(), 2 * 1999);
  EXPECT_NEAR(o.current(), 0.8, 0.8 * 0.15);
  EXPECT_EQ(o.error_budget_remaining(), 1);

  auto dead = grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials());
  r = Slo({{"a", host_->InProcessChannel()}, {"10.0.0.9:50051", dead}});
  ASSERT_EQ(r.unreachable_size(), 1);
  EXPECT_EQ(r.unreachable(0), "10.0.0.9:50051");
  EXPECT_EQ(r.indicators(0).samples(), 2000);
}

}  // namespace
}  // namespace llmgw::health
