// Admission's first step: the presented key -> the caller's Principal, asked of keymgr and
// cached. A background WatchPrincipals stream drops cached entries the moment keymgr
// changes them (block, delete, update, team or user changes), so entries may live long
// (general_settings.user_api_key_cache_ttl) while the stream is up; while it is down the
// short llmgw.auth_cache_ttl_ms applies. Only SHA-256 of the key is sent or kept.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "absl/status/statusor.h"
#include "llmgw/common/v1/common.pb.h"
#include "llmgw/http/message.h"
#include "llmgw/keymgr/v1/keymgr.grpc.pb.h"
#include "llmgw/rpc/call_context.h"

namespace llmgw::gateway {

// The key a client presented: `Authorization: Bearer`, `x-api-key` (Anthropic SDKs) or
// `api-key` (Azure SDKs). "" when none.
std::string KeyFromHeaders(const http::Request& request);
// The same from gRPC metadata (`authorization: Bearer ...`).
std::string KeyFromAuthorization(std::string_view authorization);

struct AuthenticatorOptions {
  std::chrono::milliseconds watched_ttl{60'000};  // while the change stream is up
  std::chrono::milliseconds unwatched_ttl{1'000};  // while it is down
  std::chrono::milliseconds rpc_timeout{5'000};
};

class Authenticator {
 public:
  explicit Authenticator(AuthenticatorOptions options) : options_(options) {}
  ~Authenticator();

  // Starts the watch stream (reconnecting with backoff until Stop).
  void Connect(std::shared_ptr<keymgr::v1::KeyManager::Stub> stub);
  // Ends the watch stream and joins its thread; before keymgr's channel goes away.
  void Stop();

  // `done` runs once: on this thread for a cached key, else on a gRPC thread.
  void Authenticate(const std::string& key, const rpc::CallContext& call,
                    std::function<void(absl::StatusOr<common::v1::Principal>)> done);

  bool watching() const { return watching_.load(); }
  // Drops `key_hashes` (all when empty): what a watch message does.
  void Invalidate(const std::vector<std::string>& key_hashes);

 private:
  struct Entry {
    common::v1::Principal principal;
    std::chrono::steady_clock::time_point expires;
  };
  static constexpr size_t kMaxEntries = 100'000;

  void WatchLoop();

  AuthenticatorOptions options_;
  std::shared_ptr<keymgr::v1::KeyManager::Stub> stub_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> cache_;
  // Bumped by every invalidation: an answer that raced a change is not cached.
  std::atomic<uint64_t> generation_{0};
  std::atomic<bool> watching_{false};

  std::mutex watch_mu_;
  std::condition_variable watch_cv_;
  bool stopping_ = false;
  grpc::ClientContext* watch_ctx_ = nullptr;  // guarded by watch_mu_
  std::thread watch_thread_;
};

}  // namespace llmgw::gateway
