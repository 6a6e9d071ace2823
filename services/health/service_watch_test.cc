#include "services/health/service_watch.h"

#include <prometheus/registry.h>

#include <thread>

#include "gtest/gtest.h"
#include "llmgw/rpc/server_host.h"
#include "llmgw/spend/v1/spend.grpc.pb.h"

namespace llmgw::health {
namespace {

using State = ServiceWatch::Status::State;
constexpr char kSpend[] = "llmgw.spend.v1.SpendService";

// Polls `watch` until it reports `want` or `within` passes; how long it took, or -1.
int64_t MillisUntil(const ServiceWatch& watch, State want, std::chrono::milliseconds within) {
  auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < within) {
    if (watch.Get().state == want) {
      return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

class ServiceWatchTest : public ::testing::Test {
 protected:
  std::unique_ptr<rpc::ServerHost> StartHost(const std::string& listen) {
    auto host = rpc::ServerHost::Start(
        {.listen_address = listen, .services = {&spend_}, .health_names = {kSpend}, .registry = &registry_});
    EXPECT_TRUE(host.ok()) << host.status();
    return host.ok() ? std::move(*host) : nullptr;
  }
  prometheus::Registry registry_;
  spend::v1::SpendService::CallbackService spend_;
  TimerThread timers_;
};

TEST_F(ServiceWatchTest, FollowsTheServingStatusAsItChanges) {
  auto host = StartHost("127.0.0.1:0");
  ServiceWatch watch(host->InProcessChannel(), kSpend, timers_);
  EXPECT_EQ(watch.Get().state, State::kUnknown);  // before the first answer
  watch.Start();
  EXPECT_GE(MillisUntil(watch, State::kServing, std::chrono::seconds(2)), 0);
  host->SetServing(false);
  EXPECT_GE(MillisUntil(watch, State::kNotServing, std::chrono::seconds(2)), 0);
  EXPECT_EQ(watch.Get().reason, "reports NOT_SERVING");
  host->SetServing(true);
  EXPECT_GE(MillisUntil(watch, State::kServing, std::chrono::seconds(2)), 0);
  watch.Stop();
}

TEST_F(ServiceWatchTest, AStoppedProcessIsNotServingAtOnceAndServingSoonAfterItReturns) {
  auto host = StartHost("127.0.0.1:0");
  const std::string addr = "127.0.0.1:" + std::to_string(host->port());
  ServiceWatch watch(rpc::NewNetworkChannel(addr, host->metrics()), kSpend, timers_);
  watch.Start();
  ASSERT_GE(MillisUntil(watch, State::kServing, std::chrono::seconds(2)), 0);
  host->Shutdown(std::chrono::system_clock::now());
  host.reset();
  int64_t down = MillisUntil(watch, State::kNotServing, std::chrono::seconds(2));
  EXPECT_GE(down, 0);
  EXPECT_LT(down, 1000);
  EXPECT_NE(watch.Get().reason, "");
  host = StartHost(addr);  // the same port: the restarted process
  int64_t up = MillisUntil(watch, State::kServing, std::chrono::seconds(3));
  EXPECT_GE(up, 0);
  EXPECT_LT(up, 2000) << "the channel's reconnect backoff is at most 1 s";
  watch.Stop();
}

TEST_F(ServiceWatchTest, AnUnknownNameIsNotServingAndStopEndsTheRetries) {
  auto host = StartHost("127.0.0.1:0");
  ServiceWatch watch(host->InProcessChannel(), "no.such.Service", timers_);
  watch.Start();
  EXPECT_GE(MillisUntil(watch, State::kNotServing, std::chrono::seconds(2)), 0);
  EXPECT_EQ(watch.Get().reason, "the server does not know this service");
  watch.Stop();
  // Nothing runs after Stop: the server shuts down with no call from the watch.
  host->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  EXPECT_EQ(timers_.pending(), 0u);
}

}  // namespace
}  // namespace llmgw::health
