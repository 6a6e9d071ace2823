// llmgw: the one server binary. `llmgw serve --config config.yaml --target all` runs the
// whole suite; `--target gateway|keymgr|router|spend|health` runs one service.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "absl/synchronization/mutex.h"
#include "apps/llmgw/suite.h"
#include "llmgw/common/signals.h"
#include "llmgw/config/loader.h"
#include "llmgw/telemetry/log.h"

namespace {

int Serve(const std::string& config_path, const std::string& target_name) {
  auto target = llmgw::app::ParseTarget(target_name);
  if (!target.ok()) {
    std::cerr << "llmgw: " << target.status().message() << "\n";
    return 2;
  }
  auto loaded = llmgw::config::LoadConfigFile(config_path, llmgw::config::ProcessEnv());
  if (!loaded.ok()) {
    std::cerr << "llmgw: invalid configuration\n" << loaded.status().message() << "\n";
    return 2;
  }
  for (const auto& w : loaded->warnings) llmgw::log::Warn("config", {{"warning", w}});

  // Signals are taken by sigwait on this thread only; every thread started below inherits
  // the blocked mask.
  const sigset_t signals = llmgw::BlockTerminationSignals();

  auto suite = llmgw::app::Suite::Start(loaded->config, *target);
  if (!suite.ok()) {
    std::cerr << "llmgw: cannot start: " << suite.status().message() << "\n";
    return 1;
  }
  int sig = llmgw::WaitForTerminationSignal(signals);
  llmgw::log::Info("signal", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
  (*suite)->Drain(loaded->config->llmgw.shutdown_grace);
  suite->reset();
  return 0;
}

int CheckConfig(const std::string& config_path) {
  auto loaded = llmgw::config::LoadConfigFile(config_path, llmgw::config::ProcessEnv());
  if (!loaded.ok()) {
    std::cerr << loaded.status().message() << "\n";
    return 2;
  }
  for (const auto& w : loaded->warnings) std::cerr << "warning: " << w << "\n";
  std::cout << config_path << ": ok, " << loaded->config->model_list.size() << " deployments\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Debian builds Abseil with Mutex deadlock detection on; every lock in gRPC then walks
  // a lock graph (about 2% of the gateway's CPU under load). Our locks are few and
  // ordered; the detector belongs in test builds, not in the server.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  CLI::App app{"llmgw: an LLM gateway as a suite of gRPC services"};
  app.require_subcommand(1);
  std::string config_path = "config.yaml";
  std::string target = "all";
  auto* serve = app.add_subcommand("serve", "run services");
  serve->add_option("--config,-c", config_path, "LiteLLM-compatible config.yaml")->capture_default_str();
  serve->add_option("--target,-t", target, "all | gateway | keymgr | router | spend | health")
      ->capture_default_str();
  auto* check = app.add_subcommand("check-config", "validate a config file and print its warnings");
  check->add_option("--config,-c", config_path, "config.yaml")->capture_default_str();
  app.add_subcommand("version", "print the version");
  CLI11_PARSE(app, argc, argv);
  if (*serve) return Serve(config_path, target);
  if (*check) return CheckConfig(config_path);
  std::cout << "llmgw 0.1.0\n";
  return 0;
}
