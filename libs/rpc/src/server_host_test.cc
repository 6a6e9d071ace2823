#include "llmgw/rpc/server_host.h"

#include <grpcpp/create_channel.h>
#include <prometheus/registry.h>

#include <atomic>
#include <mutex>

#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "llmgw/rpc/call_context.h"
#include "llmgw/spend/v1/spend.grpc.pb.h"
#include "llmgw/telemetry/metrics.h"
#include "llmgw/testing/wait.h"

namespace llmgw::rpc {
namespace {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

// Holds Reserve calls open until released, so tests can see RPCs in flight.
class HoldingSpend final : public spend::v1::SpendService::CallbackService {
 public:
  grpc::ServerUnaryReactor* Reserve(grpc::CallbackServerContext* ctx,
                                    const spend::v1::ReserveRequest* req,
                                    spend::v1::ReserveResponse* resp) override {
    // 42 says both the request and the x-request-id metadata arrived.
    resp->set_max_output_tokens(req->request_id() == "r" && ClientMetadata(*ctx, kRequestIdKey) == "req-1" ? 42 : -1);
    auto* reactor = ctx->DefaultReactor();
    std::lock_guard lock(mu_);
    held_.push_back(reactor);
    return reactor;
  }
  void ReleaseAll() {
    std::lock_guard lock(mu_);
    for (auto* r : held_) r->Finish(grpc::Status::OK);
    held_.clear();
  }
  size_t held() {
    std::lock_guard lock(mu_);
    return held_.size();
  }

 private:
  std::mutex mu_;
  std::vector<grpc::ServerUnaryReactor*> held_;
};

class ServerHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto host = ServerHost::Start({.listen_address = "127.0.0.1:0",
                                   .services = {&spend_},
                                   .health_names = {"llmgw.spend.v1.SpendService"},
                                   .registry = &registry_});
    ASSERT_TRUE(host.ok()) << host.status();
    host_ = std::move(*host);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(host_->port()),
                                   grpc::InsecureChannelCredentials());
    health_ = grpc::health::v1::Health::NewStub(channel_);
  }
  void TearDown() override {
    spend_.ReleaseAll();
    host_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  }

  grpc::Status Check(const std::string& service, HealthCheckResponse* out) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    HealthCheckRequest req;
    req.set_service(service);
    return health_->Check(&ctx, req, out);
  }

  prometheus::Registry registry_;
  HoldingSpend spend_;
  std::unique_ptr<ServerHost> host_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::health::v1::Health::Stub> health_;
};

TEST_F(ServerHostTest, HealthAnswersForTheServerAndEachService) {
  HealthCheckResponse r;
  ASSERT_TRUE(Check("", &r).ok());
  EXPECT_EQ(r.status(), HealthCheckResponse::SERVING);
  ASSERT_TRUE(Check("llmgw.spend.v1.SpendService", &r).ok());
  EXPECT_EQ(r.status(), HealthCheckResponse::SERVING);
  EXPECT_EQ(Check("no.such.Service", &r).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(ServerHostTest, WatchSeesNotServingAsSoonAsTheDrainStarts) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  HealthCheckRequest req;
  req.set_service("llmgw.spend.v1.SpendService");
  auto reader = health_->Watch(&ctx, req);
  HealthCheckResponse r;
  ASSERT_TRUE(reader->Read(&r));
  EXPECT_EQ(r.status(), HealthCheckResponse::SERVING);
  host_->SetServing(false);
  ASSERT_TRUE(reader->Read(&r));
  EXPECT_EQ(r.status(), HealthCheckResponse::NOT_SERVING);
  ctx.TryCancel();
}

TEST_F(ServerHostTest, CountsInFlightRpcsButNotHealthChecks) {
  auto stub = spend::v1::SpendService::NewStub(host_->InProcessChannel());
  auto ctx = NewClientContext({.request_id = "req-1"}, std::chrono::seconds(10));
  spend::v1::ReserveRequest req;
  req.set_request_id("r");
  spend::v1::ReserveResponse resp;
  std::atomic<bool> done{false};
  grpc::Status status;
  stub->async()->Reserve(ctx.get(), &req, &resp, [&](grpc::Status s) {
    status = s;
    done = true;
  });
  ASSERT_TRUE(testing::WaitFor([&] { return spend_.held() == 1; }));
  HealthCheckResponse h;
  ASSERT_TRUE(Check("", &h).ok());
  EXPECT_EQ(host_->inflight(), 1);
  EXPECT_FALSE(host_->WaitIdle(std::chrono::steady_clock::now() + std::chrono::milliseconds(20)));
  spend_.ReleaseAll();
  ASSERT_TRUE(testing::WaitFor([&] { return done.load(); }));
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(resp.max_output_tokens(), 42);  // the request id travelled as metadata
  EXPECT_TRUE(host_->WaitIdle(std::chrono::steady_clock::now() + std::chrono::seconds(5)));
  std::string metrics = telemetry::RenderMetrics(registry_);
  EXPECT_THAT(metrics, ::testing::HasSubstr(
                           "llmgw_grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"Reserve\""));
}

TEST_F(ServerHostTest, UnimplementedMethodsAnswerUnimplemented) {
  auto stub = spend::v1::SpendService::NewStub(channel_);
  auto ctx = NewClientContext({}, std::chrono::seconds(5));
  spend::v1::SettleResponse resp;
  auto s = stub->Settle(ctx.get(), spend::v1::SettleRequest(), &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNIMPLEMENTED);
}

TEST(ServerHostStartTest, PortInUseIsAClearError) {
  prometheus::Registry registry;
  HoldingSpend a, b;
  auto first = ServerHost::Start(
      {.listen_address = "127.0.0.1:0", .services = {&a}, .registry = &registry});
  ASSERT_TRUE(first.ok());
  prometheus::Registry registry2;
  auto second = ServerHost::Start({.listen_address = "127.0.0.1:" + std::to_string((*first)->port()),
                                   .services = {&b},
                                   .registry = &registry2});
  EXPECT_FALSE(second.ok());
  EXPECT_THAT(std::string(second.status().message()), ::testing::HasSubstr("cannot listen on"));
}

}  // namespace
}  // namespace llmgw::rpc
