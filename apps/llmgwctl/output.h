// What llmgwctl prints: aligned tables for people, durations both ways, and the exit codes
// scripts rely on (grpc_health_probe's for `health`).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace llmgw::ctl {

enum Exit : int {
  kOk = 0,
  kUsage = 1,        // bad arguments
  kCannotConnect = 2,
  kRpcFailed = 3,
  kNotServing = 4,  // `health`: not serving; `slo`: an objective is not met
};

// "30s", "500ms", "2m", "1h", "1.5s" or a bare number of seconds; nullopt when unreadable
// or negative.
std::optional<std::chrono::milliseconds> ParseDuration(const std::string& text);

// 850 ms -> "850ms", 12.3 s -> "12.3s", 95 s -> "1m35s", 2 h -> "2h0m", 30 d -> "30d0h".
std::string FormatDuration(std::chrono::milliseconds d);

// Rows of cells, printed with each column as wide as its widest cell, two spaces apart.
class Table {
 public:
  explicit Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  std::string Render() const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace llmgw::ctl
