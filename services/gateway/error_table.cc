#include "services/gateway/error_table.h"

#include <map>

#include "llmgw/common/error.h"
#include "llmgw/telemetry/log.h"

namespace llmgw::gateway {
namespace {

using common::v1::ErrorKind;

const std::map<ErrorKind, ErrorRow>& KindRows() {
  static const auto* rows = new std::map<ErrorKind, ErrorRow>{
      {common::v1::ERROR_KIND_INVALID_REQUEST,
       {400, "invalid_request_error", "invalid_request",
        "The body is not valid JSON, a field is missing or has the wrong type, or the provider "
        "refused the request (e.g. context too long)"}},
      {common::v1::ERROR_KIND_AUTHENTICATION,
       {401, "authentication_error", "invalid_api_key", "The API key is missing or unknown"}},
      {common::v1::ERROR_KIND_EXPIRED_KEY,
       {401, "authentication_error", "expired_key", "The key's expiry has passed"}},
      {common::v1::ERROR_KIND_BLOCKED_KEY,
       {401, "authentication_error", "key_blocked", "An admin blocked the key (or its team)"}},
      {common::v1::ERROR_KIND_FORBIDDEN,
       {403, "permission_error", "forbidden", "The caller's role or ownership does not allow this admin action"}},
      {common::v1::ERROR_KIND_ALREADY_EXISTS,
       {409, "invalid_request_error", "already_exists", "A key, user or team with that id or value already exists"}},
      {common::v1::ERROR_KIND_STORE_UNAVAILABLE,
       {503, "service_unavailable", "store_unavailable",
        "keymgr's database is down: admin writes are refused, existing keys keep working"}},
      {common::v1::ERROR_KIND_PERMISSION_DENIED,
       {403, "permission_error", "model_not_allowed", "The key may not use this model or route"}},
      {common::v1::ERROR_KIND_MODEL_NOT_FOUND,
       {404, "invalid_request_error", "model_not_found", "No model group of that name is configured"}},
      {common::v1::ERROR_KIND_NOT_FOUND,
       {404, "invalid_request_error", "not_found", "No such route or object"}},
      {common::v1::ERROR_KIND_REQUEST_TOO_LARGE,
       {413, "invalid_request_error", "request_too_large", "The body is larger than llmgw.http.max_body_bytes"}},
      {common::v1::ERROR_KIND_RATE_LIMITED,
       {429, "rate_limit_error", "rate_limit_exceeded", "The key's rpm, tpm or parallel-request limit is reached"}},
      {common::v1::ERROR_KIND_BUDGET_EXCEEDED,
       {429, "budget_exceeded", "budget_exceeded", "A budget that applies to the request is used up"}},
      {common::v1::ERROR_KIND_UPSTREAM_RATE_LIMITED,
       {429, "rate_limit_error", "upstream_rate_limited", "The provider rate-limited the call"}},
      {common::v1::ERROR_KIND_NOT_IMPLEMENTED,
       {501, "not_implemented_error", "not_implemented", "The deployment's provider or the endpoint is not implemented yet"}},
      {common::v1::ERROR_KIND_UPSTREAM_ERROR,
       {502, "upstream_error", "upstream_error",
        "The provider failed (5xx, refused credentials, broken connection, unreadable answer)"}},
      {common::v1::ERROR_KIND_NO_DEPLOYMENT_AVAILABLE,
       {503, "service_unavailable", "no_deployment_available", "Every deployment of the group is cooling down or unhealthy"}},
      {common::v1::ERROR_KIND_OVERLOADED,
       {503, "service_unavailable", "overloaded", "Too many requests in flight in the gateway or router"}},
      {common::v1::ERROR_KIND_UPSTREAM_TIMEOUT,
       {504, "timeout_error", "upstream_timeout", "The provider did not answer within the deployment's timeout"}},
      {common::v1::ERROR_KIND_INTERNAL,
       {500, "internal_error", "internal_error", "A bug in llmgw"}},
      {common::v1::ERROR_KIND_CACHE_DISABLED,
       {503, "cache_ping_error", "cache_disabled", "/cache/* while the response cache is off"}},
  };
  return *rows;
}

const std::map<int, ErrorRow>& HttpRows() {
  static const auto* rows = new std::map<int, ErrorRow>{
      {400, {400, "invalid_request_error", "malformed_http", "The request is not valid HTTP/1.1"}},
      {404, {404, "invalid_request_error", "not_found", "No such route or object"}},
      {405, {405, "invalid_request_error", "method_not_allowed", "The route exists but not for this method"}},
      {413, {413, "invalid_request_error", "request_too_large", "The body is larger than llmgw.http.max_body_bytes"}},
      {431, {431, "invalid_request_error", "headers_too_large", "The request head is larger than llmgw.http.max_header_bytes"}},
      {500, {500, "internal_error", "internal_error", "A bug in llmgw"}},
      {503, {503, "service_unavailable", "shutting_down", "The instance is draining for shutdown; retry on another"}},
  };
  return *rows;
}

// When a failure has no kind, its gRPC code decides (grpc-gateway's mapping).
const std::map<absl::StatusCode, ErrorRow>& CodeRows() {
  static const auto* rows = new std::map<absl::StatusCode, ErrorRow>{
      {absl::StatusCode::kInvalidArgument, {400, "invalid_request_error", "invalid_request", ""}},
      {absl::StatusCode::kFailedPrecondition, {400, "invalid_request_error", "invalid_request", ""}},
      {absl::StatusCode::kOutOfRange, {400, "invalid_request_error", "invalid_request", ""}},
      {absl::StatusCode::kUnauthenticated, {401, "authentication_error", "invalid_api_key", ""}},
      {absl::StatusCode::kPermissionDenied, {403, "permission_error", "permission_denied", ""}},
      {absl::StatusCode::kNotFound, {404, "invalid_request_error", "not_found", ""}},
      {absl::StatusCode::kAlreadyExists, {409, "invalid_request_error", "conflict", ""}},
      {absl::StatusCode::kAborted, {409, "invalid_request_error", "conflict", ""}},
      {absl::StatusCode::kResourceExhausted, {429, "rate_limit_error", "rate_limit_exceeded", ""}},
      {absl::StatusCode::kCancelled, {499, "cancelled", "client_closed_request", ""}},
      {absl::StatusCode::kUnimplemented, {501, "not_implemented_error", "not_implemented", ""}},
      {absl::StatusCode::kUnavailable,
       {503, "service_unavailable", "service_unavailable",
        "An llmgw service the request needs (keymgr, router) cannot be reached"}},
      {absl::StatusCode::kDeadlineExceeded,
       {504, "timeout_error", "timeout", "The request took longer than llmgw.request_timeout_seconds"}},
  };
  return *rows;
}

const ErrorRow& CodeRow(absl::StatusCode code) {
  static const ErrorRow internal{500, "internal_error", "internal_error", "A bug in llmgw"};
  auto it = CodeRows().find(code);
  return it == CodeRows().end() ? internal : it->second;
}

}  // namespace

const ErrorRow& RowFor(const absl::Status& status) {
  auto kind = GetErrorDetail(status).kind();
  auto it = KindRows().find(kind);
  if (it != KindRows().end()) return it->second;
  return CodeRow(status.code());
}

const ErrorRow& HttpRow(int status) {
  auto it = HttpRows().find(status);
  return it == HttpRows().end() ? HttpRows().at(500) : it->second;
}

static std::string ErrorObject(const ErrorRow& row, const std::string& message, const std::string& param) {
  std::string out = "{\"error\":{\"message\":\"";
  log::AppendJsonEscaped(out, message);
  out += "\",\"type\":\"" + row.type + "\",\"param\":";
  if (param.empty()) {
    out += "null";
  } else {
    out += '"';
    log::AppendJsonEscaped(out, param);
    out += '"';
  }
  out += ",\"code\":\"" + row.code + "\"}}";
  return out;
}

http::Response ErrorResponse(const ErrorRow& row, const std::string& message,
                             const std::string& param) {
  return http::Response{.status = row.status, .body = ErrorObject(row, message, param)};
}

http::Response ErrorResponse(const absl::Status& status) {
  const ErrorRow& row = RowFor(status);
  auto detail = GetErrorDetail(status);
  http::Response r = ErrorResponse(row, std::string(status.message()), detail.param());
  if (detail.has_retry_after()) {
    int64_t secs = detail.retry_after().seconds() + (detail.retry_after().nanos() > 0 ? 1 : 0);
    r.headers.emplace_back("retry-after", std::to_string(std::max<int64_t>(secs, 1)));
  }
  AppendRateLimitHeaders(detail.has_requests() ? &detail.requests() : nullptr,
                         detail.has_tokens() ? &detail.tokens() : nullptr,
                         detail.has_parallel_requests() ? &detail.parallel_requests() : nullptr, r.headers);
  return r;
}

void AppendRateLimitHeaders(const common::v1::RateLimitState* requests, const common::v1::RateLimitState* tokens,
                            const common::v1::RateLimitState* parallel, http::HeaderList& out) {
  auto add = [&](const char* kind, const common::v1::RateLimitState* s) {
    if (s == nullptr || s->limit() <= 0) return;
    std::string k(kind);
    out.emplace_back("x-ratelimit-limit-" + k, std::to_string(s->limit()));
    out.emplace_back("x-ratelimit-remaining-" + k, std::to_string(s->remaining()));
    out.emplace_back("x-ratelimit-reset-" + k, std::to_string(s->reset().seconds()) + "s");
  };
  add("requests", requests);
  add("tokens", tokens);
  add("parallel-requests", parallel);
}

std::string ErrorJson(const absl::Status& status) {
  return ErrorObject(RowFor(status), std::string(status.message()), GetErrorDetail(status).param());
}

std::vector<ErrorRow> AllErrorRows() {
  std::vector<ErrorRow> out;
  for (const auto& [k, row] : KindRows()) out.push_back(row);
  for (const auto& [s, row] : HttpRows()) out.push_back(row);
  for (const auto& [c, row] : CodeRows()) out.push_back(row);
  return out;
}

}  // namespace llmgw::gateway
