#include "services/gateway/authenticator.h"

#include <strings.h>

#include "llmgw/common/crypto.h"
#include "llmgw/common/error.h"
#include "llmgw/rpc/status.h"

namespace llmgw::gateway {

std::string KeyFromAuthorization(std::string_view v) {
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  if (v.size() > 7 && strncasecmp(v.data(), "bearer ", 7) == 0) v.remove_prefix(7);
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  return std::string(v);
}

std::string KeyFromHeaders(const http::Request& request) {
  if (auto a = request.Header("authorization"); !a.empty()) return KeyFromAuthorization(a);
  if (auto k = request.Header("x-api-key"); !k.empty()) return std::string(k);
  if (auto k = request.Header("api-key"); !k.empty()) return std::string(k);
  return "";
}

void Authenticator::Authenticate(const std::string& key, const rpc::CallContext& call,
                                 std::function<void(absl::StatusOr<common::v1::Principal>)> done) {
  if (key.empty()) {
    return done(MakeError(absl::StatusCode::kUnauthenticated, common::v1::ERROR_KIND_AUTHENTICATION,
                          "missing API key: send 'Authorization: Bearer sk-...'"));
  }
  std::string hash = Sha256Hex(key);
  auto now = std::chrono::steady_clock::now();
  if (ttl_.count() > 0) {
    std::lock_guard lock(mu_);
    auto it = cache_.find(hash);
    if (it != cache_.end()) {
      if (it->second.expires > now) return done(it->second.principal);
      cache_.erase(it);
    }
  }
  if (stub_ == nullptr) {
    return done(MakeError(absl::StatusCode::kUnavailable, common::v1::ERROR_KIND_OVERLOADED,
                          "the gateway is starting"));
  }
  struct Call {
    std::unique_ptr<grpc::ClientContext> ctx;
    keymgr::v1::AuthenticateRequest request;
    keymgr::v1::AuthenticateResponse response;
  };
  auto c = std::make_shared<Call>();
  c->ctx = rpc::NewClientContext(call, rpc_timeout_);
  c->request.set_key_hash(hash);
  stub_->async()->Authenticate(
      c->ctx.get(), &c->request, &c->response,
      [this, c, hash, done = std::move(done)](grpc::Status s) {
        if (!s.ok()) return done(rpc::FromGrpcStatus(s));
        if (ttl_.count() > 0) {
          std::lock_guard lock(mu_);
          if (cache_.size() >= kMaxEntries) cache_.clear();  // bounded; refills on demand
          cache_[hash] = {c->response.principal(), std::chrono::steady_clock::now() + ttl_};
        }
        done(c->response.principal());
      });
}

}  // namespace llmgw::gateway
