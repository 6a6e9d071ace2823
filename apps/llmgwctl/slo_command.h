// What `llmgwctl slo` prints for people.
#pragma once

#include <string>

#include "llmgw/health/v1/health_aggregator.pb.h"

namespace llmgw::ctl {

std::string RenderSlo(const health::v1::GetSloResponse& r);

}  // namespace llmgw::ctl
