// Internal: the comma-separated lists of W3C tracestate and the OTEL_* variables.
#pragma once

#include <string_view>
#include <vector>

namespace llmgw::telemetry::internal {

inline std::string_view TrimBlanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The items of `text`, trimmed of spaces and tabs; empty items are skipped.
inline std::vector<std::string_view> ListItems(std::string_view text) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view item = TrimBlanks(text.substr(pos, comma - pos));
    if (!item.empty()) out.push_back(item);
    pos = comma + 1;
  }
  return out;
}

}  // namespace llmgw::telemetry::internal
