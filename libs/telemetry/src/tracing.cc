#include "llmgw/telemetry/tracing.h"

#include <atomic>
#include <cstring>
#include <mutex>

namespace llmgw::telemetry {
namespace {

struct Installed {
  std::shared_ptr<SpanSink> sink;
  Sampler sampler;
};

// Read on every StartSpan: an atomic shared_ptr would cost a lock per span in libstdc++,
// so the installed state is published once and kept for the process's life (old ones are
// leaked on purpose: InstallTracing runs a handful of times, at start and in tests).
std::atomic<const Installed*> g_installed{nullptr};
std::mutex g_install_mu;

int64_t NowUnixNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The trace id's last 8 bytes as a number in [0, 1) (W3C Level 2 makes them random).
double TraceIdFraction(std::string_view trace_id) {
  uint64_t v = 0;
  for (char c : trace_id.substr(trace_id.size() >= 16 ? trace_id.size() - 16 : 0)) {
    v = (v << 4) | static_cast<uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  }
  return static_cast<double>(v >> 11) / static_cast<double>(uint64_t{1} << 53);
}

}  // namespace

bool Sampler::ShouldSample(const TraceContext* parent, std::string_view trace_id) const {
  if (parent_based && parent != nullptr) return (parent->flags & 0x01) != 0;
  switch (root) {
    case Root::kAlwaysOn: return true;
    case Root::kAlwaysOff: return false;
    case Root::kRatio: return ratio >= 1.0 || TraceIdFraction(trace_id) < ratio;
  }
  return true;
}

Span& Span::operator=(Span&& other) noexcept {
  if (this != &other) {
    End();
    context_ = std::move(other.context_);
    data_ = std::move(other.data_);
  }
  return *this;
}

void Span::SetAttribute(std::string_view key, std::string_view value) {
  if (data_) data_->attributes.emplace_back(std::string(key), std::string(value));
}
void Span::SetAttribute(std::string_view key, int64_t value) {
  if (data_) data_->attributes.emplace_back(std::string(key), value);
}
void Span::SetAttribute(std::string_view key, double value) {
  if (data_) data_->attributes.emplace_back(std::string(key), value);
}
void Span::SetAttribute(std::string_view key, bool value) {
  if (data_) data_->attributes.emplace_back(std::string(key), value);
}

void Span::SetError(std::string_view description) {
  if (!data_) return;
  data_->error = true;
  data_->status_message = std::string(description);
}

void Span::End() {
  if (!data_) return;
  data_->end_unix_nanos = NowUnixNanos();
  const Installed* installed = g_installed.load(std::memory_order_acquire);
  if (installed != nullptr) installed->sink->OnEnd(std::move(data_));
  data_.reset();
}

Span StartSpan(std::string_view name, SpanKind kind, const TraceContext* parent, bool parent_remote) {
  Span span;
  span.context_ = parent != nullptr ? parent->Child() : TraceContext::NewRoot();
  const Installed* installed = g_installed.load(std::memory_order_acquire);
  // Not recording here: the context passes on as it came (a new trace says sampled, so a
  // process further down that does record keeps the trace).
  if (installed == nullptr) return span;
  bool sampled = installed->sampler.ShouldSample(parent, span.context_.trace_id);
  // A new trace's id is random (flag 02); a continued one keeps the parent's flag.
  span.context_.flags = static_cast<uint8_t>((span.context_.flags & 0x02) | (sampled ? 0x01 : 0x00));
  if (!sampled) return span;
  auto data = std::make_unique<SpanData>();
  data->context = span.context_;
  if (parent != nullptr) data->parent_span_id = parent->span_id;
  data->parent_remote = parent_remote;
  data->name = std::string(name);
  data->kind = kind;
  data->start_unix_nanos = NowUnixNanos();
  span.data_ = std::move(data);
  return span;
}

namespace {
thread_local const TraceContext* t_ambient = nullptr;
}  // namespace

ScopedParent::ScopedParent(const TraceContext* parent) : previous_(t_ambient) { t_ambient = parent; }
ScopedParent::~ScopedParent() { t_ambient = previous_; }
const TraceContext* AmbientParent() { return t_ambient; }

void InstallTracing(std::shared_ptr<SpanSink> sink, Sampler sampler) {
  std::lock_guard lock(g_install_mu);
  const Installed* next = sink ? new Installed{std::move(sink), sampler} : nullptr;
  g_installed.store(next, std::memory_order_release);
}

bool TracingEnabled() { return g_installed.load(std::memory_order_acquire) != nullptr; }

std::string SpanName(std::initializer_list<std::string_view> parts) {
  std::string out;
  if (!TracingEnabled()) return out;
  for (std::string_view p : parts) out.append(p);
  return out;
}

namespace {
std::atomic<bool> g_capture_content{false};
}  // namespace

void SetCaptureMessageContent(bool on) { g_capture_content.store(on, std::memory_order_relaxed); }
bool CaptureMessageContent() { return g_capture_content.load(std::memory_order_relaxed) && TracingEnabled(); }

}  // namespace llmgw::telemetry
