#include "llmgw/telemetry/span_processor.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace llmgw::telemetry {

BatchSpanProcessor::BatchSpanProcessor(std::unique_ptr<SpanExporter> exporter, BatchOptions options,
                                       prometheus::Registry* registry)
    : exporter_(std::move(exporter)), options_(options) {
  if (registry != nullptr) {
    exported_metric_ = &prometheus::BuildCounter()
                            .Name("llmgw_otel_spans_exported_total")
                            .Help("Spans the OTLP receiver accepted.")
                            .Register(*registry)
                            .Add({});
    dropped_metric_ = &prometheus::BuildCounter()
                           .Name("llmgw_otel_spans_dropped_total")
                           .Help("Spans dropped: the queue was full, or the receiver refused or could not be reached.")
                           .Register(*registry)
                           .Add({});
    queue_metric_ = &prometheus::BuildGauge()
                         .Name("llmgw_otel_span_queue_size")
                         .Help("Ended spans waiting to be exported.")
                         .Register(*registry)
                         .Add({});
  }
  thread_ = std::thread([this] { Run(); });
}

BatchSpanProcessor::~BatchSpanProcessor() { Shutdown(std::chrono::steady_clock::now()); }

void BatchSpanProcessor::OnEnd(std::unique_ptr<SpanData> span) {
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() >= options_.max_queue_size) {
      ++dropped_;
      if (dropped_metric_ != nullptr) dropped_metric_->Increment();
      return;
    }
    queue_.push_back(std::move(span));
    wake = queue_.size() == options_.max_export_batch_size;
  }
  if (wake) wake_.notify_one();
}

void BatchSpanProcessor::Shutdown(std::chrono::steady_clock::time_point deadline) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      stopping_ = true;
      flush_deadline_ = deadline;
    }
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

uint64_t BatchSpanProcessor::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

uint64_t BatchSpanProcessor::exported() const {
  std::lock_guard lock(mu_);
  return exported_;
}

void BatchSpanProcessor::Run() {
  std::unique_lock lock(mu_);
  while (true) {
    wake_.wait_for(lock, options_.schedule_delay,
                   [&] { return stopping_ || queue_.size() >= options_.max_export_batch_size; });
    if (stopping_ && (queue_.empty() || std::chrono::steady_clock::now() >= flush_deadline_)) break;
    while (!queue_.empty()) {
      std::vector<std::unique_ptr<SpanData>> batch;
      size_t n = std::min(queue_.size(), options_.max_export_batch_size);
      batch.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      if (queue_metric_ != nullptr) queue_metric_->Set(static_cast<double>(queue_.size()));
      lock.unlock();
      bool ok = exporter_->Export(batch);
      lock.lock();
      (ok ? exported_ : dropped_) += n;
      auto* metric = ok ? exported_metric_ : dropped_metric_;
      if (metric != nullptr) metric->Increment(static_cast<double>(n));
      if (stopping_ && std::chrono::steady_clock::now() >= flush_deadline_) break;
      if (!stopping_ && queue_.size() < options_.max_export_batch_size) break;
    }
  }
  // Whatever could not be sent in time is dropped, and counted.
  dropped_ += queue_.size();
  if (dropped_metric_ != nullptr) dropped_metric_->Increment(static_cast<double>(queue_.size()));
  queue_.clear();
}

}  // namespace llmgw::telemetry
