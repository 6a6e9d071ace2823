// docs/sla.md states the objectives examples/config.yaml ships with, and the alert rules of
// deploy/monitoring/alerts.yaml encode them: these tests read the table, the rules and the
// `sla:` block and fail when they differ.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "llmgw/config/loader.h"
#include <yaml-cpp/yaml.h>

namespace llmgw::slo {
namespace {

// `sla.<field>` -> the Target cell, from the table rows of docs/sla.md.
std::map<std::string, std::string> DocumentedTargets() {
  std::ifstream in(std::string(LLMGW_SOURCE_DIR) + "/docs/sla.md");
  EXPECT_TRUE(in) << "docs/sla.md is missing";
  std::map<std::string, std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cells = absl::StrSplit(line, '|');
    // "| objective | `sla.x` | target | budget |" splits into 6 cells, the outer ones empty.
    if (cells.size() != 6) continue;
    absl::string_view field = absl::StripAsciiWhitespace(cells[2]);
    if (!absl::ConsumePrefix(&field, "`sla.") || !absl::ConsumeSuffix(&field, "`")) continue;
    out[std::string(field)] = std::string(absl::StripAsciiWhitespace(cells[3]));
  }
  return out;
}

// "5 ms", "99.9 %", "$0.05" -> the number.
double Number(const std::string& cell) {
  absl::string_view text = cell;
  absl::ConsumePrefix(&text, "$");
  absl::string_view head = text.substr(0, text.find(' '));
  double v = -1;
  EXPECT_TRUE(absl::SimpleAtod(head, &v)) << "not a number: '" << text << "'";
  return v;
}

config::Sla ExampleSla() {
  auto loaded = config::LoadConfigFile(std::string(LLMGW_SOURCE_DIR) + "/examples/config.yaml",
                                       [](const std::string&) -> std::optional<std::string> {
                                         return "sk-sla-doc-test-0000";  // every key it names
                                       });
  EXPECT_TRUE(loaded.ok()) << loaded.status();
  return loaded.ok() ? loaded->config->sla : config::Sla{};
}

// "%g": how a threshold is written in a rule (0.001, 0.005, 0.05).
std::string Short(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}

TEST(SlaDocTest, AlertRulesUseTheSlaTargets) {
  const config::Sla sla = ExampleSla();
  ASSERT_TRUE(sla.max_p95_overhead_ms && sla.min_availability_pct && sla.max_cost_per_call_usd);
  // What each field's rules must compare with: the allowed error share, seconds, USD.
  std::map<std::string, std::pair<double, std::string>> fields = {
      {"min_availability_pct", {*sla.min_availability_pct, Short(1 - *sla.min_availability_pct / 100)}},
      {"max_p95_overhead_ms", {*sla.max_p95_overhead_ms, Short(*sla.max_p95_overhead_ms / 1000)}},
      {"max_cost_per_call_usd", {*sla.max_cost_per_call_usd, Short(*sla.max_cost_per_call_usd)}},
  };
  YAML::Node rules = YAML::LoadFile(std::string(LLMGW_SOURCE_DIR) + "/deploy/monitoring/alerts.yaml");
  std::map<std::string, int> rules_per_field;
  for (const auto& group : rules["groups"]) {
    for (const auto& rule : group["rules"]) {
      if (!rule["labels"] || !rule["labels"]["sla_field"]) continue;
      std::string name = rule["alert"].as<std::string>();
      std::string field = rule["labels"]["sla_field"].as<std::string>();
      ASSERT_TRUE(fields.count(field)) << name << ": unknown sla_field " << field;
      const auto& [value, threshold] = fields[field];
      EXPECT_EQ(rule["labels"]["sla_value"].as<double>(), value) << name << ": sla_value is not sla." << field;
      std::string expr = rule["expr"].as<std::string>();
      EXPECT_TRUE(expr.find("> " + threshold) != std::string::npos || expr.find("* " + threshold) != std::string::npos)
          << name << ": its expression does not compare with " << threshold << " (sla." << field << " " << value
          << "):\n" << expr;
      ++rules_per_field[field];
    }
  }
  for (const auto& [field, _] : fields) EXPECT_GT(rules_per_field[field], 0) << "no alert rule for sla." << field;
}

TEST(SlaDocTest, DocumentedTargetsAreTheExampleConfigs) {
  const config::Sla sla = ExampleSla();
  ASSERT_TRUE(sla.max_p95_overhead_ms && sla.min_availability_pct && sla.max_cost_per_call_usd)
      << "examples/config.yaml should set every objective docs/sla.md describes";
  auto doc = DocumentedTargets();
  ASSERT_EQ(doc.size(), 4u) << "docs/sla.md's table should have a row per sla: field";
  EXPECT_EQ(Number(doc["max_p95_overhead_ms"]), *sla.max_p95_overhead_ms) << "sla.max_p95_overhead_ms";
  EXPECT_EQ(Number(doc["min_availability_pct"]), *sla.min_availability_pct) << "sla.min_availability_pct";
  EXPECT_EQ(Number(doc["max_cost_per_call_usd"]), *sla.max_cost_per_call_usd) << "sla.max_cost_per_call_usd";
  EXPECT_EQ(doc["window"], sla.window) << "sla.window";
}

}  // namespace
}  // namespace llmgw::slo
