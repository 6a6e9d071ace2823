#include "services/health/service_watch.h"

#include <grpcpp/client_context.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace llmgw::health {

using grpc::health::v1::HealthCheckResponse;
using Clock = std::chrono::system_clock;

namespace {

constexpr std::chrono::milliseconds kFirstBackoff{250};
constexpr std::chrono::milliseconds kMaxBackoff{1'000};

}  // namespace

struct ServiceWatch::State {
  State(std::shared_ptr<grpc::Channel> c, std::string s, TimerThread& t)
      : stub(grpc::health::v1::Health::NewStub(c)), service(std::move(s)), timers(t) {}

  std::unique_ptr<grpc::health::v1::Health::Stub> stub;
  const std::string service;
  TimerThread& timers;

  // Held while a stream is created and started, and by Stop: no call starts after Stop.
  // The stream's callbacks (which may run inline in StartCall) take only `mu`.
  std::mutex start_mu;
  mutable std::mutex mu;
  Status status;                        // under mu
  bool stopped = false;                 // under mu
  // The open stream's; shared so Stop can cancel it outside `mu` (a cancel may run the
  // stream's callbacks inline) while the stream ends on its own.
  std::shared_ptr<grpc::ClientContext> live;  // under mu
  bool open = false;                          // a stream exists (until its OnDone); under mu
  std::condition_variable closed;             // signalled when `open` falls
  bool reconnecting = false;            // under mu; after a stream ended: wait for the channel
  std::chrono::milliseconds backoff = kFirstBackoff;  // under mu

  // Under mu.
  void Set(Status::State s, std::string reason) {
    if (status.state == s && status.reason == reason) return;
    status = {.state = s, .reason = std::move(reason), .since = Clock::now()};
  }
};

namespace {

class Stream final : public grpc::ClientReadReactor<HealthCheckResponse> {
 public:
  // Opens a stream unless the watch is stopped.
  static void Open(const std::shared_ptr<ServiceWatch::State>& state) {
    std::lock_guard starting(state->start_mu);
    auto* s = new Stream(state);
    {
      std::lock_guard lock(state->mu);
      if (state->stopped) {
        delete s;
        return;
      }
      state->live = s->ctx_;
      state->open = true;
      s->ctx_->set_wait_for_ready(state->reconnecting);
    }
    state->stub->async()->Watch(s->ctx_.get(), &s->request_, s);
    s->StartRead(&s->response_);
    s->StartCall();
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // the stream ended: OnDone has its status
    {
      std::lock_guard lock(state_->mu);
      got_answer_ = true;
      state_->backoff = kFirstBackoff;
      switch (response_.status()) {
        case HealthCheckResponse::SERVING: state_->Set(ServiceWatch::Status::State::kServing, ""); break;
        case HealthCheckResponse::SERVICE_UNKNOWN:
          state_->Set(ServiceWatch::Status::State::kNotServing, "the server does not know this service");
          break;
        default: state_->Set(ServiceWatch::Status::State::kNotServing, "reports NOT_SERVING"); break;
      }
    }
    StartRead(&response_);
  }

  void OnDone(const grpc::Status& status) override {
    std::shared_ptr<ServiceWatch::State> state = std::move(state_);
    {
      std::lock_guard lock(state->mu);
      state->live = nullptr;
      if (!state->stopped) {
        state->Set(ServiceWatch::Status::State::kNotServing,
                   absl::StrCat("health watch ended: ", status.error_message().empty() ? "stream closed" : status.error_message()));
        state->reconnecting = true;
        // A stream that answered and then broke (the process went away) reopens at once and
        // waits for the channel; one that ended without an answer backs off.
        auto delay = got_answer_ ? std::chrono::milliseconds(0) : state->backoff;
        if (!got_answer_) state->backoff = std::min(state->backoff * 2, kMaxBackoff);
        state->timers.Schedule(delay, [state] { Open(state); });
      }
    }
    delete this;
    // Last: Stop waits for it, so nothing of the stream (its interceptors' metrics
    // included) runs after Stop returns.
    std::lock_guard lock(state->mu);
    state->open = false;
    state->closed.notify_all();
  }

 private:
  explicit Stream(std::shared_ptr<ServiceWatch::State> state) : state_(std::move(state)) {
    request_.set_service(state_->service);
  }

  std::shared_ptr<ServiceWatch::State> state_;
  std::shared_ptr<grpc::ClientContext> ctx_ = std::make_shared<grpc::ClientContext>();
  grpc::health::v1::HealthCheckRequest request_;
  HealthCheckResponse response_;
  bool got_answer_ = false;  // read on the reactor's own callbacks only
};

}  // namespace

ServiceWatch::ServiceWatch(std::shared_ptr<grpc::Channel> channel, std::string service, TimerThread& timers)
    : state_(std::make_shared<State>(std::move(channel), std::move(service), timers)) {}

ServiceWatch::~ServiceWatch() { Stop(); }

void ServiceWatch::Start() { Stream::Open(state_); }

ServiceWatch::Status ServiceWatch::Get() const {
  std::lock_guard lock(state_->mu);
  return state_->status;
}

void ServiceWatch::Stop() {
  std::lock_guard starting(state_->start_mu);
  std::shared_ptr<grpc::ClientContext> live;
  {
    std::lock_guard lock(state_->mu);
    state_->stopped = true;
    live = std::move(state_->live);
  }
  if (live) live->TryCancel();
  // A cancelled stream ends promptly; the bound only guards against a stuck library.
  std::unique_lock lock(state_->mu);
  state_->closed.wait_for(lock, std::chrono::seconds(2), [&] { return !state_->open; });
}

}  // namespace llmgw::health
