// Spend at the REST edge: /spend/logs and /global/spend/report (LiteLLM's paths), read
// from the spend service's ledger. proxy_admin and proxy_admin_viewer see everything; an
// internal user sees only their own rows; reports are for the admin roles.
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <google/protobuf/util/time_util.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/numbers.h"
#include "absl/time/time.h"
#include "llmgw/common/crypto.h"
#include "llmgw/common/error.h"
#include "llmgw/json/proto_json.h"
#include "llmgw/rpc/status.h"
#include "services/gateway/request_scope.h"
#include "services/gateway/rest_api.h"

namespace llmgw::gateway {
namespace {

namespace sv1 = spend::v1;
using google::protobuf::util::TimeUtil;

absl::Status Bad(std::string message, std::string param) {
  return MakeError(absl::StatusCode::kInvalidArgument, common::v1::ERROR_KIND_INVALID_REQUEST, message,
                   {.param = std::move(param)});
}

absl::Status Forbidden(std::string message) {
  return MakeError(absl::StatusCode::kPermissionDenied, common::v1::ERROR_KIND_FORBIDDEN, message);
}

// "2026-12-01" (a whole UTC day) or RFC 3339. `end`: a date means through that day.
absl::Status ParseDate(const std::string& text, bool end, const char* param, google::protobuf::Timestamp* out) {
  if (text.empty()) return absl::OkStatus();
  absl::Time t;
  std::string err;
  if (absl::ParseTime("%Y-%m-%d", text, absl::UTCTimeZone(), &t, &err)) {
    if (end) t += absl::Hours(24);
  } else if (!absl::ParseTime(absl::RFC3339_full, text, &t, &err)) {
    return Bad(absl::StrCat(param, ": '", text, "' is neither YYYY-MM-DD nor an RFC 3339 time"), param);
  }
  *out = TimeUtil::MillisecondsToTimestamp(absl::ToUnixMillis(t));
  return absl::OkStatus();
}

bool IsAdminReader(const common::v1::Principal& p) {
  return p.role() == common::v1::ROLE_PROXY_ADMIN || p.role() == common::v1::ROLE_PROXY_ADMIN_VIEWER;
}

template <typename Req, typename Resp>
using SpendMethod = void (sv1::SpendService::StubInterface::async_interface::*)(grpc::ClientContext*, const Req*,
                                                                              Resp*, std::function<void(grpc::Status)>);

}  // namespace

bool RestApi::HandleSpend(const std::shared_ptr<http::Exchange>& ex) {
  const http::Request& r = ex->request();
  bool logs = r.path == "/spend/logs";
  bool report = r.path == "/global/spend/report";
  if (!logs && !report) return false;
  auto scope = std::make_shared<RequestScope>(r, r.path, metrics_.get());
  if (r.method != "GET") {
    RespondRow(ex, *scope, HttpRow(405), absl::StrCat(r.method, " is not allowed on ", r.path, "; use GET"));
    return true;
  }
  gateway_.Admit(KeyFromHeaders(r), scope->call, r.path, [this, ex, scope, logs](absl::StatusOr<common::v1::Principal> p) {
    if (!p.ok()) return RespondError(ex, *scope, p.status());
    const http::Request& r = ex->request();
    auto render = [ex, scope](boost::json::value v, http::HeaderList extra) {
      http::Response resp{.body = boost::json::serialize(v)};
      resp.headers = scope->Headers();
      for (auto& h : extra) resp.headers.push_back(std::move(h));
      scope->Done(200);
      ex->Respond(std::move(resp));
    };
    auto call = [this, ex, scope](auto req, auto method, auto on_ok) {
      using Resp = typename decltype(on_ok)::Resp;
      auto resp = std::make_shared<Resp>();
      std::shared_ptr<grpc::ClientContext> ctx = rpc::NewClientContext(scope->call, gateway_.config().llmgw.rpc_timeout);
      (gateway_.spend().async()->*method)(ctx.get(), req.get(), resp.get(), [ex, scope, req, resp, ctx, on_ok](grpc::Status s) {
        if (!s.ok()) return RespondError(ex, *scope, rpc::FromGrpcStatus(s));
        on_ok(*resp);
      });
    };
    if (logs) {
      auto req = std::make_shared<sv1::QuerySpendLogsRequest>();
      std::string key = r.QueryParam("api_key");
      req->set_api_key(key.rfind("sk-", 0) == 0 ? Sha256Hex(key) : key);
      req->set_user_id(r.QueryParam("user_id"));
      req->set_team_id(r.QueryParam("team_id"));
      req->set_request_id(r.QueryParam("request_id"));
      for (auto [name, field] : {std::pair{"page", 0}, std::pair{"page_size", 1}}) {
        std::string v = r.QueryParam(name);
        if (v.empty()) continue;
        int n = 0;
        if (!absl::SimpleAtoi(v, &n) || n <= 0) return RespondError(ex, *scope, Bad(absl::StrCat(name, ": a positive number"), name));
        field == 0 ? req->set_page(n) : req->set_page_size(n);
      }
      for (auto s : {ParseDate(r.QueryParam("start_date"), false, "start_date", req->mutable_start_date()),
                     ParseDate(r.QueryParam("end_date"), true, "end_date", req->mutable_end_date())}) {
        if (!s.ok()) return RespondError(ex, *scope, s);
      }
      if (r.QueryParam("start_date").empty()) req->clear_start_date();
      if (r.QueryParam("end_date").empty()) req->clear_end_date();
      if (!IsAdminReader(*p)) {
        if (p->user_id().empty()) return RespondError(ex, *scope, Forbidden("this key has no user: it may not read spend logs"));
        if (!req->user_id().empty() && req->user_id() != p->user_id()) {
          return RespondError(ex, *scope, Forbidden("you may read only your own spend logs"));
        }
        req->set_user_id(p->user_id());
      }
      struct OnLogs {
        using Resp = sv1::QuerySpendLogsResponse;
        std::function<void(boost::json::value, http::HeaderList)> render;
        void operator()(const Resp& resp) const {
          boost::json::array rows;  // LiteLLM answers a bare list
          for (const auto& l : resp.logs()) rows.push_back(json::ToJson(l));
          render(std::move(rows), {{"x-total-count", std::to_string(resp.total())}});
        }
      };
      call(req, static_cast<SpendMethod<sv1::QuerySpendLogsRequest, sv1::QuerySpendLogsResponse>>(
                    &sv1::SpendService::StubInterface::async_interface::QuerySpendLogs),
           OnLogs{render});
      return;
    }
    if (!IsAdminReader(*p)) return RespondError(ex, *scope, Forbidden("only proxy_admin and proxy_admin_viewer may read spend reports"));
    auto req = std::make_shared<sv1::SpendReportRequest>();
    static const std::map<std::string, sv1::ReportGroup> kGroups = {
        {"team", sv1::REPORT_GROUP_TEAM}, {"api_key", sv1::REPORT_GROUP_API_KEY}, {"user", sv1::REPORT_GROUP_USER},
        {"model", sv1::REPORT_GROUP_MODEL}, {"day", sv1::REPORT_GROUP_DAY}};
    std::string group = r.QueryParam("group_by");
    if (group.empty()) group = "team";
    auto g = kGroups.find(group);
    if (g == kGroups.end()) return RespondError(ex, *scope, Bad("group_by: one of team, api_key, user, model, day", "group_by"));
    req->set_group_by(g->second);
    for (auto s : {ParseDate(r.QueryParam("start_date"), false, "start_date", req->mutable_start_date()),
                   ParseDate(r.QueryParam("end_date"), true, "end_date", req->mutable_end_date())}) {
      if (!s.ok()) return RespondError(ex, *scope, s);
    }
    if (r.QueryParam("start_date").empty()) req->clear_start_date();
    if (r.QueryParam("end_date").empty()) req->clear_end_date();
    struct OnReport {
      using Resp = sv1::SpendReportResponse;
      std::function<void(boost::json::value, http::HeaderList)> render;
      std::string group;
      void operator()(const Resp& resp) const {
        boost::json::object o = json::ToJson(resp);
        o["group_by"] = group;
        render(std::move(o), {});
      }
    };
    call(req, static_cast<SpendMethod<sv1::SpendReportRequest, sv1::SpendReportResponse>>(
                  &sv1::SpendService::StubInterface::async_interface::SpendReport),
         OnReport{render, group});
  });
  return true;
}

}  // namespace llmgw::gateway
