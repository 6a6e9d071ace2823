// A provider adapter calls one kind of upstream API for a deployment and answers in the
// provider-neutral protos. Adapters never block: they start the call and report through
// callbacks on their own thread (the HTTP client's or the timer's).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "llmgw/common/v1/inference.pb.h"
#include "llmgw/config/config.h"

namespace llmgw::providers {

using common::v1::ChatCompletionChunk;
using common::v1::ChatCompletionRequest;
using common::v1::ChatCompletionResponse;
using common::v1::EmbeddingsRequest;
using common::v1::EmbeddingsResponse;

struct CallOptions {
  std::string request_id;
  std::string traceparent;
  std::string tracestate;
  // When the caller stops waiting: retries and waits for a recovery end before it.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};

// Controls a call in progress. Safe from any thread; calls after the end do nothing.
class CallHandle {
 public:
  virtual ~CallHandle() = default;
  // Ends the upstream call; its done callback reports CANCELLED.
  virtual void Cancel() = 0;
  // Streams only: stop delivering chunks until Resume (backpressure from a slow client).
  virtual void Pause() = 0;
  virtual void Resume() = 0;
};

using ChatDone = std::function<void(absl::StatusOr<ChatCompletionResponse>)>;
using EmbedDone = std::function<void(absl::StatusOr<EmbeddingsResponse>)>;
using StatusDone = std::function<void(absl::Status)>;

struct StreamCallbacks {
  std::function<void(ChatCompletionChunk chunk)> on_chunk;
  // Once, last. OK after the provider finished the stream.
  std::function<void(absl::Status status)> on_done;
};

class Provider {
 public:
  virtual ~Provider() = default;
  virtual std::shared_ptr<CallHandle> Chat(const config::Deployment& deployment,
                                           const ChatCompletionRequest& request,
                                           const CallOptions& options, ChatDone done) = 0;
  // Streams always carry a final usage chunk (choices empty), whatever the client asked.
  virtual std::shared_ptr<CallHandle> StreamChat(const config::Deployment& deployment,
                                                 const ChatCompletionRequest& request,
                                                 const CallOptions& options,
                                                 StreamCallbacks callbacks) = 0;
  // Embeddings. The default, for providers without an embeddings API, refuses with
  // INVALID_ARGUMENT naming the deployment's provider.
  virtual std::shared_ptr<CallHandle> Embed(const config::Deployment& deployment,
                                            const EmbeddingsRequest& request,
                                            const CallOptions& options, EmbedDone done);
  // A check that costs no tokens: looks the deployment's model up (GET .../models/{model})
  // with its key, so reachability, the key and the model are checked without generating.
  // The default, for providers without such a lookup, answers UNIMPLEMENTED.
  virtual std::shared_ptr<CallHandle> CheckModel(const config::Deployment& deployment,
                                                 const CallOptions& options, StatusDone done);
};

}  // namespace llmgw::providers
