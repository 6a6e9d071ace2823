// The one table from failures to HTTP: every error a client can see, its status, its
// OpenAI `type` and `code`, in the OpenAI error body. docs/errors.md documents the same
// rows and a test holds the two together.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "llmgw/common/v1/common.pb.h"
#include "llmgw/http/message.h"

namespace llmgw::gateway {

struct ErrorRow {
  int status;
  std::string type;
  std::string code;
  std::string when;  // documentation: when it happens
};

// The row for a failure from any service: by its ErrorKind, else by its gRPC code.
const ErrorRow& RowFor(const absl::Status& status);

// Rows for failures the HTTP layer itself detects (malformed HTTP, limits, drain, routing).
const ErrorRow& HttpRow(int status);

// {"error":{"message","type","param","code"}} with the row's status, and retry-after when
// the failure carries one.
http::Response ErrorResponse(const absl::Status& status);
http::Response ErrorResponse(const ErrorRow& row, const std::string& message,
                             const std::string& param = "");

// x-ratelimit-{limit,remaining,reset}-{requests,tokens,parallel-requests} for the states
// that are set (limit > 0); the same headers on admitted requests and on 429s.
void AppendRateLimitHeaders(const common::v1::RateLimitState* requests, const common::v1::RateLimitState* tokens,
                            const common::v1::RateLimitState* parallel, http::HeaderList& out);

// The JSON error object alone, for an error event inside a stream.
std::string ErrorJson(const absl::Status& status);

// Every row, for docs/errors.md.
std::vector<ErrorRow> AllErrorRows();

}  // namespace llmgw::gateway
