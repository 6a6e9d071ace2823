#include "llmgw/telemetry/trace_context.h"

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

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

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
  std::string_view h = Trim(header);
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

TraceContext ContinueOrStart(std::string_view traceparent, std::string_view tracestate) {
  if (auto parsed = ParseTraceparent(traceparent)) {
    if (tracestate.size() <= 512) parsed->tracestate = std::string(Trim(tracestate));
    return *parsed;
  }
  return TraceContext::NewRoot();
}

}  // namespace llmgw::telemetry
