// Spans: what one hop did, with its W3C trace context, timing, attributes and status.
// StartSpan decides (the sampler) whether a span records; one that does not still carries a
// context to propagate, so the trace id follows the request either way. Ended spans go to
// the installed sink (the batch processor, span_processor.h) and never block the caller.
// With no sink installed nothing records: StartSpan costs one id and no allocation.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "llmgw/telemetry/trace_context.h"

namespace llmgw::telemetry {

enum class SpanKind : uint8_t { kInternal = 1, kServer = 2, kClient = 3 };

using AttributeValue = std::variant<std::string, int64_t, double, bool>;

struct SpanData {
  TraceContext context;        // trace id, this span's id, flags, tracestate
  std::string parent_span_id;  // "" for a root span
  bool parent_remote = false;  // the parent came from another process
  std::string name;
  SpanKind kind = SpanKind::kInternal;
  int64_t start_unix_nanos = 0;
  int64_t end_unix_nanos = 0;
  std::vector<std::pair<std::string, AttributeValue>> attributes;
  bool error = false;
  std::string status_message;  // with error
};

// Receives ended spans; must not block (the batch processor queues them).
class SpanSink {
 public:
  virtual ~SpanSink() = default;
  virtual void OnEnd(std::unique_ptr<SpanData> span) = 0;
};

// OTEL_TRACES_SAMPLER's choices.
struct Sampler {
  enum class Root { kAlwaysOn, kAlwaysOff, kRatio };
  Root root = Root::kAlwaysOn;
  double ratio = 1.0;        // kRatio
  bool parent_based = true;  // a span with a parent follows the parent's sampled flag

  bool ShouldSample(const TraceContext* parent, std::string_view trace_id) const;
};

class Span {
 public:
  Span() = default;
  Span(Span&&) noexcept = default;
  Span& operator=(Span&& other) noexcept;
  ~Span() { End(); }

  bool recording() const { return data_ != nullptr; }
  // This span's context: what goes downstream as traceparent (valid once started).
  const TraceContext& context() const { return context_; }

  void SetAttribute(std::string_view key, std::string_view value);
  void SetAttribute(std::string_view key, const char* value) { SetAttribute(key, std::string_view(value)); }
  void SetAttribute(std::string_view key, int64_t value);
  void SetAttribute(std::string_view key, int value) { SetAttribute(key, static_cast<int64_t>(value)); }
  void SetAttribute(std::string_view key, double value);
  void SetAttribute(std::string_view key, bool value);
  // Status ERROR with a description.
  void SetError(std::string_view description);
  // Once; later calls do nothing.
  void End();

 private:
  friend Span StartSpan(std::string_view, SpanKind, const TraceContext*, bool);
  TraceContext context_;
  std::unique_ptr<SpanData> data_;
};

// A span's name from its parts ("POST", " ", "/v1/chat/completions"), built only while
// spans are recorded: with tracing off the request path allocates nothing for it.
std::string SpanName(std::initializer_list<std::string_view> parts);

// A span under `parent` (nullptr: a new trace). `parent_remote`: the parent arrived from
// another process (traceparent). tracestate and the random-trace-id flag carry over.
Span StartSpan(std::string_view name, SpanKind kind, const TraceContext* parent, bool parent_remote);

// The span that work on this thread belongs to, for layers that are not handed a context
// (the database): set around work a service hands to a pool. Nests; null clears it.
class ScopedParent {
 public:
  explicit ScopedParent(const TraceContext* parent);
  ~ScopedParent();
  ScopedParent(const ScopedParent&) = delete;
  ScopedParent& operator=(const ScopedParent&) = delete;

 private:
  const TraceContext* previous_;
};
const TraceContext* AmbientParent();

// Installs where ended spans go and how new ones are sampled (at start, before traffic);
// nullptr turns recording off. The sink must outlive every span started while installed:
// uninstall, then drain it, before it is destroyed.
void InstallTracing(std::shared_ptr<SpanSink> sink, Sampler sampler);
bool TracingEnabled();

// Whether provider attempt spans may carry the prompt and the answer
// (OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true); off unless an operator turns it
// on.
void SetCaptureMessageContent(bool on);
bool CaptureMessageContent();

}  // namespace llmgw::telemetry
