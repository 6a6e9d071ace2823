// What travels with every call between services: the request id, the W3C trace context and
// (for the public API) the caller's credentials, all as gRPC metadata. Every outgoing call
// gets a deadline: there is no way to make a ClientContext here without one.
#pragma once

#include <grpcpp/client_context.h>
#include <grpcpp/server_context.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "llmgw/telemetry/tracing.h"

namespace llmgw::rpc {

inline constexpr char kRequestIdKey[] = "x-request-id";
inline constexpr char kTraceparentKey[] = "traceparent";
inline constexpr char kTracestateKey[] = "tracestate";
inline constexpr char kAuthorizationKey[] = "authorization";

struct CallContext {
  std::string request_id;
  // traceparent this hop sends downstream (its own span as parent), and tracestate.
  std::string traceparent;
  std::string tracestate;
  // Sent as `authorization` only on admin calls that act for the client (a secret: never
  // logged). Empty on the hot path.
  std::string authorization;
};

// The key in an `authorization` value: "Bearer sk-..." -> "sk-..." (scheme case-insensitive,
// surrounding spaces trimmed); a bare key is returned as it is.
std::string BearerToken(std::string_view authorization);

// Reads the request id and trace context a caller sent. A missing or unusable request id is
// replaced by a new one; an invalid traceparent starts a new trace.
CallContext FromServerContext(const grpc::ServerContextBase& ctx);

// The value of one metadata key the client sent, or "".
std::string ClientMetadata(const grpc::ServerContextBase& ctx, const char* key);

// `fn` wrapped to run with the call's span as the thread's ambient trace parent: work a
// handler hands to a pool (database queries) then joins the call's trace.
template <typename Fn>
auto InCallTrace(const grpc::ServerContextBase& ctx, Fn fn) {
  auto parent = telemetry::ParseTraceparent(ClientMetadata(ctx, kTraceparentKey));
  return [parent, fn = std::move(fn)]() mutable {
    telemetry::ScopedParent traced(parent ? &*parent : nullptr);
    fn();
  };
}

// A client context carrying `call` with a deadline of now + `timeout`.
std::unique_ptr<grpc::ClientContext> NewClientContext(const CallContext& call,
                                                      std::chrono::milliseconds timeout);

}  // namespace llmgw::rpc
