#include "llmgw/providers/upstream_errors.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "llmgw/common/error.h"
#include "llmgw/providers/openai_json.h"

namespace llmgw::providers {
namespace {

std::optional<std::chrono::milliseconds> RetryAfter(const http::HeaderList& headers) {
  double v = 0;
  auto ms = http::FindHeader(headers, "retry-after-ms");
  if (!ms.empty() && absl::SimpleAtod(absl::string_view(ms.data(), ms.size()), &v) && v >= 0) {
    return std::chrono::milliseconds(static_cast<int64_t>(v));
  }
  auto s = http::FindHeader(headers, "retry-after");
  if (!s.empty() && absl::SimpleAtod(absl::string_view(s.data(), s.size()), &v) && v >= 0) {
    return std::chrono::milliseconds(static_cast<int64_t>(v * 1000));
  }
  return std::nullopt;
}

// Gemini puts the wait in the body: "retryDelay": "22s" (google.rpc.RetryInfo).
std::optional<std::chrono::milliseconds> RetryDelayInBody(std::string_view body) {
  auto at = body.find("\"retryDelay\"");
  if (at == std::string_view::npos) return std::nullopt;
  auto open = body.find('"', body.find(':', at) + 1);
  auto close = open == std::string_view::npos ? open : body.find('"', open + 1);
  if (close == std::string_view::npos) return std::nullopt;
  std::string_view v = body.substr(open + 1, close - open - 1);
  if (v.empty() || v.back() != 's') return std::nullopt;
  double seconds = 0;
  if (!absl::SimpleAtod(absl::string_view(v.data(), v.size() - 1), &seconds) || seconds < 0) return std::nullopt;
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

}  // namespace

absl::Status UpstreamHttpError(int status, std::string_view body, const http::HeaderList& headers,
                               const std::string& deployment_id) {
  // Gemini answers a bad key with 400 API_KEY_INVALID: a credential failure, not the caller's.
  if (status == 400 && body.find("API_KEY_INVALID") != std::string_view::npos) status = 401;
  auto parsed = ParseOpenAIError(body);
  std::string upstream_message = parsed ? parsed->message : "";
  if (upstream_message.empty()) {
    upstream_message = std::string(body.substr(0, 200));
  }
  ErrorOptions opts{.upstream_code = parsed ? parsed->code : "", .upstream_status = status};
  std::string where = absl::StrCat("deployment ", deployment_id, ": provider answered ", status);
  if (status == 400 || status == 413 || status == 422) {
    // The request itself was refused (context too long, bad parameter): the caller can fix it.
    opts.param = parsed ? parsed->param : "";
    return MakeError(absl::StatusCode::kInvalidArgument, common::v1::ERROR_KIND_INVALID_REQUEST,
                     absl::StrCat("provider rejected the request: ", upstream_message), opts);
  }
  if (status == 429) {
    opts.retry_after = RetryAfter(headers);
    if (!opts.retry_after) opts.retry_after = RetryDelayInBody(body);
    return MakeError(absl::StatusCode::kResourceExhausted,
                     common::v1::ERROR_KIND_UPSTREAM_RATE_LIMITED,
                     absl::StrCat(where, " (rate limited): ", upstream_message), opts);
  }
  if (status == 401 || status == 403) {
    return MakeError(absl::StatusCode::kUnavailable, common::v1::ERROR_KIND_UPSTREAM_ERROR,
                     absl::StrCat(where, ": the provider refused the gateway's credentials"), opts);
  }
  if (status == 503 || status == 529) {
    // Overloaded (Anthropic's 529 overloaded_error, a 503): its Retry-After paces the retry
    // on this deployment and how long it cools down.
    opts.retry_after = RetryAfter(headers);
    return MakeError(absl::StatusCode::kUnavailable, common::v1::ERROR_KIND_UPSTREAM_ERROR,
                     absl::StrCat(where, " (overloaded): ", upstream_message), opts);
  }
  return MakeError(absl::StatusCode::kUnavailable, common::v1::ERROR_KIND_UPSTREAM_ERROR,
                   absl::StrCat(where, ": ", upstream_message), opts);
}

absl::Status UpstreamTransportError(const absl::Status& status, const std::string& deployment_id) {
  std::string msg = absl::StrCat("deployment ", deployment_id, ": ", status.message());
  switch (status.code()) {
    case absl::StatusCode::kCancelled:
      return absl::CancelledError(msg);
    case absl::StatusCode::kDeadlineExceeded:
      return MakeError(absl::StatusCode::kDeadlineExceeded, common::v1::ERROR_KIND_UPSTREAM_TIMEOUT,
                       msg);
    case absl::StatusCode::kResourceExhausted:
      return MakeError(absl::StatusCode::kUnavailable, common::v1::ERROR_KIND_OVERLOADED, msg);
    default:
      return MakeError(absl::StatusCode::kUnavailable, common::v1::ERROR_KIND_UPSTREAM_ERROR, msg);
  }
}

}  // namespace llmgw::providers
