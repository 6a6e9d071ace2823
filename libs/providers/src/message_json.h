// Internal: one chat message (or stream delta) <-> JSON, shared by requests, responses and
// chunks.
#pragma once

#include "json_util.h"
#include "llmgw/common/v1/inference.pb.h"

namespace llmgw::providers::internal {

// `strict` is for client input: role required and known, types checked. Otherwise the
// message comes from a provider and unknown shapes are tolerated.
absl::Status ParseMessage(const json::value& v, const std::string& param, bool strict,
                          common::v1::ChatMessage* out);

// `delta`: omit what is unset (stream deltas); otherwise write "content":null when unset.
json::object MessageToJson(const common::v1::ChatMessage& m, bool delta);

json::object UsageToJson(const common::v1::Usage& u);
void ParseUsage(const json::object& o, common::v1::Usage* out);

}  // namespace llmgw::providers::internal
