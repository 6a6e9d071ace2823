// The gateway's side of Router.StreamChat: a client read reactor that hands each chunk to
// an observer and reads the next only when the observer has passed it on (so a slow client
// slows the whole chain down to the provider instead of filling memory).
#pragma once

#include <functional>
#include <memory>
#include <mutex>

#include "absl/status/status.h"
#include "llmgw/router/v1/router.grpc.pb.h"
#include "llmgw/rpc/call_context.h"

namespace llmgw::gateway {

class StreamObserver {
 public:
  virtual ~StreamObserver() = default;
  // A chunk; call `next` exactly once when it is passed on (also when passing it on failed
  // or the stream was cancelled), to receive the following one or the end.
  virtual void OnChunk(common::v1::ChatCompletionChunk chunk, std::function<void()> next) = 0;
  // Once, before the first chunk: which deployment answers (no usage yet).
  virtual void OnStarted(const router::v1::DispatchInfo& started) { (void)started; }
  // Once, last. The observer may be destroyed once this returns.
  virtual void OnDone(absl::Status status, router::v1::DispatchInfo info) = 0;
};

// Cancels a call (unary or stream) from any thread, before or after it ended.
class CallControl {
 public:
  virtual ~CallControl() = default;
  virtual void Cancel() = 0;
};

// Starts the stream; `observer` must stay alive until its OnDone.
std::shared_ptr<CallControl> StartRouterStream(router::v1::Router::Stub& stub,
                                                 std::unique_ptr<grpc::ClientContext> ctx,
                                                 router::v1::RouteChatRequest request,
                                                 std::shared_ptr<StreamObserver> observer);

}  // namespace llmgw::gateway
