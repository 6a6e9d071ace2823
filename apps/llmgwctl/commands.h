// llmgwctl's commands: each talks gRPC to the suite, prints for people (or JSON with
// --json) and returns an exit code from output.h.
#pragma once

#include <chrono>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace llmgw::ctl {

struct Options {
  std::string addr = "127.0.0.1:50051";
  std::string master_key;  // --master-key, else LLMGW_MASTER_KEY
  std::chrono::milliseconds timeout{5'000};
  bool json = false;
};

// The system's health from the HealthAggregator at `addr`, or, with `service`, that one
// service's grpc.health.v1 status (as grpc_health_probe): 0 serving (DEGRADED included),
// 2 cannot connect, 3 the RPC failed, 4 not serving.
int Health(const Options& o, const std::string& service, std::ostream& out, std::ostream& err);

// The `sla:` objectives from the HealthAggregator at `addr`: 0 all met, 4 one is not, 3 a
// gateway did not answer (its requests are missing), 2 cannot connect.
int Slo(const Options& o, std::ostream& out, std::ostream& err);

// The router's deployments (one group's when `model_group` is set).
int Deployments(const Options& o, const std::string& model_group, std::ostream& out, std::ostream& err);

// Operator controls on one deployment.
int SetCooldown(const Options& o, const std::string& id, std::chrono::milliseconds duration,
                const std::string& reason, std::ostream& out, std::ostream& err);
int ClearCooldown(const Options& o, const std::string& id, std::ostream& out, std::ostream& err);
int ForceFail(const Options& o, const std::string& id, std::chrono::milliseconds duration,
              std::ostream& out, std::ostream& err);

// Keys (keymgr at `addr`, the master key as the caller).
struct NewKey {
  std::string alias, user_id, team_id, duration;
  std::vector<std::string> models;
  std::optional<int64_t> rpm, tpm;
  std::optional<double> max_budget_usd;
};
int ListKeys(const Options& o, const std::string& user_id, const std::string& team_id, int page,
             std::ostream& out, std::ostream& err);
int GenerateKey(const Options& o, const NewKey& k, std::ostream& out, std::ostream& err);
int BlockKey(const Options& o, const std::string& key, bool block, std::ostream& out, std::ostream& err);

// Spend by team, key, user, model or day over [start, end) dates (YYYY-MM-DD; empty: open).
int SpendReport(const Options& o, const std::string& group_by, const std::string& start,
                const std::string& end, std::ostream& out, std::ostream& err);

}  // namespace llmgw::ctl
