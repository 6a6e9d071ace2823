// A fast, scriptable fake of an OpenAI-compatible provider (/v1/chat/completions) and of
// Anthropic's Messages API (/v1/messages) and of the Gemini API (/v1beta/models/M:generateContent
// and :streamGenerateContent?alt=sse), for tests, benchmarks and drills. Behaviour comes from `x-fake-*` request headers, per-model settings or defaults
// set through the control endpoint:
//   POST /_fake/behaviour {"default": {...}, "models": {"name": {...}}}
//   POST /_fake/reset     (behaviour and counters)
//   GET  /_fake/stats     counters, including streams the client cancelled
// A behaviour: latency_ms, chunk_delay_ms, status (e.g. 429, 500, 503), retry_after,
// drop_after_chunks (close the connection mid-stream), hang (never answer), text,
// tool_call (answer with a call of the first tool offered, arguments tool_arguments).
// GET /v1/models/M, /v1beta/models/M and Azure's /openai/models answer model lookups under
// M's behaviour (status, latency, hang). It is also a test OTLP/HTTP receiver
// (otlp_receiver.h): POST /v1/traces, GET /_fake/spans.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace llmgw::fake {

struct FakeOptions {
  std::string listen_address = "127.0.0.1:0";
  int threads = 2;
  std::vector<std::string> models = {"fake-model"};
};

class FakeProvider {
 public:
  static absl::StatusOr<std::unique_ptr<FakeProvider>> Start(FakeOptions options);
  ~FakeProvider();
  int port() const;

  struct Stats {
    int64_t requests = 0;
    int64_t chat_requests = 0;
    int64_t streams_started = 0;
    int64_t streams_completed = 0;
    int64_t cancelled = 0;  // the client went away before the answer was complete
    int64_t in_flight = 0;
    int64_t model_checks = 0;  // GETs of a model (zero-token health probes)
  };
  Stats stats() const;

  struct Impl;

 private:
  explicit FakeProvider(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace llmgw::fake
