// One grpc.health.v1 Watch stream per watched name, kept open and reopened when it ends:
// the aggregator reads the last answer instead of calling Check on every request. A
// stream that breaks (the process stopped) makes the name NOT_SERVING at once; the next
// stream waits for the channel to connect again (wait_for_ready), so a restarted process
// is SERVING as soon as its channel reconnects (250 ms to 1 s backoff). Streams that end
// right after they open are retried after a backoff (250 ms doubling to 1 s) so a server
// that refuses Watch is not hammered.
#pragma once

#include <grpcpp/channel.h>

#include <chrono>
#include <memory>
#include <string>

#include "llmgw/common/timer_thread.h"

namespace llmgw::health {

class ServiceWatch {
 public:
  struct Status {
    enum class State {
      kUnknown,  // no answer yet: ask with Check
      kServing,
      kNotServing,
    };
    State state = State::kUnknown;
    std::string reason;  // why not serving
    // Since when the status holds (its last change).
    std::chrono::system_clock::time_point since;
  };

  // `timers` must outlive Stop.
  ServiceWatch(std::shared_ptr<grpc::Channel> channel, std::string service, TimerThread& timers);
  ~ServiceWatch();
  ServiceWatch(const ServiceWatch&) = delete;
  ServiceWatch& operator=(const ServiceWatch&) = delete;

  void Start();
  Status Get() const;
  // Cancels the stream and waits (at most 2 s) for it to end; no stream starts and no
  // timer is scheduled after it returns.
  void Stop();

  struct State;  // shared with the stream and the reconnect timer

 private:
  std::shared_ptr<State> state_;
};

}  // namespace llmgw::health
