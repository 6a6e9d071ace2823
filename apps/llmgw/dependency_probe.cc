#include "apps/llmgw/dependency_probe.h"

#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "llmgw/telemetry/log.h"

namespace llmgw::app {

DependencyProbe::~DependencyProbe() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DependencyProbe::Add(std::string health_name, std::function<absl::Status()> ping) {
  deps_.push_back({.name = std::move(health_name), .ping = std::move(ping)});
}

DependencyProbe::DependencyProbe(rpc::ServerHost& host, std::chrono::milliseconds interval,
                                 prometheus::Registry& registry)
    : host_(host),
      interval_(interval),
      up_(prometheus::BuildGauge()
              .Name("llmgw_dependency_up")
              .Help("1 while the dependency (a service's SQL store) answers its ping, checked every 2 s.")
              .Register(registry)) {}

void DependencyProbe::RunOnce() {
  for (auto& d : deps_) {
    absl::Status s = d.ping();
    if (!d.known || s.ok() != d.serving) {
      // A change is worth a log line: the on-call engineer sees when the store went and came back.
      if (s.ok()) {
        log::Info("dependency serving", {{"dependency", d.name}});
      } else {
        log::Warn("dependency not serving", {{"dependency", d.name}, {"error", std::string(s.message())}});
      }
    }
    d.known = true;
    d.serving = s.ok();
    host_.SetHealth(d.name, d.serving);
    up_.Add({{"dependency", d.name}}).Set(d.serving ? 1 : 0);
  }
}

void DependencyProbe::Start() {
  if (deps_.empty()) return;
  RunOnce();
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, interval_, [this] { return stopping_; })) {
      lock.unlock();
      RunOnce();
      lock.lock();
    }
  });
}

}  // namespace llmgw::app
