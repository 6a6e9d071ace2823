// The admin REST API, with LiteLLM's paths, fields and semantics: /key/*, /team/*,
// /user/*. Each route turns the JSON body (or query string) into a keymgr request,
// forwards the caller's own key as `authorization` (keymgr decides role and ownership),
// and renders the answer in LiteLLM's shape. No admin logic lives here.
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <functional>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "llmgw/common/error.h"
#include "llmgw/json/proto_json.h"
#include "llmgw/rpc/status.h"
#include "services/gateway/request_scope.h"
#include "services/gateway/rest_api.h"

namespace llmgw::gateway {
namespace {

namespace v1 = keymgr::v1;
using Async = v1::KeyManager::StubInterface::async_interface;
using JsonObject = boost::json::object;

// "rpm_limit: expected a whole number" -> param "rpm_limit".
absl::Status BadRequest(std::string_view message) {
  std::string param;
  if (auto colon = message.find(':'); colon != std::string_view::npos && message.substr(0, colon).find(' ') == std::string_view::npos) {
    param = std::string(message.substr(0, colon));
  }
  return MakeError(absl::StatusCode::kInvalidArgument, common::v1::ERROR_KIND_INVALID_REQUEST, std::string(message),
                   {.param = param});
}

// LiteLLM admin fields llmgw knows but does not implement: refused by name (never
// silently dropped), so a script learns at once that the setting would not apply.
bool KnownUnsupported(std::string_view field) {
  static const std::set<std::string_view> kFields = {
      "config", "permissions", "allowed_cache_controls", "guardrails", "enforced_params", "key_type",
      "budget_id", "organization_id", "send_invite_email", "spend", "temp_budget_increase",
      "temp_budget_expiry", "budget_limits", "team_member_budget", "team_member_key_duration",
      "max_budget_in_team", "object_permission", "prompts", "auto_rotate", "rotation_interval"};
  return kFields.count(field) > 0;
}

absl::Status Bad(const absl::Status& s) {
  if (s.ok()) return s;
  std::string message(s.message());
  constexpr std::string_view kUnknown = ": unknown field";
  if (message.size() > kUnknown.size() && message.substr(message.size() - kUnknown.size()) == kUnknown) {
    std::string field = message.substr(0, message.size() - kUnknown.size());
    if (KnownUnsupported(field)) {
      return BadRequest(field + ": a LiteLLM field llmgw does not support yet; remove it (docs/access-control.md)");
    }
  }
  return BadRequest(message);
}

// What a route needs: its input as a JSON object (the body, or the query string for GET).
struct Input {
  JsonObject obj;
  std::string path_key;  // /key/{key}/regenerate
};

absl::StatusOr<std::string> StringField(const JsonObject& o, const char* name, bool required) {
  auto it = o.find(name);
  if (it == o.end() || it->value().is_null()) {
    if (required) return BadRequest(absl::StrCat(name, ": required"));
    return std::string();
  }
  if (!it->value().is_string()) return BadRequest(absl::StrCat(name, ": expected a string"));
  return std::string(it->value().as_string());
}

// Parses `obj` into `msg`, leaving `skip` to the route; fills `mask` with what was sent.
absl::Status Fill(const JsonObject& obj, google::protobuf::Message& msg, std::vector<std::string> skip,
                  google::protobuf::FieldMask* mask = nullptr, bool query = false) {
  std::vector<std::string> present;
  auto s = json::FromJson(obj, msg, {.scalars_from_strings = query, .skip_keys = std::move(skip)}, &present);
  if (!s.ok()) return Bad(s);
  if (mask) {
    for (auto& p : present) mask->add_paths(p);
  }
  return absl::OkStatus();
}

JsonObject Merge(JsonObject base, const JsonObject& extra) {
  for (const auto& [k, v] : extra) base[k] = v;
  return base;
}

JsonObject GeneratedKeyJson(const v1::GenerateKeyResponse& r) {
  JsonObject o = json::ToJson(r.info());
  o["key"] = r.key();  // shown once
  o["token_id"] = r.info().token();
  return o;
}

// One admin route: builds the request, calls keymgr, renders the answer.
struct Route {
  const char* method;
  std::function<void(const Input&, const std::shared_ptr<http::Exchange>&, const std::shared_ptr<RequestScope>&,
                     Gateway&)>
      run;
};

// Adds spend's view (`spend`, `budget_reset_at`) to an object keymgr returned. If spend
// cannot answer, the object goes out without them (null) rather than not at all.
using Then = std::function<void(boost::json::value, std::function<void(boost::json::value)>)>;
Then WithSpend(Gateway& gw, const std::shared_ptr<RequestScope>& scope, common::v1::Scope kind, const char* object,
               const char* id_field) {
  return [&gw, scope, kind, object, id_field](boost::json::value v, std::function<void(boost::json::value)> done) {
    boost::json::object* o = v.if_object();
    if (o != nullptr && object[0]) {
      boost::json::value* inner = o->if_contains(object);
      o = inner ? inner->if_object() : nullptr;
    }
    if (o == nullptr) return done(std::move(v));
    auto req = std::make_shared<spend::v1::GetSpendRequest>();
    req->set_scope(kind);
    auto str = [&](const char* f) {
      auto* x = o->if_contains(f);
      return x && x->is_string() ? std::string(x->as_string()) : std::string();
    };
    req->set_id(str(id_field));
    req->set_budget_duration(str("budget_duration"));
    auto resp = std::make_shared<spend::v1::GetSpendResponse>();
    std::shared_ptr<grpc::ClientContext> ctx = rpc::NewClientContext(scope->call, gw.config().llmgw.rpc_timeout);
    auto shared = std::make_shared<boost::json::value>(std::move(v));
    gw.spend().async()->GetSpend(ctx.get(), req.get(), resp.get(),
                                 [req, resp, ctx, shared, object, done = std::move(done)](grpc::Status s) {
                                   boost::json::object& target = object[0] ? shared->as_object().at(object).as_object()
                                                                           : shared->as_object();
                                   boost::json::object view = json::ToJson(*resp);
                                   target["spend"] = s.ok() ? view["spend"] : nullptr;
                                   target["budget_reset_at"] = s.ok() ? view["budget_reset_at"] : nullptr;
                                   done(std::move(*shared));
                                 });
  };
}

template <typename Req, typename Resp>
void CallKeymgr(Gateway& gw, const std::shared_ptr<http::Exchange>& ex, const std::shared_ptr<RequestScope>& scope,
                std::shared_ptr<Req> req,
                void (Async::*method)(grpc::ClientContext*, const Req*, Resp*, std::function<void(grpc::Status)>),
                std::function<boost::json::value(const Resp&)> render, Then then = nullptr) {
  auto resp = std::make_shared<Resp>();
  rpc::CallContext call = scope->call;
  call.authorization = "Bearer " + KeyFromHeaders(ex->request());
  std::shared_ptr<grpc::ClientContext> ctx = rpc::NewClientContext(call, gw.config().llmgw.rpc_timeout);
  (gw.keymgr().async()->*method)(
      ctx.get(), req.get(), resp.get(),
      [ex, scope, req, resp, ctx, render = std::move(render), then = std::move(then)](grpc::Status s) {
        if (!s.ok()) return RespondError(ex, *scope, rpc::FromGrpcStatus(s));
        auto send = [ex, scope](boost::json::value v) {
          http::Response r{.body = boost::json::serialize(v)};
          r.headers = scope->Headers();
          scope->Done(200);
          ex->Respond(std::move(r));
        };
        if (then) return then(render(*resp), send);
        send(render(*resp));
      });
}

template <typename M>
boost::json::value AsJson(const M& m) {
  return json::ToJson(m);
}

#define LLMGW_FAIL_IF(expr)                              \
  if (absl::Status _s = (expr); !_s.ok()) {              \
    return RespondError(ex, *scope, _s);                 \
  }
#define LLMGW_ROUTE(...) \
  [](const Input& in, const std::shared_ptr<http::Exchange>& ex, const std::shared_ptr<RequestScope>& scope, Gateway& gw) __VA_ARGS__

const std::map<std::string, Route>& Routes() {
  static const auto* routes = new std::map<std::string, Route>{
      // ----- keys -----
      {"/key/generate", {"POST", LLMGW_ROUTE({
         auto req = std::make_shared<v1::GenerateKeyRequest>();
         LLMGW_FAIL_IF(Fill(in.obj, *req->mutable_key(), {"duration", "key"}));
         auto duration = StringField(in.obj, "duration", false);
         auto custom = StringField(in.obj, "key", false);
         LLMGW_FAIL_IF(duration.status());
         LLMGW_FAIL_IF(custom.status());
         req->set_duration(*duration);
         req->set_custom_key(*custom);
         CallKeymgr<v1::GenerateKeyRequest, v1::GenerateKeyResponse>(
             gw, ex, scope, req, &Async::GenerateKey, [](const auto& r) { return boost::json::value(GeneratedKeyJson(r)); });
       })}},
      {"/key/update", {"POST", LLMGW_ROUTE({
         auto req = std::make_shared<v1::UpdateKeyRequest>();
         auto key = StringField(in.obj, "key", true);
         auto duration = StringField(in.obj, "duration", false);
         LLMGW_FAIL_IF(key.status());
         LLMGW_FAIL_IF(duration.status());
         req->set_key(*key);
         req->set_duration(*duration);
         LLMGW_FAIL_IF(Fill(in.obj, *req->mutable_changes(), {"key", "duration"}, req->mutable_update_mask()));
         CallKeymgr<v1::UpdateKeyRequest, v1::Key>(gw, ex, scope, req, &Async::UpdateKey, AsJson<v1::Key>);
       })}},
      {"/key/info", {"GET", LLMGW_ROUTE({
         auto req = std::make_shared<v1::KeyRef>();
         LLMGW_FAIL_IF(Fill(in.obj, *req, {}, nullptr, true));
         CallKeymgr<v1::KeyRef, v1::KeyInfoResponse>(gw, ex, scope, req, &Async::GetKey, AsJson<v1::KeyInfoResponse>,
                                                     WithSpend(gw, scope, common::v1::SCOPE_KEY, "info", "token"));
       })}},
      {"/key/list", {"GET", LLMGW_ROUTE({
         auto req = std::make_shared<v1::ListKeysRequest>();
         LLMGW_FAIL_IF(Fill(in.obj, *req, {}, nullptr, true));
         bool full = req->return_full_object();
         CallKeymgr<v1::ListKeysRequest, v1::ListKeysResponse>(
             gw, ex, scope, req, &Async::ListKeys, [full](const v1::ListKeysResponse& r) {
               JsonObject o = json::ToJson(r);
               if (full) o["keys"] = o["full_keys"];
               o.erase("full_keys");
               return boost::json::value(std::move(o));
             });
       })}},
      {"/key/delete", {"POST", LLMGW_ROUTE({
         auto req = std::make_shared<v1::DeleteKeysRequest>();
         LLMGW_FAIL_IF(Fill(in.obj, *req, {}));
         CallKeymgr<v1::DeleteKeysRequest, v1::DeleteKeysResponse>(gw, ex, scope, req, &Async::DeleteKeys,
                                                                   AsJson<v1::DeleteKeysResponse>);
       })}},
      {"/key/regenerate", {"POST", LLMGW_ROUTE({
         auto req = std::make_shared<v1::RegenerateKeyRequest>();
         LLMGW_FAIL_IF(Fill(in.obj, *req, {}));
         if (!in.path_key.empty()) req->set_key(in.path_key);
         if (req->key().empty()) return RespondError(ex, *scope, BadRequest("key: required"));
         CallKeymgr<v1::RegenerateKeyRequest, v1::GenerateKeyResponse>(
             gw, ex, scope, req, &Async::RegenerateKey, [](const auto& r) { return boost::json::value(GeneratedKeyJson(r)); });
       })}},
      {"/key/block", {"POST", LLMGW_ROUTE({
         auto req = std::make_shared<v1::KeyRef>();
         LLMGW_FAIL_IF(Fill(in.obj, *req, {}));
         if (req->key().empty()) return RespondError(ex, *scope, BadRequest("key: required"));
         CallKeymgr<v1::KeyRef, v1::Key>(gw, ex, scope, req, &Async::BlockKey, AsJson<v1::Key>);
       })}},
      {"/key/unblock", {"POST", LLMGW_ROUTE({
         auto req = std::make_shared<v1::KeyRef>();
         LLMGW_FAIL_IF(Fill(in.obj, *req, {}));
         if (req->key().empty()) return RespondError(ex, *scope, BadRequest("key: required"));
         CallKeymgr<v1::KeyRef, v1::Key>(gw, ex, scope, req, &Async::UnblockKey, AsJson<v1::Key>);
       })}},
      // ----- teams -----
      {"/team/new", {"POST", LLMGW_ROUTE({
         auto req = std::make_shared<v1::CreateTeamRequest>();
         LLMGW_FAIL_IF(Fill(in.obj, *req->mutable_team(), {}));
         CallKeymgr<v1::CreateTeamRequest, v1::Team>(gw, ex, scope, req, &Async::CreateTeam, AsJson<v1::Team>);
       })}},
      {"/team/update", {"POST", LLMGW_ROUTE({
         auto req = std::make_shared<v1::UpdateTeamRequest>();
         auto id = StringField(in.obj, "team_id", true);
         LLMGW_FAIL_IF(id.status());
         LLMGW_FAIL_IF(Fill(in.obj, *req->mutable_team(), {"team_id"}, req->mutable_update_mask()));
         req->mutable_team()->set_team_id(*id);
         CallKeymgr<v1::UpdateTeamRequest, v1::Team>(gw, ex, scope, req, &Async::UpdateTeam, AsJson<v1::Team>);
       })}},
      {"/team/info", {"GET", LLMGW_ROUTE({
         auto req = std::make_shared<v1::GetTeamRequest>();
         LLMGW_FAIL_IF(Fill(in.obj, *req, {}, nullptr, true));
         CallKeymgr<v1::GetTeamRequest, v1::TeamInfoResponse>(gw, ex, scope, req, &Async::GetTeam,
                                                              AsJson<v1::TeamInfoResponse>,
                                                              WithSpend(gw, scope, common::v1::SCOPE_TEAM, "team_info", "team_id"));
       })}},
      {"/team/list", {"GET", LLMGW_ROUTE({
         auto req = std::make_shared<v1::ListTeamsRequest>();
         LLMGW_FAIL_IF(Fill(in.obj, *req, {}, nullptr, true));
         CallKeymgr<v1::ListTeamsRequest, v1::ListTeamsResponse>(
             gw, ex, scope, req, &Async::ListTeams, [](const v1::ListTeamsResponse& r) {
               boost::json::array a;  // LiteLLM answers a bare list
               for (const auto& t : r.teams()) a.push_back(json::ToJson(t));
               return boost::json::value(std::move(a));
             });
       })}},
      {"/team/delete", {"POST", LLMGW_ROUTE({
         auto req = std::make_shared<v1::DeleteTeamsRequest>();
         LLMGW_FAIL_IF(Fill(in.obj, *req, {}));
         CallKeymgr<v1::DeleteTeamsRequest, v1::DeleteTeamsResponse>(gw, ex, scope, req, &Async::DeleteTeams,
                                                                     AsJson<v1::DeleteTeamsResponse>);
       })}},
      {"/team/member_add", {"POST", LLMGW_ROUTE({
         auto req = std::make_shared<v1::AddTeamMembersRequest>();
         auto id = StringField(in.obj, "team_id", true);
         LLMGW_FAIL_IF(id.status());
         req->set_team_id(*id);
         for (const auto& [k, v] : in.obj) {
           if (k != "team_id" && k != "member") {
             return RespondError(ex, *scope, BadRequest(absl::StrCat(std::string(k), ": unknown field")));
           }
         }
         auto it = in.obj.find("member");
         if (it == in.obj.end()) return RespondError(ex, *scope, BadRequest("member: required"));
         boost::json::array members = it->value().is_array() ? it->value().as_array() : boost::json::array{it->value()};
         for (const auto& m : members) {
           if (!m.is_object()) return RespondError(ex, *scope, BadRequest("member: expected an object or a list of them"));
           LLMGW_FAIL_IF(Fill(m.as_object(), *req->add_members(), {}));
         }
         CallKeymgr<v1::AddTeamMembersRequest, v1::Team>(gw, ex, scope, req, &Async::AddTeamMembers, AsJson<v1::Team>);
       })}},
      {"/team/member_delete", {"POST", LLMGW_ROUTE({
         auto req = std::make_shared<v1::RemoveTeamMembersRequest>();
         auto id = StringField(in.obj, "team_id", true);
         auto user = StringField(in.obj, "user_id", false);
         auto email = StringField(in.obj, "user_email", false);
         LLMGW_FAIL_IF(id.status());
         LLMGW_FAIL_IF(user.status());
         LLMGW_FAIL_IF(email.status());
         for (const auto& [k, v] : in.obj) {
           if (k != "team_id" && k != "user_id" && k != "user_email") {
             return RespondError(ex, *scope, BadRequest(absl::StrCat(std::string(k), ": unknown field")));
           }
         }
         req->set_team_id(*id);
         if (!user->empty()) req->add_user_ids(*user);
         if (!email->empty()) req->add_user_emails(*email);
         CallKeymgr<v1::RemoveTeamMembersRequest, v1::Team>(gw, ex, scope, req, &Async::RemoveTeamMembers,
                                                            AsJson<v1::Team>);
       })}},
      // ----- users -----
      {"/user/new", {"POST", LLMGW_ROUTE({
         auto req = std::make_shared<v1::CreateUserRequest>();
         LLMGW_FAIL_IF(Fill(in.obj, *req->mutable_user(), {"auto_create_key"}));
         if (auto it = in.obj.find("auto_create_key"); it != in.obj.end()) {
           if (!it->value().is_bool()) return RespondError(ex, *scope, BadRequest("auto_create_key: expected true or false"));
           req->set_auto_create_key(it->value().as_bool());
         }
         CallKeymgr<v1::CreateUserRequest, v1::CreateUserResponse>(
             gw, ex, scope, req, &Async::CreateUser, [](const v1::CreateUserResponse& r) {
               JsonObject o = json::ToJson(r.user());
               if (!r.key().empty()) {
                 o = Merge(std::move(o), {{"key", r.key()}, {"token_id", r.key_info().token()},
                                          {"key_name", r.key_info().key_name()}});
               } else {
                 o["key"] = nullptr;
               }
               return boost::json::value(std::move(o));
             });
       })}},
      {"/user/info", {"GET", LLMGW_ROUTE({
         auto req = std::make_shared<v1::GetUserRequest>();
         LLMGW_FAIL_IF(Fill(in.obj, *req, {}, nullptr, true));
         CallKeymgr<v1::GetUserRequest, v1::UserInfoResponse>(gw, ex, scope, req, &Async::GetUser,
                                                              AsJson<v1::UserInfoResponse>,
                                                              WithSpend(gw, scope, common::v1::SCOPE_USER, "user_info", "user_id"));
       })}},
      {"/user/update", {"POST", LLMGW_ROUTE({
         auto req = std::make_shared<v1::UpdateUserRequest>();
         auto id = StringField(in.obj, "user_id", true);
         LLMGW_FAIL_IF(id.status());
         LLMGW_FAIL_IF(Fill(in.obj, *req->mutable_user(), {"user_id"}, req->mutable_update_mask()));
         req->mutable_user()->set_user_id(*id);
         CallKeymgr<v1::UpdateUserRequest, v1::User>(gw, ex, scope, req, &Async::UpdateUser, AsJson<v1::User>);
       })}},
      {"/user/list", {"GET", LLMGW_ROUTE({
         auto req = std::make_shared<v1::ListUsersRequest>();
         LLMGW_FAIL_IF(Fill(in.obj, *req, {}, nullptr, true));
         CallKeymgr<v1::ListUsersRequest, v1::ListUsersResponse>(gw, ex, scope, req, &Async::ListUsers,
                                                                 AsJson<v1::ListUsersResponse>);
       })}},
      {"/user/delete", {"POST", LLMGW_ROUTE({
         auto req = std::make_shared<v1::DeleteUsersRequest>();
         LLMGW_FAIL_IF(Fill(in.obj, *req, {}));
         CallKeymgr<v1::DeleteUsersRequest, v1::DeleteUsersResponse>(gw, ex, scope, req, &Async::DeleteUsers,
                                                                     AsJson<v1::DeleteUsersResponse>);
       })}},
  };
  return *routes;
}

#undef LLMGW_ROUTE
#undef LLMGW_FAIL_IF

absl::StatusOr<JsonObject> QueryObject(const http::Request& r) {
  JsonObject o;
  for (absl::string_view part : absl::StrSplit(r.query, '&', absl::SkipEmpty())) {
    std::string name(part.substr(0, part.find('=')));
    if (o.contains(name)) return BadRequest(absl::StrCat(name, ": given twice"));
    o[name] = r.QueryParam(name);
  }
  return o;
}

}  // namespace

bool RestApi::HandleAdmin(const std::shared_ptr<http::Exchange>& ex) {
  const http::Request& r = ex->request();
  std::string path = r.path;
  Input in;
  // /key/{key}/regenerate (LiteLLM's other spelling).
  if (absl::StartsWith(path, "/key/") && absl::EndsWith(path, "/regenerate") && path != "/key/regenerate") {
    in.path_key = path.substr(5, path.size() - 5 - strlen("/regenerate"));
    path = "/key/regenerate";
  }
  auto it = Routes().find(path);
  if (it == Routes().end()) return false;
  auto scope = std::make_shared<RequestScope>(r, path, metrics_.get());
  if (r.method != it->second.method) {
    RespondRow(ex, *scope, HttpRow(405), absl::StrCat(r.method, " is not allowed on ", path, "; use ", it->second.method));
    return true;
  }
  if (!gateway_.ready()) {
    RespondError(ex, *scope, MakeError(absl::StatusCode::kUnavailable, common::v1::ERROR_KIND_OVERLOADED,
                                       "the gateway is starting; retry shortly"));
    return true;
  }
  if (r.method == "GET") {
    auto q = QueryObject(r);
    if (!q.ok()) {
      RespondError(ex, *scope, q.status());
      return true;
    }
    in.obj = std::move(*q);
  } else if (r.body.empty()) {
    in.obj = {};
  } else if (auto s = json::ParseObject(r.body, in.obj); !s.ok()) {
    RespondError(ex, *scope, Bad(s));
    return true;
  }
  it->second.run(in, ex, scope, gateway_);
  return true;
}

}  // namespace llmgw::gateway
