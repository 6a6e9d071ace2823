// docs/sla.md states the objectives examples/config.yaml ships with: this test reads the
// table of one and the `sla:` block of the other and fails when they differ.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "llmgw/config/loader.h"

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

TEST(SlaDocTest, DocumentedTargetsAreTheExampleConfigs) {
  auto loaded = config::LoadConfigFile(std::string(LLMGW_SOURCE_DIR) + "/examples/config.yaml",
                                       [](const std::string&) -> std::optional<std::string> {
                                         return "sk-sla-doc-test-0000";  // every key it names
                                       });
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  const config::Sla& sla = loaded->config->sla;
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
