#include "llmgw/rpc/call_context.h"

#include <strings.h>

#include "llmgw/common/ids.h"
#include "llmgw/telemetry/trace_context.h"

namespace llmgw::rpc {

std::string ClientMetadata(const grpc::ServerContextBase& ctx, const char* key) {
  const auto& md = ctx.client_metadata();
  auto it = md.find(key);
  if (it == md.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

std::string BearerToken(std::string_view v) {
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  if (v.size() > 7 && strncasecmp(v.data(), "bearer ", 7) == 0) v.remove_prefix(7);
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  return std::string(v);
}

CallContext FromServerContext(const grpc::ServerContextBase& ctx) {
  CallContext call;
  call.request_id = ClientMetadata(ctx, kRequestIdKey);
  if (!IsValidRequestId(call.request_id)) call.request_id = NewRequestId();
  // The server interceptor has put this call's server span in traceparent: what the
  // handler calls next are its children.
  auto trace = telemetry::ContinueOrStart(ClientMetadata(ctx, kTraceparentKey),
                                          ClientMetadata(ctx, kTracestateKey));
  call.traceparent = trace.ToTraceparent();
  call.tracestate = trace.tracestate;
  return call;
}

std::unique_ptr<grpc::ClientContext> NewClientContext(const CallContext& call,
                                                      std::chrono::milliseconds timeout) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + timeout);
  if (!call.request_id.empty()) ctx->AddMetadata(kRequestIdKey, call.request_id);
  if (!call.traceparent.empty()) ctx->AddMetadata(kTraceparentKey, call.traceparent);
  if (!call.tracestate.empty()) ctx->AddMetadata(kTracestateKey, call.tracestate);
  if (!call.authorization.empty()) ctx->AddMetadata(kAuthorizationKey, call.authorization);
  return ctx;
}

}  // namespace llmgw::rpc
