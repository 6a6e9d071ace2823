// Builds the object graph of one llmgw process for a target: `all` (every service in one
// process, talking through their gRPC contracts over in-process channels, one gRPC port)
// or a single service that reaches the others through their configured endpoints.
// The only place that knows which shape the process runs in.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "llmgw/config/config.h"

namespace llmgw::app {

enum class Target { kAll, kGateway, kKeymgr, kRouter, kSpend, kHealth };

absl::StatusOr<Target> ParseTarget(const std::string& name);
const char* TargetName(Target t);

class Suite {
 public:
  static absl::StatusOr<std::unique_ptr<Suite>> Start(std::shared_ptr<const config::Config> config,
                                                      Target target);
  ~Suite();

  // The gRPC port this process listens on, and the HTTP port (0 without the REST edge).
  int grpc_port() const;
  int http_port() const;

  // SIGTERM: health goes NOT_SERVING at once, new work is refused, in-flight requests get
  // until `grace` to finish; then everything stops. True when nothing had to be cut off.
  bool Drain(std::chrono::milliseconds grace);

  struct Parts;

 private:
  explicit Suite(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace llmgw::app
