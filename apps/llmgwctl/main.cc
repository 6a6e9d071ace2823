// llmgwctl: the operator's CLI, talking gRPC to the suite.
//   llmgwctl health [--service NAME]          system health (exit 0 serving, 2, 3, 4)
//   llmgwctl slo                              the sla: objectives (exit 0 met, 4 not met)
//   llmgwctl deployments [--model-group G]    the router's deployments
//   llmgwctl cooldown set ID --duration 60s [--reason R] | cooldown clear ID
//   llmgwctl force-fail ID --duration 30s     for drills (0 ends it)
//   llmgwctl drill ID [--gateway URL] ...     a controlled outage and its sign-off table
//   llmgwctl keys list|generate|block|unblock keymgr's keys
//   llmgwctl spend report --group-by team|key|user|model|day [--start D] [--end D]
// Global: --addr (LLMGW_ADDR, 127.0.0.1:50051), --master-key (LLMGW_MASTER_KEY),
// --timeout 5s, --json.
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>

#include "apps/llmgwctl/commands.h"
#include "apps/llmgwctl/drill.h"
#include "apps/llmgwctl/output.h"

namespace {

std::string Env(const char* name, const std::string& fallback = "") {
  const char* v = std::getenv(name);
  return v == nullptr || *v == '\0' ? fallback : std::string(v);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace llmgw::ctl;
  Options o;
  o.addr = Env("LLMGW_ADDR", o.addr);
  o.master_key = Env("LLMGW_MASTER_KEY");
  std::string timeout = "5s";

  CLI::App app{"llmgwctl: operate an llmgw suite over gRPC"};
  app.require_subcommand(1);
  app.add_option("--addr", o.addr, "host:port of the suite's gRPC (the health service's for `health` in split mode)");
  app.add_option("--master-key", o.master_key, "the master key (default: $LLMGW_MASTER_KEY)");
  app.add_option("--timeout", timeout, "per-call deadline, e.g. 5s, 500ms");
  app.add_flag("--json", o.json, "print JSON instead of tables");

  std::string service, group, id, duration, reason;
  auto* health = app.add_subcommand("health", "system health from the HealthAggregator");
  health->add_option("--service", service, "check one service's grpc.health.v1 instead ('-' for the server)");
  auto* slo = app.add_subcommand("slo", "the sla: objectives: current value, target, error budget left, burn rate");
  auto* deployments = app.add_subcommand("deployments", "the router's deployments and their state");
  deployments->add_option("--model-group", group, "only this model group");
  auto* cooldown = app.add_subcommand("cooldown", "take a deployment out of rotation or put it back");
  cooldown->require_subcommand(1);
  auto* set = cooldown->add_subcommand("set", "cool a deployment down now");
  set->add_option("id", id, "deployment id")->required();
  set->add_option("--duration", duration, "how long, e.g. 60s")->required();
  set->add_option("--reason", reason, "shown in deployments and the router's state");
  auto* clear = cooldown->add_subcommand("clear", "end a deployment's cooldown");
  clear->add_option("id", id, "deployment id")->required();
  auto* fail = app.add_subcommand("force-fail", "make every attempt on a deployment fail (drills)");
  fail->add_option("id", id, "deployment id")->required();
  fail->add_option("--duration", duration, "how long; 0 ends it")->required();

  DrillOptions drill_opts;
  std::string baseline = "5s", fail_for = "10s", recover = "30s";
  auto* drill = app.add_subcommand("drill", "fail one deployment under synthetic traffic and print the sign-off table");
  drill->add_option("id", drill_opts.deployment, "the deployment to fail")->required();
  drill->add_option("--gateway", drill_opts.gateway, "the gateway's REST base URL")->capture_default_str();
  drill->add_option("--model", drill_opts.model, "the model the traffic asks for (default: the deployment's group)");
  drill->add_option("--key", drill_opts.key, "the key the traffic uses (default: the master key)");
  drill->add_option("--rps", drill_opts.rps, "synthetic requests per second")->capture_default_str();
  drill->add_option("--baseline", baseline, "traffic before the failure")->capture_default_str();
  drill->add_option("--fail-for", fail_for, "how long the deployment fails")->capture_default_str();
  drill->add_option("--recover-timeout", recover, "how long to wait for it to take traffic again")->capture_default_str();

  auto* keys = app.add_subcommand("keys", "virtual keys (keymgr)");
  keys->require_subcommand(1);
  std::string user, team, key;
  int page = 1;
  auto* klist = keys->add_subcommand("list", "list keys (100 per page)");
  klist->add_option("--user", user, "only this user's keys");
  klist->add_option("--team", team, "only this team's keys");
  klist->add_option("--page", page, "page, from 1")->capture_default_str();
  NewKey nk;
  std::string models;
  auto* kgen = keys->add_subcommand("generate", "create a key; prints it once");
  kgen->add_option("--alias", nk.alias, "key_alias");
  kgen->add_option("--user", nk.user_id, "owner user_id");
  kgen->add_option("--team", nk.team_id, "team_id");
  kgen->add_option("--models", models, "comma-separated model groups (default: what the user and team allow)");
  kgen->add_option("--rpm", nk.rpm, "requests per minute");
  kgen->add_option("--tpm", nk.tpm, "tokens per minute");
  kgen->add_option("--max-budget", nk.max_budget_usd, "USD");
  kgen->add_option("--duration", nk.duration, "expiry from now, e.g. 30d");
  auto* kblock = keys->add_subcommand("block", "block a key at once on every gateway");
  kblock->add_option("key", key, "the plain key or its token (SHA-256 hex)")->required();
  auto* kunblock = keys->add_subcommand("unblock", "unblock a key");
  kunblock->add_option("key", key, "the plain key or its token")->required();
  auto* spend = app.add_subcommand("spend", "spend (the spend service)");
  spend->require_subcommand(1);
  std::string group_by = "team", start, end;
  auto* report = spend->add_subcommand("report", "spend grouped over a date range");
  report->add_option("--group-by", group_by, "team, key, user, model or day")->capture_default_str();
  report->add_option("--start", start, "first day, YYYY-MM-DD");
  report->add_option("--end", end, "day after the last, YYYY-MM-DD");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kOk : kUsage;
  }
  auto t = ParseDuration(timeout);
  if (!t || t->count() == 0) {
    std::cerr << "llmgwctl: --timeout: expected a duration such as 5s or 500ms, got '" << timeout << "'\n";
    return kUsage;
  }
  o.timeout = *t;
  std::optional<std::chrono::milliseconds> d;
  if (!duration.empty()) {
    d = ParseDuration(duration);
    if (!d) {
      std::cerr << "llmgwctl: --duration: expected a duration such as 60s or 2m, got '" << duration << "'\n";
      return kUsage;
    }
  }
  if (health->parsed()) return Health(o, service, std::cout, std::cerr);
  if (slo->parsed()) return Slo(o, std::cout, std::cerr);
  if (deployments->parsed()) return Deployments(o, group, std::cout, std::cerr);
  if (set->parsed()) return SetCooldown(o, id, *d, reason, std::cout, std::cerr);
  if (clear->parsed()) return ClearCooldown(o, id, std::cout, std::cerr);
  if (fail->parsed()) return ForceFail(o, id, *d, std::cout, std::cerr);
  if (klist->parsed()) return ListKeys(o, user, team, page, std::cout, std::cerr);
  if (kgen->parsed()) {
    for (size_t pos = 0; !models.empty() && pos <= models.size();) {
      size_t comma = models.find(',', pos);
      if (comma == std::string::npos) comma = models.size();
      if (comma > pos) nk.models.push_back(models.substr(pos, comma - pos));
      pos = comma + 1;
    }
    return GenerateKey(o, nk, std::cout, std::cerr);
  }
  if (kblock->parsed() || kunblock->parsed()) return BlockKey(o, key, kblock->parsed(), std::cout, std::cerr);
  if (report->parsed()) return SpendReport(o, group_by, start, end, std::cout, std::cerr);
  if (drill->parsed()) {
    auto b = ParseDuration(baseline), f = ParseDuration(fail_for), r = ParseDuration(recover);
    if (!b || !f || !r || f->count() == 0) {
      std::cerr << "llmgwctl: drill: --baseline, --fail-for (> 0) and --recover-timeout take durations such as 5s\n";
      return kUsage;
    }
    drill_opts.baseline = *b;
    drill_opts.fail_for = *f;
    drill_opts.recover_timeout = *r;
    return Drill(o, drill_opts, std::cout, std::cerr);
  }
  return kUsage;
}
