#include "apps/llmgw/process_metrics.h"

#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace llmgw::app {

ProcessMetrics::ProcessMetrics(prometheus::Registry& r)
    : pool_queue_(prometheus::BuildGauge()
                      .Name("llmgw_worker_pool_queue_size")
                      .Help("Tasks waiting for a worker: keymgr's admin pool, spend's query pool.")
                      .Register(r)),
      ledger_queue_(prometheus::BuildGauge()
                        .Name("llmgw_spend_ledger_queue_size")
                        .Help("Settled requests waiting to be written to the spend ledger.")
                        .Register(r)),
      spool_(prometheus::BuildGauge()
                 .Name("llmgw_spend_spool_entries")
                 .Help("Ledger rows in the local spool, waiting for the database (grows while it is down).")
                 .Register(r)),
      team_max_(prometheus::BuildGauge()
                    .Name("llmgw_team_max_budget_metric")
                    .Help("A team's max_budget in USD, as of its last request.")
                    .Register(r)),
      team_remaining_(prometheus::BuildGauge()
                          .Name("llmgw_remaining_team_budget_metric")
                          .Help("USD left of a team's budget in its current period (spend and reservations taken off).")
                          .Register(r)) {}

void ProcessMetrics::SetPoolQueue(const std::string& pool, size_t queued) {
  pool_queue_.Add({{"pool", pool}}).Set(static_cast<double>(queued));
}

void ProcessMetrics::SetLedger(size_t queued, size_t spooled) {
  ledger_queue_.Add({}).Set(static_cast<double>(queued));
  spool_.Add({}).Set(static_cast<double>(spooled));
}

}  // namespace llmgw::app

namespace llmgw::app {

void ProcessMetrics::SetTeamBudgets(const std::vector<spend::SpendService::TeamBudget>& budgets) {
  for (const auto& b : budgets) {
    team_max_.Add({{"team", b.team}}).Set(static_cast<double>(b.max_budget) / 1e6);
    team_remaining_.Add({{"team", b.team}}).Set(static_cast<double>(b.remaining) / 1e6);
  }
}

}  // namespace llmgw::app
