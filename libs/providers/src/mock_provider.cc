#include "llmgw/providers/mock_provider.h"

#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <chrono>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "llmgw/common/ids.h"
#include "llmgw/providers/tokens.h"

namespace llmgw::providers {
namespace {

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string LastUserText(const ChatCompletionRequest& r) {
  for (int i = r.messages_size() - 1; i >= 0; --i) {
    const auto& m = r.messages(i);
    if (m.role() != common::v1::CHAT_ROLE_USER) continue;
    if (m.has_text()) return m.text();
    for (const auto& p : m.parts().parts()) {
      if (p.has_text()) return p.text();
    }
  }
  return "";
}

std::optional<std::string> RequestMockResponse(const ChatCompletionRequest& r) {
  if (r.extra_json().find("mock_response") == std::string::npos) return std::nullopt;
  boost::system::error_code ec;
  auto v = boost::json::parse(r.extra_json(), ec);
  if (ec || !v.is_object()) return std::nullopt;
  auto it = v.get_object().find("mock_response");
  if (it == v.get_object().end() || !it->value().is_string()) return std::nullopt;
  return std::string(it->value().get_string());
}

struct Answer {
  std::vector<std::string> tokens;
  std::string finish_reason = "stop";
  common::v1::Usage usage;
};

Answer BuildAnswer(const config::Deployment& d, const ChatCompletionRequest& r) {
  Answer a;
  a.tokens = SplitIntoTokens(MockProvider::AnswerText(d, r));
  int64_t limit = r.has_max_completion_tokens() ? r.max_completion_tokens()
                  : r.has_max_tokens()          ? r.max_tokens()
                                                : 0;
  if (limit > 0 && static_cast<int64_t>(a.tokens.size()) > limit) {
    a.tokens.resize(static_cast<size_t>(limit));
    a.finish_reason = "length";
  }
  a.usage.set_prompt_tokens(EstimatePromptTokens(r));
  a.usage.set_completion_tokens(static_cast<int64_t>(a.tokens.size()));
  a.usage.set_total_tokens(a.usage.prompt_tokens() + a.usage.completion_tokens());
  return a;
}

// One mock call: a chain of timers, cancellable and pausable.
class MockCall final : public CallHandle, public std::enable_shared_from_this<MockCall> {
 public:
  explicit MockCall(TimerThread& timers) : timers_(timers) {}

  void Cancel() override {
    // Callbacks of one call never overlap: a step in progress finishes first.
    std::lock_guard callbacks(callback_mu_);
    std::function<void(absl::Status)> fail;
    {
      std::lock_guard lock(mu_);
      if (finished_) return;
      finished_ = true;
      timers_.Cancel(timer_);
      fail = std::move(fail_);
    }
    if (fail) fail(absl::CancelledError("mock call cancelled"));
  }
  void Pause() override {
    std::lock_guard lock(mu_);
    paused_ = true;
  }
  void Resume() override {
    std::function<void()> step;
    {
      std::lock_guard lock(mu_);
      paused_ = false;
      step = std::move(parked_);
    }
    if (step) {
      std::lock_guard callbacks(callback_mu_);
      step();
    }
  }

  // Runs `step` after `delay` unless cancelled; parks it while paused.
  void After(std::chrono::milliseconds delay, std::function<void()> step) {
    std::function<void(absl::Status)> fail;
    {
      std::lock_guard lock(mu_);
      if (finished_) return;
      auto self = shared_from_this();
      auto run = [self, step = std::move(step)]() mutable {
        std::lock_guard callbacks(self->callback_mu_);
        {
          std::lock_guard lock(self->mu_);
          if (self->finished_) return;
          if (self->paused_) {
            self->parked_ = std::move(step);
            return;
          }
        }
        step();
      };
      timer_ = timers_.Schedule(delay, std::move(run));
      if (timer_ != 0) return;
      finished_ = true;  // the timer queue is full
      fail = std::move(fail_);
    }
    if (fail) fail(absl::ResourceExhaustedError("mock provider is overloaded"));
  }

  // Marks the call finished; false if it already was (cancelled).
  bool Finish() {
    std::lock_guard lock(mu_);
    if (finished_) return false;
    finished_ = true;
    return true;
  }

  void SetFailure(std::function<void(absl::Status)> fail) { fail_ = std::move(fail); }

 private:
  TimerThread& timers_;
  std::mutex mu_;
  std::recursive_mutex callback_mu_;  // recursive: a callback may cancel its own call
  bool finished_ = false;
  bool paused_ = false;
  TimerThread::TimerId timer_ = 0;
  std::function<void()> parked_;
  std::function<void(absl::Status)> fail_;
};

}  // namespace

std::string MockProvider::AnswerText(const config::Deployment& d, const ChatCompletionRequest& r) {
  if (auto text = RequestMockResponse(r)) return *text;
  if (d.params.mock_response) return *d.params.mock_response;
  std::vector<std::string> words = absl::StrSplit(LastUserText(r), ' ', absl::SkipEmpty());
  if (words.size() > 12) words.resize(12);
  if (words.empty()) return "This is a mock response from llmgw.";
  return absl::StrCat("This is a mock response from llmgw to: ", absl::StrJoin(words, " "));
}

std::shared_ptr<CallHandle> MockProvider::Chat(const config::Deployment& d,
                                               const ChatCompletionRequest& request,
                                               const CallOptions&, ChatDone done) {
  auto call = std::make_shared<MockCall>(timers_);
  call->SetFailure([done](absl::Status s) { done(s); });
  Answer answer = BuildAnswer(d, request);
  ChatCompletionResponse r;
  r.set_id("chatcmpl-mock-" + RandomHex(12));
  r.set_created(NowSeconds());
  r.set_model(d.params.upstream_model);
  auto* choice = r.add_choices();
  choice->set_index(0);
  choice->mutable_message()->set_role(common::v1::CHAT_ROLE_ASSISTANT);
  choice->mutable_message()->set_text(absl::StrJoin(answer.tokens, ""));
  choice->set_finish_reason(answer.finish_reason);
  *r.mutable_usage() = answer.usage;
  call->After(d.params.mock_latency, [call, done, r = std::move(r)]() mutable {
    if (call->Finish()) done(std::move(r));
  });
  return call;
}

std::vector<float> MockProvider::EmbeddingOf(std::string_view text, int64_t dimensions) {
  std::vector<float> v(static_cast<size_t>(std::clamp<int64_t>(dimensions, 1, 8192)));
  uint64_t h = 1469598103934665603ull;  // FNV-1a of the text seeds a splitmix64 sequence
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  double norm = 0;
  for (auto& x : v) {
    h += 0x9e3779b97f4a7c15ull;
    uint64_t z = h;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    x = static_cast<float>(static_cast<double>(z >> 11) / 9007199254740992.0 * 2 - 1);
    norm += double(x) * x;
  }
  norm = std::sqrt(norm);
  if (norm > 0) {
    for (auto& x : v) x = static_cast<float>(x / norm);
  }
  return v;
}

std::shared_ptr<CallHandle> MockProvider::Embed(const config::Deployment& d,
                                                const EmbeddingsRequest& request,
                                                const CallOptions&, EmbedDone done) {
  auto call = std::make_shared<MockCall>(timers_);
  call->SetFailure([done](absl::Status s) { done(s); });
  EmbeddingsResponse r;
  r.set_model(d.params.upstream_model);
  int64_t dims = request.has_dimensions() ? request.dimensions() : kDefaultDimensions;
  int64_t tokens = 0;
  for (int i = 0; i < request.inputs_size(); ++i) {
    auto* e = r.add_data();
    e->set_index(i);
    for (float x : EmbeddingOf(request.inputs(i), dims)) e->add_values(x);
    tokens += EstimateTextTokens(request.inputs(i));
  }
  r.mutable_usage()->set_prompt_tokens(tokens);
  r.mutable_usage()->set_total_tokens(tokens);
  call->After(d.params.mock_latency, [call, done, r = std::move(r)]() mutable {
    if (call->Finish()) done(std::move(r));
  });
  return call;
}

std::shared_ptr<CallHandle> MockProvider::CheckModel(const config::Deployment& d,
                                                     const CallOptions&, StatusDone done) {
  auto call = std::make_shared<MockCall>(timers_);
  call->SetFailure([done](absl::Status s) { done(s); });
  call->After(d.params.mock_latency, [call, done] {
    if (call->Finish()) done(absl::OkStatus());
  });
  return call;
}

std::shared_ptr<CallHandle> MockProvider::StreamChat(const config::Deployment& d,
                                                     const ChatCompletionRequest& request,
                                                     const CallOptions&, StreamCallbacks cb) {
  auto call = std::make_shared<MockCall>(timers_);
  call->SetFailure([on_done = cb.on_done](absl::Status s) { on_done(s); });
  struct State {
    Answer answer;
    ChatCompletionChunk base;
    size_t next = 0;
    StreamCallbacks cb;
    std::chrono::milliseconds gap;
  };
  auto st = std::make_shared<State>();
  st->answer = BuildAnswer(d, request);
  st->base.set_id("chatcmpl-mock-" + RandomHex(12));
  st->base.set_created(NowSeconds());
  st->base.set_model(d.params.upstream_model);
  st->cb = std::move(cb);
  st->gap = d.params.mock_chunk_delay;

  // Step k: k == 0 the role chunk, then one chunk per token, then finish, then usage.
  auto step = std::make_shared<std::function<void()>>();
  std::weak_ptr<std::function<void()>> weak_step = step;
  *step = [call, st, weak_step]() {
    auto self = weak_step.lock();
    if (!self) return;
    ChatCompletionChunk chunk = st->base;
    size_t n = st->answer.tokens.size();
    if (st->next == 0) {
      auto* c = chunk.add_choices();
      c->mutable_delta()->set_role(common::v1::CHAT_ROLE_ASSISTANT);
      c->mutable_delta()->set_text("");
    } else if (st->next <= n) {
      chunk.add_choices()->mutable_delta()->set_text(st->answer.tokens[st->next - 1]);
    } else if (st->next == n + 1) {
      auto* c = chunk.add_choices();
      c->mutable_delta();
      c->set_finish_reason(st->answer.finish_reason);
    } else {
      *chunk.mutable_usage() = st->answer.usage;
      st->cb.on_chunk(std::move(chunk));
      if (call->Finish()) st->cb.on_done(absl::OkStatus());
      return;
    }
    ++st->next;
    st->cb.on_chunk(std::move(chunk));
    // Only the chunks that carry tokens are paced; role, finish and usage follow at once.
    auto delay = (st->next >= 1 && st->next <= n) ? st->gap : std::chrono::milliseconds(0);
    call->After(delay, [self] { (*self)(); });
  };
  // The call owns the step chain through its pending timer; `step` is kept alive here.
  call->After(d.params.mock_latency, [step] { (*step)(); });
  return call;
}

}  // namespace llmgw::providers
