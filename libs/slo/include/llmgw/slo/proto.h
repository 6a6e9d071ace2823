// Counts on the wire (llmgw.gateway.v1.SloCounts) and back.
#pragma once

#include "llmgw/gateway/v1/gateway.pb.h"
#include "llmgw/slo/counts.h"
#include "llmgw/slo/recorder.h"

namespace llmgw::slo {

void ToProto(const Counts& c, gateway::v1::SloCounts& out);
// Buckets beyond the layout's are added to the last one; missing ones are zero.
Counts FromProto(const gateway::v1::SloCounts& c);
gateway::v1::GetSloCountsResponse ToProto(const Recorder::Snapshot& s);

}  // namespace llmgw::slo
