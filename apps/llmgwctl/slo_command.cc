// llmgwctl slo: the `sla:` objectives as the health aggregator evaluates them over every
// gateway's measurements.
#include <ostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "apps/llmgwctl/client.h"
#include "apps/llmgwctl/commands.h"
#include "apps/llmgwctl/output.h"
#include "apps/llmgwctl/slo_command.h"
#include "llmgw/health/v1/health_aggregator.grpc.pb.h"

namespace llmgw::ctl {
namespace {

namespace hv1 = health::v1;

std::chrono::milliseconds Seconds(double s) { return std::chrono::milliseconds(static_cast<int64_t>(s * 1000)); }

// A value in its indicator's unit, and the target with the direction it must hold.
std::string Value(const hv1::SloIndicator& i, double v) {
  if (i.unit() == "percent") return absl::StrFormat("%.3f%%", v);
  if (i.unit() == "ms") return absl::StrFormat("%.3f ms", v);
  if (i.unit() == "usd") return absl::StrFormat("$%.6f", v);
  return absl::StrFormat("%g", v);
}

std::string Target(const hv1::SloIndicator& i) {
  return absl::StrCat(i.name() == "availability" ? ">= " : "<= ", Value(i, i.target()));
}

}  // namespace

std::string RenderSlo(const hv1::GetSloResponse& r) {
  std::string out = absl::StrCat("window ", FormatDuration(Seconds(r.window_seconds())), " (measured for ",
                                 FormatDuration(Seconds(r.covered_seconds())), "), burn rate over the last ",
                                 FormatDuration(Seconds(r.burn_window_seconds())), ", ", r.gateways(),
                                 r.gateways() == 1 ? " gateway\n" : " gateways\n");
  if (r.indicators().empty()) return out + "no objectives: the config's sla: block sets no target\n";
  Table t({"OBJECTIVE", "CURRENT", "TARGET", "BUDGET LEFT", "BURN RATE", "SAMPLES", "MET"});
  for (const auto& i : r.indicators()) {
    t.Add({i.name(), Value(i, i.current()), Target(i), absl::StrFormat("%.1f%%", 100 * i.error_budget_remaining()),
           absl::StrFormat("%.2f", i.burn_rate()), absl::StrCat(i.samples()), i.met() ? "yes" : "NO"});
  }
  out += t.Render();
  for (const auto& u : r.unreachable()) absl::StrAppend(&out, "unreachable gateway (its requests are missing): ", u, "\n");
  return out;
}

int Slo(const Options& o, std::ostream& out, std::ostream& err) {
  auto channel = Connect(o, err);
  if (!channel) return kCannotConnect;
  auto stub = hv1::HealthAggregator::NewStub(channel);
  hv1::GetSloRequest req;
  hv1::GetSloResponse resp;
  auto ctx = Context(o, false);
  grpc::Status s = stub->GetSlo(ctx.get(), req, &resp);
  if (!s.ok()) return RpcFailed(o, "llmgw.health.v1.HealthAggregator/GetSlo", s, err);
  if (o.json) {
    PrintJson(resp, out);
  } else {
    out << RenderSlo(resp);
  }
  for (const auto& i : resp.indicators()) {
    if (!i.met()) return kNotServing;
  }
  return resp.unreachable().empty() ? kOk : kRpcFailed;
}

}  // namespace llmgw::ctl
