// `--target all`: the gateway's hot path handed straight to keymgr, spend and the router in
// this process (services/gateway/local_services.h says why). What a gRPC call would have
// given for free is kept: the request deadline cancels the call and reports
// DEADLINE_EXCEEDED, a stream is delivered one chunk at a time as the client takes them
// (pausing the provider when it falls behind), and Shutdown cancels what is in flight and
// waits for it, as the server's shutdown does.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "llmgw/common/timer_thread.h"
#include "services/gateway/local_services.h"

namespace llmgw::keymgr {
class KeyManager;
}
namespace llmgw::router {
class Router;
}
namespace llmgw::spend {
class SpendService;
}

namespace llmgw {

class LocalCalls {
 public:
  LocalCalls(router::Router& router, TimerThread& timers) : router_(router), timers_(timers) {}
  ~LocalCalls() { Shutdown(std::chrono::steady_clock::now() + std::chrono::seconds(5)); }

  // The gateway's LocalServices over these objects (each may be null: not in this process).
  gateway::LocalServices Services(keymgr::KeyManager* keys, spend::SpendService* spend);

  // Refuses new calls, cancels those in flight and waits until they ended (or `deadline`).
  void Shutdown(std::chrono::steady_clock::time_point deadline);

  class Call;  // one routed call (unary or stream); local_services.cc

 private:
  std::shared_ptr<gateway::CallControl> RouteChat(const router::v1::RouteChatRequest& request,
                                                  const rpc::CallContext& call,
                                                  gateway::LocalServices::Deadline deadline,
                                                  gateway::LocalServices::Done<router::v1::RouteChatResponse> done);
  std::shared_ptr<gateway::CallControl> StreamChat(const router::v1::RouteChatRequest& request,
                                                   const rpc::CallContext& call,
                                                   gateway::LocalServices::Deadline deadline,
                                                   std::shared_ptr<gateway::StreamObserver> observer);
  // Registers a call (false once shut down); Ended when its last callback ran.
  bool Begin(const std::shared_ptr<Call>& call);
  void Ended(uint64_t id);
  // Cancels `call` at `deadline`, as a gRPC deadline would.
  void StartDeadline(const std::shared_ptr<Call>& call, gateway::LocalServices::Deadline deadline);

  router::Router& router_;
  TimerThread& timers_;
  std::mutex mu_;
  std::condition_variable idle_;
  bool shut_down_ = false;                                   // guarded by mu_
  uint64_t next_id_ = 1;                                     // guarded by mu_
  std::unordered_map<uint64_t, std::weak_ptr<Call>> calls_;  // guarded by mu_
};

}  // namespace llmgw
