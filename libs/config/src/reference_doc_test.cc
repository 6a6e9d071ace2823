// docs/configuration-reference.md must list exactly the fields the loader accepts, with
// the same type, default and range; and every LiteLLM key accepted with a warning.
#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/strings/ascii.h"
#include "gtest/gtest.h"
#include "llmgw/config/loader.h"

namespace llmgw::config {
namespace {

struct Row {
  std::string type, default_value, range;
};

// Rows of the form | `path` | type | default | range | effect |, and list items of the form
// - `path` in the "accepted with a warning" section.
void ReadDoc(std::map<std::string, Row>& implemented, std::set<std::string>& known) {
  std::ifstream in(std::string(LLMGW_SOURCE_DIR) + "/docs/configuration-reference.md");
  ASSERT_TRUE(in) << "docs/configuration-reference.md is missing";
  std::string line;
  bool in_known = false;
  while (std::getline(in, line)) {
    if (line.rfind("## ", 0) == 0) in_known = line.find("warning") != std::string::npos;
    if (in_known && line.rfind("- `", 0) == 0) {
      for (absl::string_view item : absl::StrSplit(line.substr(2), ", ")) {
        item = absl::StripAsciiWhitespace(item);
        if (absl::ConsumePrefix(&item, "`") && absl::ConsumeSuffix(&item, "`")) {
          known.insert(std::string(item));
        }
      }
    }
    if (!in_known && line.rfind("| `", 0) == 0) {
      std::vector<std::string> cells = absl::StrSplit(line, '|');
      ASSERT_GE(cells.size(), 6u) << line;
      auto cell = [&](int i) { return std::string(absl::StripAsciiWhitespace(cells[i])); };
      std::string path = cell(1);
      path = path.substr(1, path.size() - 2);
      implemented[path] = {cell(2), cell(3), cell(4)};
    }
  }
}

TEST(ReferenceDocTest, DocumentMatchesTheLoader) {
  std::map<std::string, Row> doc;
  std::set<std::string> doc_known;
  ReadDoc(doc, doc_known);
  std::set<std::string> loader_paths;
  for (const auto& f : DocumentedFields()) {
    if (!f.implemented) {
      EXPECT_TRUE(doc_known.count(f.path)) << f.path << " is accepted with a warning but not "
                                           << "listed in the document";
      doc_known.erase(f.path);
      continue;
    }
    loader_paths.insert(f.path);
    auto it = doc.find(f.path);
    if (it == doc.end()) {
      ADD_FAILURE() << "| `" << f.path << "` | " << f.type << " | " << f.default_value << " | "
                    << f.range << " | " << f.effect << " |   <- missing from the document";
      continue;
    }
    EXPECT_EQ(it->second.type, f.type) << f.path;
    EXPECT_EQ(it->second.default_value, f.default_value) << f.path;
    EXPECT_EQ(it->second.range, f.range) << f.path;
  }
  for (const auto& [path, row] : doc) {
    EXPECT_TRUE(loader_paths.count(path)) << path << " is documented but the loader rejects it";
  }
  for (const auto& path : doc_known) {
    ADD_FAILURE() << path << " is listed as accepted with a warning but the loader rejects it";
  }
}

}  // namespace
}  // namespace llmgw::config
