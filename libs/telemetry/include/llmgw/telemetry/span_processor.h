// The batch span processor: ended spans wait in a bounded queue and one thread hands them
// to the exporter in batches, every schedule delay or as soon as a batch is full. A full
// queue drops the span and counts it: a request never waits for telemetry.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "llmgw/telemetry/tracing.h"
#include "llmgw/telemetry/prometheus_fwd.h"


namespace llmgw::telemetry {

// Sends one batch; called on the processor's thread only, may block up to its own timeout.
class SpanExporter {
 public:
  virtual ~SpanExporter() = default;
  // True when the receiver took the batch.
  virtual bool Export(const std::vector<std::unique_ptr<SpanData>>& batch) = 0;
};

struct BatchOptions {  // OTEL_BSP_*
  size_t max_queue_size = 2048;
  size_t max_export_batch_size = 512;
  std::chrono::milliseconds schedule_delay{5'000};
};

class BatchSpanProcessor final : public SpanSink {
 public:
  // `registry` (may be null) gets llmgw_otel_spans_{exported,dropped}_total and
  // llmgw_otel_span_queue_size.
  BatchSpanProcessor(std::unique_ptr<SpanExporter> exporter, BatchOptions options, prometheus::Registry* registry);
  ~BatchSpanProcessor() override;

  void OnEnd(std::unique_ptr<SpanData> span) override;
  // Exports what is queued (until `deadline`) and stops the thread; spans ended later are
  // dropped.
  void Shutdown(std::chrono::steady_clock::time_point deadline);

  uint64_t dropped() const;
  uint64_t exported() const;

 private:
  void Run();

  const std::unique_ptr<SpanExporter> exporter_;
  const BatchOptions options_;
  prometheus::Counter* exported_metric_ = nullptr;
  prometheus::Counter* dropped_metric_ = nullptr;
  prometheus::Gauge* queue_metric_ = nullptr;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::unique_ptr<SpanData>> queue_;  // under mu_
  bool stopping_ = false;                        // under mu_
  std::chrono::steady_clock::time_point flush_deadline_;  // under mu_, with stopping_
  uint64_t dropped_ = 0;                         // under mu_
  uint64_t exported_ = 0;                        // under mu_
  std::thread thread_;
};

}  // namespace llmgw::telemetry
