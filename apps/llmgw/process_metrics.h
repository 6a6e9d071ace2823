// Gauges read when /metrics is scraped: work waiting in the admin and query pools, settles
// waiting for the ledger writer, entries waiting in the spend spool for the database (they
// grow while it is down), and the team budgets spend has seen with what is left of them.
#pragma once

#include <string>
#include <vector>

#include "services/spend/spend_service.h"

#include "llmgw/telemetry/prometheus_fwd.h"

namespace llmgw::app {

class ProcessMetrics {
 public:
  explicit ProcessMetrics(prometheus::Registry& registry);
  void SetPoolQueue(const std::string& pool, size_t queued);
  void SetLedger(size_t queued, size_t spooled);
  void SetTeamBudgets(const std::vector<spend::SpendService::TeamBudget>& budgets);

 private:
  prometheus::Family<prometheus::Gauge>& pool_queue_;
  prometheus::Family<prometheus::Gauge>& ledger_queue_;
  prometheus::Family<prometheus::Gauge>& spool_;
  prometheus::Family<prometheus::Gauge>& team_max_;
  prometheus::Family<prometheus::Gauge>& team_remaining_;
};

}  // namespace llmgw::app
