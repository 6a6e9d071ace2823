// A provider for router tests whose every deployment follows a script: a queue of failures
// to answer with before it succeeds, a latency, or hanging until cancelled. Calls and
// concurrency are counted per deployment.
#pragma once

#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <optional>

#include "absl/status/status.h"
#include "llmgw/common/error.h"
#include "llmgw/common/timer_thread.h"
#include "llmgw/providers/provider.h"

namespace llmgw::router::testing {

struct Script {
  std::deque<absl::Status> failures;  // answered in order before successes
  bool fail_always = false;
  absl::Status always;                // with fail_always
  std::chrono::milliseconds latency{0};
  bool hang = false;                  // until cancelled
  // Streams: after the first chunk, fail with this instead of finishing.
  std::optional<absl::Status> fail_mid_stream;
};

inline absl::Status Upstream(int http, std::optional<std::chrono::milliseconds> retry_after = {}) {
  using common::v1::ErrorKind;
  ErrorKind kind = http == 429   ? common::v1::ERROR_KIND_UPSTREAM_RATE_LIMITED
                   : http == 400 ? common::v1::ERROR_KIND_INVALID_REQUEST
                                 : common::v1::ERROR_KIND_UPSTREAM_ERROR;
  absl::StatusCode code = http == 429   ? absl::StatusCode::kResourceExhausted
                          : http == 400 ? absl::StatusCode::kInvalidArgument
                                        : absl::StatusCode::kUnavailable;
  return MakeError(code, kind, "provider answered " + std::to_string(http),
                   {.retry_after = retry_after, .upstream_status = http});
}

class ScriptedProvider final : public providers::Provider {
 public:
  explicit ScriptedProvider(TimerThread& timers) : timers_(timers) {}

  void Set(const std::string& deployment_id, Script s) {
    std::lock_guard lock(mu_);
    scripts_[deployment_id] = std::move(s);
  }
  int Calls(const std::string& id) {
    std::lock_guard lock(mu_);
    return calls_[id];
  }
  int MaxConcurrent(const std::string& id) {
    std::lock_guard lock(mu_);
    return max_concurrent_[id];
  }
  void ResetCounts() {
    std::lock_guard lock(mu_);
    calls_.clear();
  }

  std::shared_ptr<providers::CallHandle> Chat(const config::Deployment& d,
                                              const providers::ChatCompletionRequest& req,
                                              const providers::CallOptions&,
                                              providers::ChatDone done) override {
    Call call = Begin(d.id);
    auto h = std::make_shared<Handle>();
    auto out = std::make_shared<providers::ChatDone>(std::move(done));
    h->on_cancel = [this, id = d.id, out] {
      End(id);
      (*out)(absl::CancelledError("cancelled"));
    };
    Run(call, [this, h, id = d.id, model = req.model(), status = call.outcome, out] {
      if (!h->Take()) return;
      End(id);
      if (!status.ok()) return (*out)(status);
      providers::ChatCompletionResponse r;
      r.set_model(model);
      r.add_choices()->mutable_message()->set_text("answer from " + id);
      r.mutable_usage()->set_prompt_tokens(10);
      r.mutable_usage()->set_completion_tokens(5);
      r.mutable_usage()->set_total_tokens(15);
      (*out)(std::move(r));
    });
    return h;
  }

  std::shared_ptr<providers::CallHandle> StreamChat(const config::Deployment& d,
                                                    const providers::ChatCompletionRequest&,
                                                    const providers::CallOptions&,
                                                    providers::StreamCallbacks cb) override {
    Call call = Begin(d.id);
    auto h = std::make_shared<Handle>();
    auto out = std::make_shared<providers::StreamCallbacks>(std::move(cb));
    h->on_cancel = [this, id = d.id, out] {
      End(id);
      out->on_done(absl::CancelledError("cancelled"));
    };
    Run(call, [this, h, id = d.id, status = call.outcome, mid = call.mid_stream, out] {
      if (!h->Take()) return;
      End(id);
      if (!status.ok()) return out->on_done(status);
      for (int i = 0; i < 3; ++i) {
        providers::ChatCompletionChunk c;
        c.add_choices()->mutable_delta()->set_text("w" + std::to_string(i));
        out->on_chunk(std::move(c));
        if (mid) return out->on_done(*mid);
      }
      providers::ChatCompletionChunk u;
      u.mutable_usage()->set_prompt_tokens(10);
      u.mutable_usage()->set_completion_tokens(3);
      u.mutable_usage()->set_total_tokens(13);
      out->on_chunk(std::move(u));
      out->on_done(absl::OkStatus());
    });
    return h;
  }

 private:
  struct Call {
    absl::Status outcome;
    std::optional<absl::Status> mid_stream;
    std::chrono::milliseconds latency{0};
    bool hang = false;
  };

  // Ends once: by the script or by Cancel, which reports CANCELLED as real adapters do.
  class Handle final : public providers::CallHandle {
   public:
    bool Take() { return !taken_.exchange(true); }
    void Cancel() override {
      if (Take()) on_cancel();
    }
    void Pause() override {}
    void Resume() override {}
    std::function<void()> on_cancel;

   private:
    std::atomic<bool> taken_{false};
  };

  void Run(const Call& call, std::function<void()> finish) {
    if (call.hang) return;
    if (call.latency.count() == 0) return finish();
    timers_.Schedule(call.latency, std::move(finish));
  }

  Call Begin(const std::string& id) {
    std::lock_guard lock(mu_);
    ++calls_[id];
    max_concurrent_[id] = std::max(max_concurrent_[id], ++concurrent_[id]);
    Script& s = scripts_[id];
    Call c{.mid_stream = s.fail_mid_stream, .latency = s.latency, .hang = s.hang};
    if (s.fail_always) {
      c.outcome = s.always;
    } else if (!s.failures.empty()) {
      c.outcome = s.failures.front();
      s.failures.pop_front();
    }
    return c;
  }
  void End(const std::string& id) {
    std::lock_guard lock(mu_);
    --concurrent_[id];
  }

  TimerThread& timers_;
  std::mutex mu_;
  std::map<std::string, Script> scripts_;
  std::map<std::string, int> calls_, concurrent_, max_concurrent_;
};

}  // namespace llmgw::router::testing
