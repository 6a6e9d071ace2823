#include "apps/fake_provider/fake_provider.h"

#include <boost/json.hpp>

#include <atomic>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include "absl/strings/numbers.h"
#include "llmgw/common/ids.h"
#include "llmgw/common/timer_thread.h"
#include "llmgw/http/server.h"
#include "llmgw/http/sse.h"
#include "apps/fake_provider/fake_wire.h"
#include "apps/fake_provider/otlp_receiver.h"
#include "llmgw/providers/tokens.h"

namespace llmgw::fake {

namespace json = boost::json;
using Millis = std::chrono::milliseconds;

namespace {

struct Behaviour {
  std::optional<int64_t> latency_ms, chunk_delay_ms, status, retry_after, drop_after_chunks;
  std::optional<bool> hang, tool_call;
  std::optional<std::string> text, tool_arguments;

  // Fields set in `over` win.
  void Apply(const Behaviour& over) {
    if (over.latency_ms) latency_ms = over.latency_ms;
    if (over.chunk_delay_ms) chunk_delay_ms = over.chunk_delay_ms;
    if (over.status) status = over.status;
    if (over.retry_after) retry_after = over.retry_after;
    if (over.drop_after_chunks) drop_after_chunks = over.drop_after_chunks;
    if (over.hang) hang = over.hang;
    if (over.text) text = over.text;
    if (over.tool_call) tool_call = over.tool_call;
    if (over.tool_arguments) tool_arguments = over.tool_arguments;
  }
};

Behaviour FromJson(const json::object& o) {
  Behaviour b;
  auto num = [&](const char* k) -> std::optional<int64_t> {
    auto it = o.find(k);
    if (it == o.end() || !it->value().is_number()) return std::nullopt;
    return it->value().to_number<int64_t>();
  };
  b.latency_ms = num("latency_ms");
  b.chunk_delay_ms = num("chunk_delay_ms");
  b.status = num("status");
  b.retry_after = num("retry_after");
  b.drop_after_chunks = num("drop_after_chunks");
  if (auto it = o.find("hang"); it != o.end() && it->value().is_bool()) b.hang = it->value().get_bool();
  if (auto it = o.find("text"); it != o.end() && it->value().is_string()) {
    b.text = std::string(it->value().get_string());
  }
  if (auto it = o.find("tool_call"); it != o.end() && it->value().is_bool()) b.tool_call = it->value().get_bool();
  if (auto it = o.find("tool_arguments"); it != o.end() && it->value().is_string()) {
    b.tool_arguments = std::string(it->value().get_string());
  }
  return b;
}

Behaviour FromHeaders(const http::Request& r) {
  Behaviour b;
  auto num = [&](const char* h) -> std::optional<int64_t> {
    auto v = r.Header(h);
    int64_t n = 0;
    if (v.empty() || !absl::SimpleAtoi(absl::string_view(v.data(), v.size()), &n)) return std::nullopt;
    return n;
  };
  b.latency_ms = num("x-fake-latency-ms");
  b.chunk_delay_ms = num("x-fake-chunk-delay-ms");
  b.status = num("x-fake-status");
  b.retry_after = num("x-fake-retry-after");
  b.drop_after_chunks = num("x-fake-drop-after-chunks");
  if (r.Header("x-fake-hang") == "1" || r.Header("x-fake-hang") == "true") b.hang = true;
  if (auto t = r.Header("x-fake-text"); !t.empty()) b.text = std::string(t);
  if (r.Header("x-fake-tool-call") == "1" || r.Header("x-fake-tool-call") == "true") b.tool_call = true;
  return b;
}


http::Response Json(int status, const std::string& body) {
  return http::Response{.status = status, .body = body};
}

}  // namespace

struct FakeProvider::Impl {
  FakeOptions options;
  OtlpReceiver otlp;
  TimerThread timers;
  std::unique_ptr<http::Server> server;
  std::mutex mu;
  Behaviour defaults;
  std::map<std::string, Behaviour> per_model;
  std::atomic<int64_t> requests{0}, chat_requests{0}, streams_started{0}, streams_completed{0},
      cancelled{0}, in_flight{0}, model_checks{0};
  std::mutex held_mu;
  std::set<std::shared_ptr<http::Exchange>> held;  // hanging exchanges

  void Handle(std::shared_ptr<http::Exchange> ex);
  void Chat(std::shared_ptr<http::Exchange> ex, const Wire& wire);
  void Stream(std::shared_ptr<http::Exchange> ex, std::vector<std::string> events, Behaviour b,
              std::shared_ptr<std::atomic<bool>> done);
  void Control(std::shared_ptr<http::Exchange> ex);
  void ModelLookup(std::shared_ptr<http::Exchange> ex, const std::string& model);
  Behaviour BehaviourFor(const http::Exchange& ex, const std::string& model);
  // Answers a hang or an error status when the behaviour asks for one.
  bool Faulted(const std::shared_ptr<http::Exchange>& ex, const Wire& wire, const Behaviour& b,
               const std::shared_ptr<std::atomic<bool>>& done);
  std::string StatsJson() const;

  // Counts the exchange as in flight until it ends; records a cancellation.
  void Track(const std::shared_ptr<http::Exchange>& ex, std::shared_ptr<std::atomic<bool>> done) {
    in_flight++;
    ex->OnCancel([this, done, ex_weak = std::weak_ptr<http::Exchange>(ex)] {
      if (!done->exchange(true)) {
        cancelled++;
        in_flight--;
      }
      if (auto e = ex_weak.lock()) {
        std::lock_guard lock(held_mu);
        held.erase(e);
      }
    });
  }
  void Finish(const std::shared_ptr<std::atomic<bool>>& done) {
    if (!done->exchange(true)) in_flight--;
  }
};

void FakeProvider::Impl::Handle(std::shared_ptr<http::Exchange> ex) {
  if (otlp.Handle(ex)) return;  // not a provider request
  requests++;
  const auto& r = ex->request();
  if (r.path == "/v1/chat/completions" || r.path == "/chat/completions") {
    if (r.method != "POST") return ex->Respond(Json(405, R"({"error":{"message":"use POST"}})"));
    return Chat(std::move(ex), OpenAIWire());
  }
  // Gemini serves both API versions: /v1beta/models/M:method and /v1/models/M:method.
  if ((r.path.rfind("/v1beta/models/", 0) == 0 || r.path.rfind("/v1/models/", 0) == 0) &&
      r.path.find(':') != std::string::npos) {
    if (r.method != "POST") return ex->Respond(Json(405, GeminiWire().ErrorBody(405, "use POST")));
    return Chat(std::move(ex), GeminiWire());
  }
  if (r.path == "/v1/embeddings" || r.path == "/embeddings") {
    if (r.method != "POST") return ex->Respond(Json(405, R"({"error":{"message":"use POST"}})"));
    return Chat(std::move(ex), EmbeddingsWire());
  }
  if (r.path.rfind("/openai/deployments/", 0) == 0 && r.path.ends_with("/embeddings")) {
    if (r.method != "POST") return ex->Respond(Json(405, R"({"error":{"message":"use POST"}})"));
    return Chat(std::move(ex), AzureEmbeddingsWire());
  }
  if (r.path.rfind("/openai/deployments/", 0) == 0 && r.path.ends_with("/chat/completions")) {
    if (r.method != "POST") return ex->Respond(Json(405, R"({"error":{"message":"use POST"}})"));
    return Chat(std::move(ex), AzureWire());
  }
  if (r.path == "/v1/messages") {
    if (r.method != "POST") return ex->Respond(Json(405, AnthropicWire().ErrorBody(405, "use POST")));
    return Chat(std::move(ex), AnthropicWire());
  }
  if (r.path == "/v1/models" || r.path == "/models") {
    json::array data;
    for (const auto& m : options.models) {
      data.push_back(json::object{{"id", m}, {"object", "model"}, {"created", 1700000000}, {"owned_by", "fake"}});
    }
    return ex->Respond(Json(200, json::serialize(json::object{{"object", "list"}, {"data", data}})));
  }
  if (r.method == "GET") {
    for (const char* prefix : {"/v1/models/", "/models/", "/v1beta/models/"}) {
      if (r.path.rfind(prefix, 0) == 0 && r.path.size() > strlen(prefix)) {
        return ModelLookup(std::move(ex), r.path.substr(strlen(prefix)));
      }
    }
    if (r.path == "/openai/models" || r.path == "/openai/v1/models") return ModelLookup(std::move(ex), "");
  }
  if (r.path.rfind("/_fake/", 0) == 0) return Control(std::move(ex));
  ex->Respond(Json(404, R"({"error":{"message":"not found","type":"invalid_request_error"}})"));
}

void FakeProvider::Impl::Control(std::shared_ptr<http::Exchange> ex) {
  const auto& r = ex->request();
  if (r.path == "/_fake/stats") return ex->Respond(Json(200, StatsJson()));
  if (r.path == "/_fake/reset" && r.method == "POST") {
    {
      std::lock_guard lock(mu);
      defaults = {};
      per_model.clear();
    }
    requests = chat_requests = streams_started = streams_completed = cancelled = model_checks = 0;
    return ex->Respond(Json(200, "{}"));
  }
  if (r.path == "/_fake/behaviour" && r.method == "POST") {
    boost::system::error_code ec;
    json::value v = json::parse(r.body, ec);
    if (ec || !v.is_object()) return ex->Respond(Json(400, R"({"error":{"message":"expected a JSON object"}})"));
    std::lock_guard lock(mu);
    if (auto it = v.get_object().find("default"); it != v.get_object().end() && it->value().is_object()) {
      defaults = FromJson(it->value().get_object());
    }
    if (auto it = v.get_object().find("models"); it != v.get_object().end() && it->value().is_object()) {
      for (const auto& kv : it->value().get_object()) {
        if (kv.value().is_object()) per_model[std::string(kv.key())] = FromJson(kv.value().get_object());
      }
    }
    return ex->Respond(Json(200, "{}"));
  }
  ex->Respond(Json(404, R"({"error":{"message":"unknown control endpoint"}})"));
}

std::string FakeProvider::Impl::StatsJson() const {
  return json::serialize(json::object{{"requests", requests.load()},
                                      {"chat_requests", chat_requests.load()},
                                      {"streams_started", streams_started.load()},
                                      {"streams_completed", streams_completed.load()},
                                      {"cancelled", cancelled.load()},
                                      {"in_flight", in_flight.load()},
                                      {"model_checks", model_checks.load()}});
}

void FakeProvider::Impl::Chat(std::shared_ptr<http::Exchange> ex, const Wire& wire) {
  chat_requests++;
  auto parsed = wire.Parse(ex->request());
  if (!parsed.ok()) {
    int status = ParseErrorStatus(parsed.status());
    return ex->Respond(Json(status, wire.ErrorBody(status, std::string(parsed.status().message()))));
  }
  Behaviour b = BehaviourFor(*ex, parsed->model);
  auto done = std::make_shared<std::atomic<bool>>(false);
  Track(ex, done);
  if (Faulted(ex, wire, b, done)) return;
  auto latency = Millis(b.latency_ms.value_or(0));
  FakeAnswer answer;
  answer.text = b.text.value_or("Hello from the fake provider.");
  answer.tokens = providers::SplitIntoTokens(answer.text);
  // A tool call when asked for and a tool is offered, unless this turn brings its result.
  answer.tool_call = b.tool_call.value_or(false) && !parsed->first_tool.empty() && !parsed->after_tool_result;
  answer.tool_arguments = b.tool_arguments.value_or(R"({"city":"Paris"})");
  if (parsed->stream) return Stream(ex, wire.Events(*parsed, answer), b, done);
  auto respond = [this, ex, done, body = wire.Body(*parsed, answer)] {
    Finish(done);
    ex->Respond(Json(200, body));
  };
  if (latency.count() == 0) return respond();
  timers.Schedule(latency, respond);
}

Behaviour FakeProvider::Impl::BehaviourFor(const http::Exchange& ex, const std::string& model) {
  Behaviour b;
  {
    std::lock_guard lock(mu);
    b = defaults;
    if (auto it = per_model.find(model); it != per_model.end()) b.Apply(it->second);
  }
  b.Apply(FromHeaders(ex.request()));
  return b;
}

bool FakeProvider::Impl::Faulted(const std::shared_ptr<http::Exchange>& ex, const Wire& wire,
                                 const Behaviour& b, const std::shared_ptr<std::atomic<bool>>& done) {
  if (b.hang.value_or(false)) {
    std::lock_guard lock(held_mu);
    held.insert(ex);  // answered never; released when the client goes away
    return true;
  }
  if (b.status.value_or(200) == 200) return false;
  int status = static_cast<int>(*b.status);
  http::Response r = Json(status, wire.ErrorBody(status, "fake provider error " + std::to_string(status)));
  if (b.retry_after) r.headers.emplace_back("retry-after", std::to_string(*b.retry_after));
  timers.Schedule(Millis(b.latency_ms.value_or(0)), [this, ex, done, r = std::move(r)]() mutable {
    Finish(done);
    ex->Respond(std::move(r));
  });
  return true;
}

// GET of one model (OpenAI, Anthropic and Gemini lookups) or of Azure's model list: what
// zero-token health probes call. The model's behaviour (status, latency, hang) applies.
void FakeProvider::Impl::ModelLookup(std::shared_ptr<http::Exchange> ex, const std::string& model) {
  model_checks++;
  const auto& r = ex->request();
  const Wire& wire = !r.Header("anthropic-version").empty() ? AnthropicWire()
                     : r.path.rfind("/v1beta/", 0) == 0 || !r.Header("x-goog-api-key").empty()
                         ? GeminiWire()
                         : OpenAIWire();
  Behaviour b = BehaviourFor(*ex, model);
  auto done = std::make_shared<std::atomic<bool>>(false);
  Track(ex, done);
  if (Faulted(ex, wire, b, done)) return;
  json::object body{{"id", model}, {"object", "model"}, {"created", 1700000000}, {"owned_by", "fake"}};
  if (&wire == &AnthropicWire()) body = {{"id", model}, {"type", "model"}, {"display_name", model}};
  if (&wire == &GeminiWire()) body = {{"name", "models/" + model}, {"displayName", model}};
  if (model.empty()) body = {{"object", "list"}, {"data", json::array{}}};
  timers.Schedule(Millis(b.latency_ms.value_or(0)), [this, ex, done, text = json::serialize(body)] {
    Finish(done);
    ex->Respond(Json(200, text));
  });
}

void FakeProvider::Impl::Stream(std::shared_ptr<http::Exchange> ex, std::vector<std::string> events,
                                Behaviour b, std::shared_ptr<std::atomic<bool>> done) {
  streams_started++;
  struct State {
    std::vector<std::string> events;
    size_t next = 0;
    int64_t drop_after = -1;
    Millis gap{0};
  };
  auto st = std::make_shared<State>();
  st->events = std::move(events);
  st->drop_after = b.drop_after_chunks.value_or(-1);
  st->gap = Millis(b.chunk_delay_ms.value_or(0));
  auto step = std::make_shared<std::function<void()>>();
  std::weak_ptr<std::function<void()>> weak = step;
  *step = [this, ex, st, weak, done]() {
    auto self = weak.lock();
    if (!self || ex->cancelled()) return;
    if (st->drop_after >= 0 && static_cast<int64_t>(st->next) > st->drop_after) {
      Finish(done);
      ex->Abort();  // the connection breaks mid-stream
      return;
    }
    if (st->next >= st->events.size()) {
      streams_completed++;
      Finish(done);
      ex->End();
      return;
    }
    std::string data = st->events[st->next++];
    // Token chunks are paced; the role chunk, the finish and the tail go out at once.
    bool paced = st->next >= 2 && st->next < st->events.size() - 1;
    ex->Write(std::move(data), [this, self, st, paced](bool ok) {
      if (!ok) return;
      if (paced && st->gap.count() > 0) {
        timers.Schedule(st->gap, [self] { (*self)(); });
      } else {
        (*self)();
      }
    });
  };
  ex->BeginStream(200, {{"x-request-id", "fake-" + RandomHex(4)}});
  auto latency = Millis(b.latency_ms.value_or(0));
  timers.Schedule(latency, [step] { (*step)(); });
}

FakeProvider::FakeProvider(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

FakeProvider::~FakeProvider() {
  {
    std::lock_guard lock(impl_->held_mu);
    impl_->held.clear();
  }
  impl_->server->Stop();
}

int FakeProvider::port() const { return impl_->server->port(); }

FakeProvider::Stats FakeProvider::stats() const {
  return {impl_->requests.load(),         impl_->chat_requests.load(),
          impl_->streams_started.load(),  impl_->streams_completed.load(),
          impl_->cancelled.load(),        impl_->in_flight.load(),
          impl_->model_checks.load()};
}

absl::StatusOr<std::unique_ptr<FakeProvider>> FakeProvider::Start(FakeOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  auto* raw = impl.get();
  auto server = http::Server::Start({.listen_address = options.listen_address,
                                     .threads = options.threads,
                                     .max_body_bytes = 64 << 20,
                                     .idle_timeout = std::chrono::minutes(5)},
                                    [raw](std::shared_ptr<http::Exchange> ex) { raw->Handle(std::move(ex)); });
  if (!server.ok()) return server.status();
  impl->server = std::move(*server);
  return std::unique_ptr<FakeProvider>(new FakeProvider(std::move(impl)));
}

}  // namespace llmgw::fake
