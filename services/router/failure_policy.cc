#include "services/router/failure_policy.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "google/protobuf/util/time_util.h"
#include "llmgw/common/error.h"

namespace llmgw::router {
namespace {

using common::v1::ErrorDetail;

bool MentionsAny(const std::string& text, std::initializer_list<const char*> needles) {
  std::string lower = absl::AsciiStrToLower(text);
  return std::any_of(needles.begin(), needles.end(),
                     [&](const char* n) { return absl::StrContains(lower, n); });
}

bool ContextWindowExceeded(const absl::Status& s, const ErrorDetail& d) {
  return d.upstream_code() == "context_length_exceeded" ||
         MentionsAny(std::string(s.message()),
                     {"maximum context length", "context_length_exceeded", "prompt is too long",
                      "context window", "input is too long", "too many tokens"});
}

bool ContentPolicy(const absl::Status& s, const ErrorDetail& d) {
  return d.upstream_code() == "content_policy_violation" || d.upstream_code() == "content_filter" ||
         MentionsAny(std::string(s.message()),
                     {"content management policy", "content_policy_violation", "content policy"});
}

}  // namespace

FailureClass ClassifyFailure(const absl::Status& status, size_t group_size) {
  FailureClass f;
  ErrorDetail d = GetErrorDetail(status);
  if (d.has_retry_after()) {
    f.retry_after = Millis(google::protobuf::util::TimeUtil::DurationToMilliseconds(d.retry_after()));
  }
  int http = d.upstream_status();
  f.reason = http != 0 ? std::to_string(http) : std::string(absl::StatusCodeToString(status.code()));
  switch (d.kind()) {
    case common::v1::ERROR_KIND_INVALID_REQUEST:
      // The provider refused the request itself: no deployment will take it, but a bigger
      // model or another provider's policy might.
      if (ContextWindowExceeded(status, d)) {
        f.fallback = FallbackKind::kContextWindow;
        f.reason = "context window exceeded";
      } else if (ContentPolicy(status, d)) {
        f.fallback = FallbackKind::kContentPolicy;
        f.reason = "content policy";
      }
      return f;
    case common::v1::ERROR_KIND_UPSTREAM_RATE_LIMITED:
      f.cooldown_eligible = f.retryable = true;
      f.fallback = FallbackKind::kGeneral;
      return f;
    case common::v1::ERROR_KIND_UPSTREAM_TIMEOUT:
      f.cooldown_eligible = f.retryable = true;
      f.fallback = FallbackKind::kGeneral;
      f.reason = "timeout";
      return f;
    case common::v1::ERROR_KIND_UPSTREAM_ERROR:
      f.cooldown_eligible = true;
      f.fallback = FallbackKind::kGeneral;
      if (http == 401) {
        f.retryable = group_size > 1;
      } else if (http >= 400 && http < 500 && http != 404 && http != 408) {
        // Other 4xx (403, 409, ...) say nothing about the deployment's health.
        f.cooldown_eligible = false;
      } else if (http == 404) {
        f.retryable = false;  // the model is not there; another group may have it
      } else if (ContentPolicy(status, d)) {
        f.cooldown_eligible = false;
        f.fallback = FallbackKind::kContentPolicy;
        f.reason = "content policy";
      } else {
        f.retryable = true;
        if (http == 0) f.reason = "connection";
      }
      return f;
    case common::v1::ERROR_KIND_OVERLOADED:
      // Our side (the upstream client is saturated): not the deployment's fault.
      f.retryable = true;
      f.fallback = FallbackKind::kGeneral;
      return f;
    case common::v1::ERROR_KIND_NOT_IMPLEMENTED:
      // A provider llmgw does not speak: retrying it is pointless, another group may serve.
      f.fallback = FallbackKind::kGeneral;
      return f;
    default:
      return f;
  }
}

std::vector<std::string> FallbackGroups(const config::FallbackLists& lists,
                                        const std::string& group, FallbackKind kind,
                                        int max_fallbacks) {
  const std::vector<config::FallbackRule>* rules = nullptr;
  switch (kind) {
    case FallbackKind::kNone:
      return {};
    case FallbackKind::kGeneral:
      rules = &lists.general;
      break;
    case FallbackKind::kContextWindow:
      rules = &lists.context_window;
      break;
    case FallbackKind::kContentPolicy:
      rules = &lists.content_policy;
      break;
  }
  const config::FallbackRule* match = nullptr;
  for (const auto& r : *rules) {
    if (r.from == group) match = &r;
  }
  if (match == nullptr) {
    for (const auto& r : *rules) {
      if (r.from == "*") match = &r;
    }
  }
  std::vector<std::string> out;
  const std::vector<std::string>* to = match ? &match->to : nullptr;
  if (to == nullptr && kind == FallbackKind::kGeneral) to = &lists.default_fallbacks;
  if (to == nullptr) return out;
  for (const auto& g : *to) {
    if (g == group || std::find(out.begin(), out.end(), g) != out.end()) continue;
    if (static_cast<int>(out.size()) >= max_fallbacks) break;
    out.push_back(g);
  }
  return out;
}

Millis RetryBackoff(int retry, std::optional<Millis> provider_retry_after, Millis minimum) {
  Millis wait = provider_retry_after
                    ? *provider_retry_after
                    : Millis(std::min<int64_t>(8'000, int64_t{250} << std::min(retry - 1, 10)));
  return std::max(wait, minimum);
}

}  // namespace llmgw::router
