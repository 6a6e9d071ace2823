#include "llmgw/slo/proto.h"

#include <algorithm>

namespace llmgw::slo {

void ToProto(const Counts& c, gateway::v1::SloCounts& out) {
  out.set_covered_seconds(c.covered_seconds);
  out.set_requests(c.requests);
  out.set_failed(c.failed);
  out.set_timed(c.timed);
  out.set_slow(c.slow);
  // Trailing empty buckets are left out: most of the layout is empty.
  int last = kOverheadBuckets;
  while (last > 0 && c.overhead[last - 1] == 0) --last;
  out.mutable_overhead_buckets()->Reserve(last);
  for (int i = 0; i < last; ++i) out.add_overhead_buckets(c.overhead[i]);
  out.set_cost_micros(c.cost_micros);
  out.set_costed(c.costed);
}

Counts FromProto(const gateway::v1::SloCounts& c) {
  Counts out;
  out.covered_seconds = c.covered_seconds();
  out.requests = c.requests();
  out.failed = c.failed();
  out.timed = c.timed();
  out.slow = c.slow();
  for (int i = 0; i < c.overhead_buckets_size(); ++i) {
    out.overhead[std::min(i, kOverheadBuckets - 1)] += c.overhead_buckets(i);
  }
  out.cost_micros = c.cost_micros();
  out.costed = c.costed();
  return out;
}

gateway::v1::GetSloCountsResponse ToProto(const Recorder::Snapshot& s) {
  gateway::v1::GetSloCountsResponse out;
  ToProto(s.window, *out.mutable_window());
  ToProto(s.recent, *out.mutable_recent());
  out.set_window_seconds(s.window_seconds);
  out.set_recent_seconds(s.recent_seconds);
  return out;
}

}  // namespace llmgw::slo
