// The response cache at the REST edge, with LiteLLM's paths: /cache/ping (any key) shows
// the router's cache state after a probe write and read; /cache/delete {keys: [...]} and
// /cache/flushall are for proxy_admin. The cache itself lives in the router.
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

absl::Status CacheOff() {
  return MakeError(absl::StatusCode::kFailedPrecondition, common::v1::ERROR_KIND_CACHE_DISABLED,
                   "Cache not initialized: litellm_settings.cache is off");
}

boost::json::object PingJson(const rv1::CachePingResponse& p) {
  bool healthy = p.set_ok() && p.get_ok();
  boost::json::object params{
      {"type", p.type()},
      {"ttl", google::protobuf::util::TimeUtil::DurationToSeconds(p.ttl())},
      {"namespace", p.cache_namespace()},
      {"mode", p.mode()},
      {"max_size_mb", p.max_bytes() >> 20}};
  return {{"status", healthy ? "healthy" : "unhealthy"},
          {"cache_type", p.type()},
          {"ping_response", p.get_ok()},
          {"set_cache_response", p.set_ok() ? "success" : "failed"},
          {"litellm_cache_params", std::move(params)},
          {"entries", p.entries()},
          {"bytes", p.bytes()},
          {"max_bytes", p.max_bytes()},
          {"hits", p.hits()},
          {"misses", p.misses()},
          {"evictions", p.evictions()}};
}

// The keys of a /cache/delete body; INVALID_ARGUMENT naming `keys` otherwise.
absl::Status ParseKeys(const std::string& body, rv1::DeleteCacheRequest& out) {
  auto bad = [](std::string m) {
    return MakeError(absl::StatusCode::kInvalidArgument, common::v1::ERROR_KIND_INVALID_REQUEST,
                     std::move(m), {.param = "keys"});
  };
  boost::json::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return bad("the body must be a JSON object {\"keys\": [...]}");
  const boost::json::value* keys = v.as_object().if_contains("keys");
  if (keys == nullptr || !keys->is_array() || keys->as_array().empty()) {
    return bad("keys: a non-empty array of cache keys (x-litellm-cache-key) is required");
  }
  for (const auto& k : keys->as_array()) {
    if (!k.is_string()) return bad("keys: every key must be a string");
    out.add_keys(std::string(k.as_string()));
  }
  return absl::OkStatus();
}

}  // namespace

bool RestApi::HandleCache(const std::shared_ptr<http::Exchange>& ex) {
  const http::Request& r = ex->request();
  bool ping = r.path == "/cache/ping";
  bool del = r.path == "/cache/delete";
  bool flush = r.path == "/cache/flushall";
  if (!ping && !del && !flush) return false;
  auto scope = std::make_shared<RequestScope>(r, r.path, metrics_.get());
  const char* method = ping ? "GET" : "POST";
  if (r.method != method) {
    RespondRow(ex, *scope, HttpRow(405), absl::StrCat(r.method, " is not allowed on ", r.path, "; use ", method));
    return true;
  }
  gateway_.Admit(KeyFromHeaders(r), scope->call, r.path, [this, ex, scope, ping, flush](absl::StatusOr<common::v1::Principal> p) {
    if (!p.ok()) return RespondError(ex, *scope, p.status());
    auto respond = [ex, scope](boost::json::object o) {
      http::Response resp{.body = boost::json::serialize(o)};
      resp.headers = scope->Headers();
      scope->Done(200);
      ex->Respond(std::move(resp));
    };
    if (ping) {
      auto req = std::make_shared<rv1::CachePingRequest>();
      auto resp = std::make_shared<rv1::CachePingResponse>();
      std::shared_ptr<grpc::ClientContext> ctx = rpc::NewClientContext(scope->call, gateway_.config().llmgw.rpc_timeout);
      gateway_.router().async()->CachePing(ctx.get(), req.get(), resp.get(), [ex, scope, req, resp, ctx, respond](grpc::Status s) {
        if (!s.ok()) return RespondError(ex, *scope, rpc::FromGrpcStatus(s));
        if (!resp->enabled()) return RespondError(ex, *scope, CacheOff());
        respond(PingJson(*resp));
      });
      return;
    }
    if (p->role() != common::v1::ROLE_PROXY_ADMIN) {
      return RespondError(ex, *scope, MakeError(absl::StatusCode::kPermissionDenied, common::v1::ERROR_KIND_FORBIDDEN,
                                                "only proxy_admin may delete cache entries"));
    }
    auto req = std::make_shared<rv1::DeleteCacheRequest>();
    if (flush) {
      req->set_all(true);
    } else if (auto s = ParseKeys(ex->request().body, *req); !s.ok()) {
      return RespondError(ex, *scope, s);
    }
    // The router's operator RPCs take the master key; this caller is an admin.
    rpc::CallContext call = scope->call;
    call.authorization = "Bearer " + gateway_.config().general_settings.master_key;
    auto resp = std::make_shared<rv1::DeleteCacheResponse>();
    std::shared_ptr<grpc::ClientContext> ctx = rpc::NewClientContext(call, gateway_.config().llmgw.rpc_timeout);
    gateway_.router().async()->DeleteCache(ctx.get(), req.get(), resp.get(), [ex, scope, req, resp, ctx, respond](grpc::Status s) {
      if (!s.ok()) return RespondError(ex, *scope, rpc::FromGrpcStatus(s));
      respond({{"status", "success"}, {"deleted", resp->deleted()}});
    });
  });
  return true;
}

}  // namespace llmgw::gateway
