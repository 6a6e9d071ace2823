// Gauges of the queues a process holds, read when /metrics is scraped: work waiting in the
// admin and query pools, settles waiting for the ledger writer, entries waiting in the spend
// spool for the database (they grow while the database is down).
#pragma once

#include <string>

#include "llmgw/telemetry/prometheus_fwd.h"

namespace llmgw::app {

class ProcessMetrics {
 public:
  explicit ProcessMetrics(prometheus::Registry& registry);
  void SetPoolQueue(const std::string& pool, size_t queued);
  void SetLedger(size_t queued, size_t spooled);

 private:
  prometheus::Family<prometheus::Gauge>& pool_queue_;
  prometheus::Family<prometheus::Gauge>& ledger_queue_;
  prometheus::Family<prometheus::Gauge>& spool_;
};

}  // namespace llmgw::app
