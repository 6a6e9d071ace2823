// W3C Trace Context: parsing and producing `traceparent` (and carrying `tracestate`) so one
// trace id follows a request through every hop.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace llmgw::telemetry {

struct TraceContext {
  std::string trace_id;  // 32 lowercase hex, not all zero
  std::string span_id;   // 16 lowercase hex, not all zero: the sender's span
  uint8_t flags = 0;     // bit 0: sampled
  std::string tracestate;

  // Version 00 header text.
  std::string ToTraceparent() const;

  // A new trace (sampled, random trace id flag set).
  static TraceContext NewRoot();
  // The same trace with a new span id: what this hop sends downstream.
  TraceContext Child() const;
};

// Parses `traceparent` per the W3C rules (lowercase hex, no all-zero ids, version ff
// invalid, future versions parsed from their first 55 characters). nullopt when invalid;
// the caller then starts a new trace and drops tracestate.
std::optional<TraceContext> ParseTraceparent(std::string_view header);

// `tracestate` as W3C Trace Context says to propagate it: members trimmed, empty ones
// dropped, a repeated key keeps its first value; "" when a member is malformed or there are
// more than 32; at most 512 characters (members over 128 go first, then from the right).
std::string SanitizeTracestate(std::string_view header);

// The incoming context, or a new root when `traceparent` is absent or invalid. tracestate is
// kept only with a valid traceparent.
TraceContext ContinueOrStart(std::string_view traceparent, std::string_view tracestate);

}  // namespace llmgw::telemetry
