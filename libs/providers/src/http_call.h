// Internal: the HTTP side every HTTP adapter shares. A unary call collects the body and
// hands it to the adapter's parser; a stream feeds SSE events to the adapter's decoder.
// Transport failures, HTTP errors and truncated streams map to llmgw errors here, once.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "llmgw/http/client.h"
#include "llmgw/http/sse.h"
#include "llmgw/providers/provider.h"

namespace llmgw::providers::internal {

using ParseResponse = std::function<absl::StatusOr<ChatCompletionResponse>(std::string_view body)>;
using ParseEmbeddings = std::function<absl::StatusOr<EmbeddingsResponse>(std::string_view body)>;
// A unary call's outcome: the body of a 2xx answer, or the mapped error.
using BodyDone = std::function<void(absl::StatusOr<std::string> body)>;

std::shared_ptr<CallHandle> StartUnaryCall(http::Client& client, http::ClientRequest request,
                                           std::string deployment_id, BodyDone done);

// Turns one provider's stream events into chunks. Runs on the HTTP client's thread.
class StreamDecoder {
 public:
  virtual ~StreamDecoder() = default;
  // One SSE event; `emit` passes a chunk on. A non-OK status ends the stream with it.
  virtual absl::Status OnEvent(const http::SseEvent& event,
                               const std::function<void(ChatCompletionChunk)>& emit) = 0;
  // Whether the provider finished the stream properly ([DONE], message_stop, ...), given
  // whether the connection itself ended cleanly.
  virtual bool Complete(bool connection_ok) const = 0;
};

std::shared_ptr<CallHandle> StartStreamCall(http::Client& client, http::ClientRequest request,
                                            std::string deployment_id,
                                            std::unique_ptr<StreamDecoder> decoder,
                                            StreamCallbacks callbacks);

// The handle of a call that never started (refused before any I/O): nothing to control.
class NoCall final : public CallHandle {
 public:
  void Cancel() override {}
  void Pause() override {}
  void Resume() override {}
};

// What makes an HTTP adapter: how it builds its request, parses its answer and decodes its
// stream. RunChat / RunStream do the rest (timeouts, refusals before any I/O).
struct HttpWire {
  std::function<absl::StatusOr<http::ClientRequest>(const config::Deployment&,
                                                    const ChatCompletionRequest&,
                                                    const CallOptions&, bool stream)>
      build;
  ParseResponse parse;
  std::function<std::unique_ptr<StreamDecoder>()> decoder;
  // Null when the provider has no embeddings API.
  std::function<absl::StatusOr<http::ClientRequest>(const config::Deployment&,
                                                    const EmbeddingsRequest&, const CallOptions&)>
      build_embeddings;
  ParseEmbeddings parse_embeddings;
  // The GET of the provider's model lookup; null when it has none.
  std::function<http::ClientRequest(const config::Deployment&, const CallOptions&)>
      build_model_check;
};

std::shared_ptr<CallHandle> RunChat(http::Client& client, const HttpWire& wire,
                                    const config::Deployment& d, const ChatCompletionRequest& r,
                                    const CallOptions& options, ChatDone done);
std::shared_ptr<CallHandle> RunStream(http::Client& client, const HttpWire& wire,
                                      const config::Deployment& d, const ChatCompletionRequest& r,
                                      const CallOptions& options, StreamCallbacks callbacks);

// Headers every adapter sends: request id, trace context and the deployment's extras.
void AddCommonHeaders(const config::Deployment& d, const CallOptions& options,
                      http::HeaderList& headers);

}  // namespace llmgw::providers::internal
