#include "services/health/health_aggregator.h"

#include <grpcpp/create_channel.h>
#include <prometheus/registry.h>

#include <future>

#include "gtest/gtest.h"
#include "llmgw/rpc/server_host.h"
#include "llmgw/spend/v1/spend.grpc.pb.h"

namespace llmgw::health {
namespace {

constexpr char kSpend[] = "llmgw.spend.v1.SpendService";

class HealthAggregatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto host = rpc::ServerHost::Start({.listen_address = "127.0.0.1:0",
                                        .services = {&spend_},
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

}  // namespace
}  // namespace llmgw::health
