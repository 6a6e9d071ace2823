// `llmgwctl drill`: a controlled outage of one deployment. Synthetic traffic goes through the
// gateway at a fixed rate; after a baseline the deployment is made to fail (ForceFail, which
// ends by itself even if llmgwctl dies), the drill watches traffic shift and, once the
// failure ends, the deployment take traffic again, then prints the sign-off table.
#pragma once

#include <chrono>
#include <iosfwd>
#include <string>

#include "apps/llmgwctl/commands.h"

namespace llmgw::ctl {

struct DrillOptions {
  std::string deployment;                           // the deployment id to fail
  std::string gateway = "http://127.0.0.1:4000";    // the REST edge the traffic goes through
  std::string model;                                // default: the deployment's group
  std::string key;                                  // default: the master key
  double rps = 20;
  std::chrono::milliseconds baseline{5'000};
  std::chrono::milliseconds fail_for{10'000};
  std::chrono::milliseconds recover_timeout{30'000};
};

int Drill(const Options& o, const DrillOptions& d, std::ostream& out, std::ostream& err);

}  // namespace llmgw::ctl
