// Admission's first step: the presented key -> the caller's Principal, asked of keymgr and
// kept for a short time so the hot path seldom leaves the process. Only SHA-256 of the key
// is sent or kept.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
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

class Authenticator {
 public:
  Authenticator(std::chrono::milliseconds ttl, std::chrono::milliseconds rpc_timeout)
      : ttl_(ttl), rpc_timeout_(rpc_timeout) {}

  void Connect(std::unique_ptr<keymgr::v1::KeyManager::Stub> stub) { stub_ = std::move(stub); }

  // `done` runs once: on this thread for a cached key, else on a gRPC thread.
  void Authenticate(const std::string& key, const rpc::CallContext& call,
                    std::function<void(absl::StatusOr<common::v1::Principal>)> done);

 private:
  struct Entry {
    common::v1::Principal principal;
    std::chrono::steady_clock::time_point expires;
  };
  static constexpr size_t kMaxEntries = 100'000;

  std::chrono::milliseconds ttl_;
  std::chrono::milliseconds rpc_timeout_;
  std::unique_ptr<keymgr::v1::KeyManager::Stub> stub_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> cache_;
};

}  // namespace llmgw::gateway
