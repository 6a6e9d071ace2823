#include "apps/llmgw/local_services.h"

#include <deque>

#include "services/keymgr/key_manager.h"
#include "services/router/router.h"
#include "services/spend/spend_service.h"

namespace llmgw {

// One routed call. Holds the router's handle (to cancel, pause and resume it) until the call
// ends, then lets go of it: the router's callbacks hold this object, so keeping the handle
// past the end would be a cycle.
class LocalCalls::Call final : public gateway::CallControl {
 public:
  // The stream's thresholds, as the router's gRPC stream uses them.
  static constexpr size_t kPauseAt = 64;
  static constexpr size_t kResumeAt = 16;

  Call(LocalCalls& owner, std::shared_ptr<gateway::StreamObserver> observer)
      : owner_(owner), observer_(std::move(observer)) {}

  void Cancel() override { Stop(false); }

  // `expired`: the deadline passed (the call then ends DEADLINE_EXCEEDED, not CANCELLED).
  void Stop(bool expired) {
    std::shared_ptr<providers::CallHandle> handle;
    {
      std::lock_guard lock(mu_);
      if (ended_ || cancelled_) return;
      cancelled_ = true;
      expired_ = expired;
      // The caller is gone: chunks still queued are not worth delivering.
      std::erase_if(queue_, [](const Event& e) { return e.kind == Event::kChunk; });
      handle = handle_;
    }
    if (handle) handle->Cancel();
  }

  // Before the router is called: the deadline's timer, cancelled at the end.
  void SetTimer(TimerThread::TimerId timer) {
    std::lock_guard lock(mu_);
    timer_ = timer;
  }

  void Arm(std::shared_ptr<providers::CallHandle> handle) {
    bool cancel;
    {
      std::lock_guard lock(mu_);
      if (ended_) return;
      handle_ = handle;
      cancel = cancelled_;
    }
    if (cancel) handle->Cancel();
  }

  // The unary call's end.
  void Finish(gateway::LocalServices::Done<router::v1::RouteChatResponse>& done,
              absl::StatusOr<router::v1::RouteChatResponse> r) {
    if (!r.ok()) r = Final(r.status());
    done(std::move(r));
    End();
  }

  // The stream's events, from the router's callbacks.
  void OnStart(router::v1::DispatchInfo info) { Enqueue({.kind = Event::kStarted, .info = std::move(info)}); }
  void OnChunk(common::v1::ChatCompletionChunk chunk) {
    Enqueue({.kind = Event::kChunk, .chunk = std::move(chunk)});
  }
  void OnDone(absl::Status status, router::v1::DispatchInfo info) {
    Enqueue({.kind = Event::kDone, .info = std::move(info), .status = std::move(status)});
  }

 private:
  struct Event {
    enum Kind { kStarted, kChunk, kDone } kind;
    router::v1::DispatchInfo info;
    common::v1::ChatCompletionChunk chunk;
    absl::Status status;
  };

  absl::Status Final(absl::Status s) {
    std::lock_guard lock(mu_);
    if (expired_ && s.code() == absl::StatusCode::kCancelled) return absl::DeadlineExceededError("Deadline Exceeded");
    return s;
  }

  void End() {
    uint64_t id;
    TimerThread::TimerId timer;
    {
      std::lock_guard lock(mu_);
      ended_ = true;
      handle_.reset();
      id = id_;
      timer = timer_;
    }
    if (timer != 0) owner_.timers_.Cancel(timer);
    if (id != 0) owner_.Ended(id);
  }

  void Enqueue(Event e) {
    std::shared_ptr<providers::CallHandle> pause;
    {
      std::lock_guard lock(mu_);
      if (e.kind == Event::kChunk && cancelled_) return;
      queue_.push_back(std::move(e));
      if (!paused_ && queue_.size() >= kPauseAt && handle_) {
        paused_ = true;
        pause = handle_;
      }
    }
    if (pause) pause->Pause();
    Pump();
  }

  // The observer has passed its chunk on.
  void Next() {
    {
      std::lock_guard lock(mu_);
      waiting_ = false;
    }
    Pump();
  }

  // Delivers queued events while the observer is not holding a chunk. One loop runs at a
  // time; a Next or an Enqueue during it leaves the work to it (no recursion through the
  // observer).
  void Pump() {
    std::unique_lock lock(mu_);
    if (pumping_) return;
    pumping_ = true;
    while (!waiting_ && !queue_.empty()) {
      Event e = std::move(queue_.front());
      queue_.pop_front();
      std::shared_ptr<providers::CallHandle> resume;
      if (paused_ && queue_.size() <= kResumeAt && handle_) {
        paused_ = false;
        resume = handle_;
      }
      if (e.kind == Event::kChunk) waiting_ = true;
      lock.unlock();
      if (resume) resume->Resume();
      switch (e.kind) {
        case Event::kStarted:
          observer_->OnStarted(e.info);
          break;
        case Event::kChunk:
          observer_->OnChunk(std::move(e.chunk), [self = self_.lock()] {
            if (self) self->Next();
          });
          break;
        case Event::kDone: {
          auto observer = std::move(observer_);
          observer->OnDone(Final(std::move(e.status)), std::move(e.info));
          End();
          break;
        }
      }
      lock.lock();
    }
    pumping_ = false;
  }

  friend class LocalCalls;
  LocalCalls& owner_;
  std::weak_ptr<Call> self_;
  std::shared_ptr<gateway::StreamObserver> observer_;  // streams only; null after OnDone
  std::mutex mu_;
  uint64_t id_ = 0;                               // guarded by mu_
  TimerThread::TimerId timer_ = 0;                // guarded by mu_
  std::shared_ptr<providers::CallHandle> handle_;  // guarded by mu_; null once ended
  bool cancelled_ = false, expired_ = false, ended_ = false;  // guarded by mu_
  std::deque<Event> queue_;                                   // guarded by mu_
  bool waiting_ = false, pumping_ = false, paused_ = false;   // guarded by mu_
};

namespace {

providers::CallOptions OptionsFor(const rpc::CallContext& call, gateway::LocalServices::Deadline deadline) {
  return {.request_id = call.request_id, .traceparent = call.traceparent, .tracestate = call.tracestate,
          .deadline = deadline};
}

absl::Status ShuttingDown() { return absl::UnavailableError("the gateway is shutting down"); }

}  // namespace

gateway::LocalServices LocalCalls::Services(keymgr::KeyManager* keys, spend::SpendService* spend) {
  gateway::LocalServices s;
  if (keys != nullptr) {
    s.admit = [keys](const keymgr::v1::AdmitRequest& r) { return keys->Admit(r); };
    s.release = [keys](const keymgr::v1::ReleaseRequest& r) { keys->Release(r); };
  }
  if (spend != nullptr) {
    s.reserve = [spend](const spend::v1::ReserveRequest& r) { return spend->Reserve(r); };
    s.settle_batch = [spend](const spend::v1::SettleBatchRequest& r, auto done) {
      spend->SettleBatch(r, std::move(done));
    };
  }
  s.route_chat = [this](const auto& request, const auto& call, auto deadline, auto done) {
    return RouteChat(request, call, deadline, std::move(done));
  };
  s.stream_chat = [this](const auto& request, const auto& call, auto deadline, auto observer) {
    return StreamChat(request, call, deadline, std::move(observer));
  };
  return s;
}

bool LocalCalls::Begin(const std::shared_ptr<Call>& call) {
  call->self_ = call;
  uint64_t id;
  {
    std::lock_guard lock(mu_);
    if (shut_down_) return false;
    id = next_id_++;
    calls_.emplace(id, call);
  }
  std::lock_guard lock(call->mu_);
  call->id_ = id;
  return true;
}

void LocalCalls::StartDeadline(const std::shared_ptr<Call>& call, gateway::LocalServices::Deadline deadline) {
  std::weak_ptr<Call> weak = call;
  call->SetTimer(timers_.Schedule(deadline - std::chrono::steady_clock::now(), [weak] {
    if (auto c = weak.lock()) c->Stop(true);
  }));
}

void LocalCalls::Ended(uint64_t id) {
  std::lock_guard lock(mu_);
  calls_.erase(id);
  if (calls_.empty()) idle_.notify_all();
}

std::shared_ptr<gateway::CallControl> LocalCalls::RouteChat(
    const router::v1::RouteChatRequest& request, const rpc::CallContext& call,
    gateway::LocalServices::Deadline deadline, gateway::LocalServices::Done<router::v1::RouteChatResponse> done) {
  auto c = std::make_shared<Call>(*this, nullptr);
  if (!Begin(c)) {
    done(ShuttingDown());
    return c;
  }
  StartDeadline(c, deadline);
  auto handle = router_.RouteChat(request, OptionsFor(call, deadline),
                                  [c, done = std::move(done)](absl::StatusOr<router::v1::RouteChatResponse> r) mutable {
                                    c->Finish(done, std::move(r));
                                  });
  c->Arm(std::move(handle));
  return c;
}

std::shared_ptr<gateway::CallControl> LocalCalls::StreamChat(const router::v1::RouteChatRequest& request,
                                                             const rpc::CallContext& call,
                                                             gateway::LocalServices::Deadline deadline,
                                                             std::shared_ptr<gateway::StreamObserver> observer) {
  auto c = std::make_shared<Call>(*this, observer);
  if (!Begin(c)) {
    observer->OnDone(ShuttingDown(), {});
    return c;
  }
  StartDeadline(c, deadline);
  auto handle = router_.StreamChat(
      request, OptionsFor(call, deadline),
      {.on_start = [c](router::v1::DispatchInfo info) { c->OnStart(std::move(info)); },
       .on_chunk = [c](common::v1::ChatCompletionChunk chunk) { c->OnChunk(std::move(chunk)); },
       .on_done = [c](absl::Status s, router::v1::DispatchInfo info) { c->OnDone(std::move(s), std::move(info)); }});
  c->Arm(std::move(handle));
  return c;
}

void LocalCalls::Shutdown(std::chrono::steady_clock::time_point deadline) {
  std::vector<std::shared_ptr<Call>> live;
  {
    std::lock_guard lock(mu_);
    shut_down_ = true;
    for (auto& [id, weak] : calls_) {
      if (auto c = weak.lock()) live.push_back(std::move(c));
    }
  }
  for (auto& c : live) c->Cancel();
  live.clear();
  std::unique_lock lock(mu_);
  idle_.wait_until(lock, deadline, [this] { return calls_.empty(); });
}

}  // namespace llmgw
