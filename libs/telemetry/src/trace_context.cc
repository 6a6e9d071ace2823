#include "llmgw/telemetry/trace_context.h"

#include <vector>

#include "libs/telemetry/src/list_items.h"
#include "llmgw/common/ids.h"

namespace llmgw::telemetry {
namespace {

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool AllZero(std::string_view s) { return s.find_first_not_of('0') == std::string_view::npos; }

std::string NonZeroHex(size_t bytes) {
  std::string id;
  do {
    id = RandomHex(bytes);
  } while (AllZero(id));
  return id;
}

}  // namespace

std::string TraceContext::ToTraceparent() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "00-" + trace_id + "-" + span_id + "-";
  out += kHex[flags >> 4];
  out += kHex[flags & 0xf];
  return out;
}

TraceContext TraceContext::NewRoot() {
  TraceContext c;
  c.trace_id = NonZeroHex(16);
  c.span_id = NonZeroHex(8);
  c.flags = 0x01 | 0x02;
  return c;
}

TraceContext TraceContext::Child() const {
  TraceContext c = *this;
  c.span_id = NonZeroHex(8);
  return c;
}

std::optional<TraceContext> ParseTraceparent(std::string_view header) {
  std::string_view h = internal::TrimBlanks(header);
  if (h.size() < 55) return std::nullopt;
  std::string_view version = h.substr(0, 2);
  if (!IsLowerHex(version) || version == "ff") return std::nullopt;
  if (version == "00" && h.size() != 55) return std::nullopt;
  if (version != "00" && h.size() > 55 && h[55] != '-') return std::nullopt;
  if (h[2] != '-' || h[35] != '-' || h[52] != '-') return std::nullopt;
  std::string_view trace_id = h.substr(3, 32);
  std::string_view span_id = h.substr(36, 16);
  std::string_view flags = h.substr(53, 2);
  if (!IsLowerHex(trace_id) || !IsLowerHex(span_id) || !IsLowerHex(flags)) return std::nullopt;
  if (AllZero(trace_id) || AllZero(span_id)) return std::nullopt;
  TraceContext c;
  c.trace_id = std::string(trace_id);
  c.span_id = std::string(span_id);
  c.flags = static_cast<uint8_t>(std::stoi(std::string(flags), nullptr, 16));
  // Only the sampled and random bits are defined; send the others as 0.
  c.flags &= 0x03;
  return c;
}

namespace {

// key: [a-z0-9][a-z0-9_-*/]{0,255}, or tenant@system with a 241- and 14-character limit.
bool ValidKey(std::string_view k) {
  auto simple = [](std::string_view s, size_t max) {
    if (s.empty() || s.size() > max) return false;
    if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9'))) return false;
    for (char c : s) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '*' || c == '/';
      if (!ok) return false;
    }
    return true;
  };
  size_t at = k.find('@');
  if (at == std::string_view::npos) return simple(k, 256);
  return simple(k.substr(0, at), 241) && simple(k.substr(at + 1), 14);
}

// value: up to 256 printable ASCII characters except ',' and '=', not ending in a space.
bool ValidValue(std::string_view v) {
  if (v.empty() || v.size() > 256 || v.back() == ' ') return false;
  for (char c : v) {
    if (c < 0x20 || c > 0x7e || c == ',' || c == '=') return false;
  }
  return true;
}

}  // namespace

std::string SanitizeTracestate(std::string_view header) {
  std::vector<std::pair<std::string_view, std::string_view>> members;
  for (std::string_view m : internal::ListItems(header)) {  // empty members are allowed and dropped
    size_t eq = m.find('=');
    if (eq == std::string_view::npos) return "";
    std::string_view key = m.substr(0, eq), value = m.substr(eq + 1);
    if (!ValidKey(key) || !ValidValue(value)) return "";
    bool seen = false;
    for (const auto& [k, _] : members) seen = seen || k == key;
    if (!seen) members.emplace_back(key, value);  // a duplicate key keeps its first value
    if (members.size() > 32) return "";
  }
  // At most 512 characters: drop members over 128 characters first, then from the right.
  auto joined_size = [&] {
    size_t n = 0;
    for (const auto& [k, v] : members) n += k.size() + 1 + v.size() + 1;
    return n == 0 ? 0 : n - 1;
  };
  for (size_t i = members.size(); i-- > 0 && joined_size() > 512;) {
    if (members[i].first.size() + 1 + members[i].second.size() > 128) members.erase(members.begin() + i);
  }
  while (joined_size() > 512) members.pop_back();
  std::string out;
  for (const auto& [k, v] : members) {
    if (!out.empty()) out += ',';
    out.append(k).append("=").append(v);
  }
  return out;
}

TraceContext ContinueOrStart(std::string_view traceparent, std::string_view tracestate) {
  if (auto parsed = ParseTraceparent(traceparent)) {
    parsed->tracestate = SanitizeTracestate(tracestate);
    return *parsed;
  }
  return TraceContext::NewRoot();
}

}  // namespace llmgw::telemetry
