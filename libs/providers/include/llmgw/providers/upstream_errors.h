// How an upstream failure becomes an llmgw error: one place for every adapter, so that a
// provider's 429 is always UPSTREAM_RATE_LIMITED with its retry-after, a timeout is always
// UPSTREAM_TIMEOUT, and so on (docs/errors.md).
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "llmgw/http/message.h"

namespace llmgw::providers {

// A non-2xx answer from the provider of `deployment_id`.
absl::Status UpstreamHttpError(int status, std::string_view body, const http::HeaderList& headers,
                               const std::string& deployment_id);

// A transport failure (timeout, refused, reset) from the HTTP client.
absl::Status UpstreamTransportError(const absl::Status& status, const std::string& deployment_id);

}  // namespace llmgw::providers
