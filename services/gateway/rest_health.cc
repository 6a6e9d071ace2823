// GET /health (proxy_admin): per-deployment health as LiteLLM shapes it — healthy_endpoints,
// unhealthy_endpoints and their counts — from the router's state and its background health
// checks. It never calls a provider itself: a request to /health costs nothing, however
// often a monitor polls it. A deployment cooling down is unhealthy whatever its last probe
// said; one with neither a probe result nor a cooldown is listed as unchecked.
//
// GET /health/readiness (no key): the health aggregator's verdict on the whole suite, 200
// while it serves (DEGRADED included) and 503 when it does not, listing every component. When
// the aggregator itself cannot be reached the gateway answers 200 "degraded" on its own view:
// a monitoring service that is down must not take the gateway out of a load balancer.
#include <boost/json.hpp>

#include <google/protobuf/util/time_util.h>

#include "absl/strings/str_cat.h"
#include "llmgw/common/error.h"
#include "llmgw/rpc/status.h"
#include "services/gateway/request_scope.h"
#include "services/gateway/rest_api.h"

namespace llmgw::gateway {
namespace {

namespace rv1 = router::v1;
namespace hv1 = health::v1;
using google::protobuf::util::TimeUtil;

boost::json::object Endpoint(const rv1::Deployment& d) {
  boost::json::object o{{"model", absl::StrCat(d.provider(), "/", d.upstream_model())},
                        {"model_group", d.model_group()},
                        {"model_id", d.id()},
                        {"state", rv1::DeploymentState_Name(d.state())}};
  if (!d.api_base().empty()) o["api_base"] = d.api_base();
  if (d.has_health_check()) {
    const auto& h = d.health_check();
    o["probe"] = h.probe();
    o["checked_at"] = TimeUtil::ToString(h.checked_at());
    o["latency_ms"] = TimeUtil::DurationToMilliseconds(h.latency());
    if (!h.healthy()) o["error"] = h.error();
  }
  return o;
}

boost::json::object HealthJson(const rv1::ListDeploymentsResponse& r, bool background) {
  boost::json::array healthy, unhealthy, unchecked;
  for (const auto& d : r.deployments()) {
    boost::json::object e = Endpoint(d);
    if (d.state() == rv1::DEPLOYMENT_STATE_COOLDOWN) {
      e["error"] = absl::StrCat("cooling down: ", d.cooldown_reason());
      unhealthy.push_back(std::move(e));
    } else if (!d.has_health_check()) {
      unchecked.push_back(std::move(e));
    } else if (d.health_check().healthy()) {
      healthy.push_back(std::move(e));
    } else {
      unhealthy.push_back(std::move(e));
    }
  }
  boost::json::object o;
  o["healthy_count"] = healthy.size();
  o["unhealthy_count"] = unhealthy.size();
  o["unchecked_count"] = unchecked.size();
  o["healthy_endpoints"] = std::move(healthy);
  o["unhealthy_endpoints"] = std::move(unhealthy);
  o["unchecked_endpoints"] = std::move(unchecked);
  o["background_health_checks"] = background;
  return o;
}

const char* SystemName(hv1::SystemStatus s) {
  switch (s) {
    case hv1::SYSTEM_STATUS_SERVING: return "SERVING";
    case hv1::SYSTEM_STATUS_DEGRADED: return "DEGRADED";
    case hv1::SYSTEM_STATUS_NOT_SERVING: return "NOT_SERVING";
    default: return "UNKNOWN";
  }
}

http::Response Readiness(int status, const char* verdict, const hv1::SystemHealth& h,
                         const std::vector<std::string>& extra_reasons) {
  boost::json::array reasons, components;
  for (const auto& r : extra_reasons) reasons.push_back(boost::json::value(r));
  for (const auto& r : h.reasons()) reasons.push_back(boost::json::value(r));
  for (const auto& c : h.components()) {
    components.push_back(boost::json::object{
        {"name", c.name()}, {"status", SystemName(c.status())}, {"reason", c.reason()}});
  }
  boost::json::object o{{"status", verdict},
                        {"system_status", SystemName(h.status())},
                        {"reasons", std::move(reasons)},
                        {"components", std::move(components)}};
  return http::Response{.status = status, .body = boost::json::serialize(o)};
}

}  // namespace

void RestApi::HandleReadiness(const std::shared_ptr<http::Exchange>& ex) {
  if (gateway_.draining()) {
    return ex->Respond(Readiness(503, "unhealthy", {}, {"the gateway is draining for shutdown"}));
  }
  if (!gateway_.ready() || gateway_.health() == nullptr) {
    return ex->Respond(Readiness(503, "unhealthy", {}, {"the gateway is not connected yet"}));
  }
  struct Call {
    std::unique_ptr<grpc::ClientContext> ctx;
    hv1::GetSystemHealthRequest request;
    hv1::SystemHealth response;
  };
  auto c = std::make_shared<Call>();
  c->ctx = rpc::NewClientContext({}, gateway_.config().llmgw.rpc_timeout);
  gateway_.health()->async()->GetSystemHealth(c->ctx.get(), &c->request, &c->response, [ex, c](grpc::Status s) {
    if (!s.ok()) {
      return ex->Respond(Readiness(200, "degraded", {},
                                   {absl::StrCat("health aggregator unreachable (", s.error_message(),
                                                 "): the gateway's own view only")}));
    }
    switch (c->response.status()) {
      case hv1::SYSTEM_STATUS_SERVING: return ex->Respond(Readiness(200, "healthy", c->response, {}));
      case hv1::SYSTEM_STATUS_DEGRADED: return ex->Respond(Readiness(200, "degraded", c->response, {}));
      default: return ex->Respond(Readiness(503, "unhealthy", c->response, {}));
    }
  });
}

bool RestApi::HandleHealth(const std::shared_ptr<http::Exchange>& ex) {
  const http::Request& r = ex->request();
  if (r.path != "/health") return false;
  auto scope = std::make_shared<RequestScope>(r, r.path, metrics_.get());
  if (r.method != "GET") {
    RespondRow(ex, *scope, HttpRow(405), absl::StrCat(r.method, " is not allowed on /health; use GET"));
    return true;
  }
  gateway_.Admit(KeyFromHeaders(r), scope->call, r.path, [this, ex, scope](absl::StatusOr<common::v1::Principal> p) {
    if (!p.ok()) return RespondError(ex, *scope, p.status());
    if (p->role() != common::v1::ROLE_PROXY_ADMIN) {
      return RespondError(ex, *scope, MakeError(absl::StatusCode::kPermissionDenied, common::v1::ERROR_KIND_FORBIDDEN,
                                                "only proxy_admin may read /health"));
    }
    auto req = std::make_shared<rv1::ListDeploymentsRequest>();
    req->set_model_group(ex->request().QueryParam("model"));
    // The router's operator RPCs take the master key; this caller is an admin.
    rpc::CallContext call = scope->call;
    call.authorization = "Bearer " + gateway_.config().general_settings.master_key;
    auto resp = std::make_shared<rv1::ListDeploymentsResponse>();
    std::shared_ptr<grpc::ClientContext> ctx = rpc::NewClientContext(call, gateway_.config().llmgw.rpc_timeout);
    bool background = gateway_.config().general_settings.background_health_checks;
    gateway_.router().async()->ListDeployments(
        ctx.get(), req.get(), resp.get(), [ex, scope, req, resp, ctx, background](grpc::Status s) {
          if (!s.ok()) return RespondError(ex, *scope, rpc::FromGrpcStatus(s), req->model_group());
          http::Response out{.body = boost::json::serialize(HealthJson(*resp, background))};
          out.headers = scope->Headers();
          scope->Done(200);
          ex->Respond(std::move(out));
        });
  });
  return true;
}

}  // namespace llmgw::gateway
