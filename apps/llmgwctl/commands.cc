#include "apps/llmgwctl/commands.h"

#include "apps/llmgwctl/client.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <ostream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "apps/llmgwctl/output.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "llmgw/health/v1/health_aggregator.grpc.pb.h"
#include "llmgw/router/v1/router.grpc.pb.h"

namespace llmgw::ctl {

std::chrono::system_clock::time_point Deadline(const Options& o) {
  return std::chrono::system_clock::now() + o.timeout;
}

// A channel that is connected, or nullptr after printing why (exit 2).
std::shared_ptr<grpc::Channel> Connect(const Options& o, std::ostream& err) {
  auto channel = grpc::CreateChannel(o.addr, grpc::InsecureChannelCredentials());
  if (!channel->WaitForConnected(Deadline(o))) {
    err << "llmgwctl: cannot connect to " << o.addr << " within " << FormatDuration(o.timeout) << "\n";
    return nullptr;
  }
  return channel;
}

std::unique_ptr<grpc::ClientContext> Context(const Options& o, bool operator_call) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(Deadline(o));
  if (operator_call) ctx->AddMetadata("authorization", "Bearer " + o.master_key);
  return ctx;
}

int RpcFailed(const Options& o, const char* what, const grpc::Status& s, std::ostream& err) {
  if (s.error_code() == grpc::StatusCode::UNIMPLEMENTED) {
    err << "llmgwctl: " << o.addr << " does not serve " << what
        << "; in split mode give --addr the address of the service that does\n";
    return kRpcFailed;
  }
  err << "llmgwctl: " << what << " on " << o.addr << " failed: " << s.error_message() << " ("
      << absl::StatusCodeToString(static_cast<absl::StatusCode>(s.error_code())) << ")\n";
  return s.error_code() == grpc::StatusCode::UNAVAILABLE ? kCannotConnect : kRpcFailed;
}

void PrintJson(const google::protobuf::Message& m, std::ostream& out) {
  std::string text;
  google::protobuf::util::JsonPrintOptions opts;
  opts.add_whitespace = true;
  opts.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(m, &text, opts);
  out << text;
  if (text.empty() || text.back() != '\n') out << "\n";
}

int NeedMasterKey(const Options& o, std::ostream& err) {
  if (!o.master_key.empty()) return kOk;
  err << "llmgwctl: the router's operator RPCs need the master key: --master-key or LLMGW_MASTER_KEY\n";
  return kUsage;
}

namespace {

using google::protobuf::util::TimeUtil;
namespace rv1 = router::v1;
namespace hv1 = health::v1;

const char* StatusName(hv1::SystemStatus s) {
  switch (s) {
    case hv1::SYSTEM_STATUS_SERVING: return "SERVING";
    case hv1::SYSTEM_STATUS_DEGRADED: return "DEGRADED";
    case hv1::SYSTEM_STATUS_NOT_SERVING: return "NOT_SERVING";
    default: return "UNKNOWN";
  }
}

int ServiceHealth(const Options& o, const std::shared_ptr<grpc::Channel>& channel,
                  const std::string& service, std::ostream& out, std::ostream& err) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::health::v1::HealthCheckRequest req;
  req.set_service(service);
  grpc::health::v1::HealthCheckResponse resp;
  auto ctx = Context(o, false);
  grpc::Status s = stub->Check(ctx.get(), req, &resp);
  if (!s.ok()) return RpcFailed(o, "grpc.health.v1.Health/Check", s, err);
  bool serving = resp.status() == grpc::health::v1::HealthCheckResponse::SERVING;
  const std::string status = grpc::health::v1::HealthCheckResponse::ServingStatus_Name(resp.status());
  if (o.json) {
    out << "{\"service\": \"" << service << "\", \"status\": \"" << status << "\"}\n";
  } else {
    out << (service.empty() ? "(server)" : service) << "  " << status << "\n";
  }
  return serving ? kOk : kNotServing;
}

std::string Ago(const google::protobuf::Timestamp& t) {
  auto at = std::chrono::milliseconds(TimeUtil::TimestampToMilliseconds(t));
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  return FormatDuration(now - at);
}

std::string Until(const google::protobuf::Timestamp& t) {
  auto at = std::chrono::milliseconds(TimeUtil::TimestampToMilliseconds(t));
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  return at > now ? FormatDuration(at - now) : "0ms";
}

std::string StateName(rv1::DeploymentState s) {
  std::string name = rv1::DeploymentState_Name(s);
  const std::string prefix = "DEPLOYMENT_STATE_";
  return name.rfind(prefix, 0) == 0 ? name.substr(prefix.size()) : name;
}

void PrintDeployments(const rv1::ListDeploymentsResponse& r, std::ostream& out) {
  Table t({"ID", "GROUP", "MODEL", "STATE", "IN-FLIGHT", "LATENCY", "ERRORS", "PROBE", "NOTE"});
  for (const auto& d : r.deployments()) {
    std::string latency = d.has_latency_ms() ? FormatDuration(std::chrono::milliseconds(
                                                   static_cast<int64_t>(d.latency_ms())))
                                             : "-";
    int64_t calls = d.recent_successes() + d.recent_failures();
    std::string errors = calls == 0 ? "-"
                                    : absl::StrFormat("%.0f%% of %d", d.recent_error_rate() * 100, calls);
    std::string probe = "-";
    if (d.has_health_check()) {
      const auto& h = d.health_check();
      probe = absl::StrCat(h.healthy() ? "healthy" : "unhealthy", " (", h.probe(), ", ",
                           Ago(h.checked_at()), " ago)");
    }
    std::string note;
    if (d.state() == rv1::DEPLOYMENT_STATE_COOLDOWN) {
      note = absl::StrCat("back in ", Until(d.cooldown_until()), ": ", d.cooldown_reason());
    } else if (d.has_forced_fail_until()) {
      note = absl::StrCat("force-failing for ", Until(d.forced_fail_until()));
    } else if (d.has_health_check() && !d.health_check().healthy()) {
      note = d.health_check().error();
    } else if (!d.last_error().empty()) {
      note = absl::StrCat("last error: ", d.last_error());
    }
    t.Add({d.id(), d.model_group(), absl::StrCat(d.provider(), "/", d.upstream_model()),
           StateName(d.state()), std::to_string(d.in_flight()), latency, errors, probe, note});
  }
  out << t.Render();
}

// One operator call that answers a Deployment: prints it as one row (or JSON).
template <typename Request>
using DeploymentRpc = grpc::Status (rv1::Router::Stub::*)(grpc::ClientContext*, const Request&,
                                                          rv1::DeploymentResponse*);

template <typename Request>
int DeploymentCall(const Options& o, const char* what, const Request& req, DeploymentRpc<Request> rpc,
                   std::ostream& out, std::ostream& err) {
  if (int rc = NeedMasterKey(o, err); rc != kOk) return rc;
  auto channel = Connect(o, err);
  if (!channel) return kCannotConnect;
  auto stub = rv1::Router::NewStub(channel);
  rv1::DeploymentResponse resp;
  auto ctx = Context(o, true);
  grpc::Status s = ((*stub).*rpc)(ctx.get(), req, &resp);
  if (!s.ok()) return RpcFailed(o, what, s, err);
  if (o.json) {
    PrintJson(resp, out);
  } else {
    rv1::ListDeploymentsResponse one;
    *one.add_deployments() = resp.deployment();
    PrintDeployments(one, out);
  }
  return kOk;
}

}  // namespace

int Health(const Options& o, const std::string& service, std::ostream& out, std::ostream& err) {
  auto channel = Connect(o, err);
  if (!channel) return kCannotConnect;
  if (!service.empty()) return ServiceHealth(o, channel, service == "-" ? "" : service, out, err);
  auto stub = hv1::HealthAggregator::NewStub(channel);
  hv1::SystemHealth h;
  auto ctx = Context(o, false);
  grpc::Status s = stub->GetSystemHealth(ctx.get(), hv1::GetSystemHealthRequest(), &h);
  if (!s.ok()) return RpcFailed(o, "HealthAggregator/GetSystemHealth", s, err);
  if (o.json) {
    PrintJson(h, out);
  } else {
    out << "system: " << StatusName(h.status()) << "\n";
    for (const auto& r : h.reasons()) out << "  reason: " << r << "\n";
    Table t({"COMPONENT", "STATUS", "REASON"});
    for (const auto& c : h.components()) t.Add({c.name(), StatusName(c.status()), c.reason()});
    out << t.Render();
  }
  return h.status() == hv1::SYSTEM_STATUS_NOT_SERVING ? kNotServing : kOk;
}

int Deployments(const Options& o, const std::string& model_group, std::ostream& out, std::ostream& err) {
  if (int rc = NeedMasterKey(o, err); rc != kOk) return rc;
  auto channel = Connect(o, err);
  if (!channel) return kCannotConnect;
  auto stub = rv1::Router::NewStub(channel);
  rv1::ListDeploymentsRequest req;
  req.set_model_group(model_group);
  rv1::ListDeploymentsResponse resp;
  auto ctx = Context(o, true);
  grpc::Status s = stub->ListDeployments(ctx.get(), req, &resp);
  if (!s.ok()) return RpcFailed(o, "Router/ListDeployments", s, err);
  if (o.json) {
    PrintJson(resp, out);
  } else {
    PrintDeployments(resp, out);
  }
  return kOk;
}

int SetCooldown(const Options& o, const std::string& id, std::chrono::milliseconds duration,
                const std::string& reason, std::ostream& out, std::ostream& err) {
  rv1::SetCooldownRequest req;
  req.set_deployment_id(id);
  *req.mutable_duration() = TimeUtil::MillisecondsToDuration(duration.count());
  req.set_reason(reason);
  return DeploymentCall(o, "Router/SetCooldown", req, &rv1::Router::Stub::SetCooldown, out, err);
}

int ClearCooldown(const Options& o, const std::string& id, std::ostream& out, std::ostream& err) {
  rv1::ClearCooldownRequest req;
  req.set_deployment_id(id);
  return DeploymentCall(o, "Router/ClearCooldown", req, &rv1::Router::Stub::ClearCooldown, out, err);
}

int ForceFail(const Options& o, const std::string& id, std::chrono::milliseconds duration,
              std::ostream& out, std::ostream& err) {
  rv1::ForceFailRequest req;
  req.set_deployment_id(id);
  *req.mutable_duration() = TimeUtil::MillisecondsToDuration(duration.count());
  return DeploymentCall(o, "Router/ForceFail", req, &rv1::Router::Stub::ForceFail, out, err);
}

}  // namespace llmgw::ctl
