#include "services/gateway/authenticator.h"

#include "llmgw/common/crypto.h"
#include "llmgw/common/error.h"
#include "llmgw/rpc/status.h"
#include "llmgw/telemetry/log.h"

namespace llmgw::gateway {

std::string KeyFromAuthorization(std::string_view v) { return rpc::BearerToken(v); }

std::string KeyFromHeaders(const http::Request& request) {
  if (auto a = request.Header("authorization"); !a.empty()) return KeyFromAuthorization(a);
  if (auto k = request.Header("x-api-key"); !k.empty()) return std::string(k);
  if (auto k = request.Header("api-key"); !k.empty()) return std::string(k);
  return "";
}

Authenticator::~Authenticator() { Stop(); }

void Authenticator::Stop() {
  {
    std::lock_guard lock(watch_mu_);
    stopping_ = true;
    if (watch_ctx_) watch_ctx_->TryCancel();
  }
  watch_cv_.notify_all();
  if (watch_thread_.joinable()) watch_thread_.join();
}

void Authenticator::Connect(std::shared_ptr<keymgr::v1::KeyManager::Stub> stub) {
  stub_ = std::move(stub);
  watch_thread_ = std::thread([this] { WatchLoop(); });
}

void Authenticator::Invalidate(const std::vector<std::string>& key_hashes) {
  generation_.fetch_add(1);
  std::lock_guard lock(mu_);
  if (key_hashes.empty()) {
    cache_.clear();
    return;
  }
  for (const auto& h : key_hashes) cache_.erase(h);
}

// A blocking read loop on its own thread: it is background work, never on a request path.
void Authenticator::WatchLoop() {
  std::chrono::milliseconds backoff(100);
  for (;;) {
    // A deadline like every call: the stream is renewed every few minutes.
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(5));
    {
      std::lock_guard lock(watch_mu_);
      if (stopping_) return;
      watch_ctx_ = &ctx;
    }
    keymgr::v1::WatchPrincipalsRequest req;
    auto reader = stub_->WatchPrincipals(&ctx, req);
    keymgr::v1::PrincipalChange change;
    while (reader->Read(&change)) {
      if (change.reset()) {
        Invalidate({});
        if (!watching_.exchange(true)) log::Info("principal watch connected", {});
        backoff = std::chrono::milliseconds(100);
      } else {
        Invalidate({change.key_hashes().begin(), change.key_hashes().end()});
      }
    }
    grpc::Status s = reader->Finish();
    {
      std::lock_guard lock(watch_mu_);
      watch_ctx_ = nullptr;
      if (stopping_) return;
    }
    if (s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) continue;  // renewal: no gap, no backoff
    // Whatever was cached under the long TTL may miss changes from now on.
    if (watching_.exchange(false)) {
      Invalidate({});
      log::Warn("principal watch lost; caching keys for llmgw.auth_cache_ttl_ms until it is back",
                {{"error", s.error_message()}});
    }
    std::unique_lock lock(watch_mu_);
    if (watch_cv_.wait_for(lock, backoff, [&] { return stopping_; })) return;
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
  }
}

void Authenticator::Authenticate(const std::string& key, const rpc::CallContext& call,
                                 std::function<void(absl::StatusOr<common::v1::Principal>)> done) {
  if (key.empty()) {
    return done(MakeError(absl::StatusCode::kUnauthenticated, common::v1::ERROR_KIND_AUTHENTICATION,
                          "missing API key: send 'Authorization: Bearer sk-...'"));
  }
  std::string hash = Sha256Hex(key);
  auto now = std::chrono::steady_clock::now();
  {
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
    uint64_t generation;
    bool watched;
  };
  auto c = std::make_shared<Call>();
  c->ctx = rpc::NewClientContext(call, options_.rpc_timeout);
  c->request.set_key_hash(hash);
  c->generation = generation_.load();
  c->watched = watching_.load();
  stub_->async()->Authenticate(
      c->ctx.get(), &c->request, &c->response,
      [this, c, hash, done = std::move(done)](grpc::Status s) {
        if (!s.ok()) return done(rpc::FromGrpcStatus(s));
        auto ttl = c->watched ? options_.watched_ttl : options_.unwatched_ttl;
        if (ttl.count() > 0 && generation_.load() == c->generation) {
          std::lock_guard lock(mu_);
          if (cache_.size() >= kMaxEntries) cache_.clear();  // bounded; refills on demand
          cache_[hash] = {c->response.principal(), std::chrono::steady_clock::now() + ttl};
        }
        done(c->response.principal());
      });
}

}  // namespace llmgw::gateway
