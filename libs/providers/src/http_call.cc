#include "http_call.h"

#include <mutex>

#include "absl/strings/str_cat.h"
#include "llmgw/common/error.h"
#include "llmgw/providers/http_provider.h"
#include "llmgw/providers/upstream_errors.h"

namespace llmgw::providers::internal {
namespace {

constexpr size_t kMaxResponseBytes = 64 * 1024 * 1024;
constexpr size_t kMaxErrorBytes = 64 * 1024;

// Adapts an http::ClientCall to the provider CallHandle.
class HttpCallHandle final : public CallHandle {
 public:
  void Set(std::shared_ptr<http::ClientCall> call) {
    std::lock_guard lock(mu_);
    call_ = std::move(call);
  }
  void Cancel() override { With([](auto& c) { c.Cancel(); }); }
  void Pause() override { With([](auto& c) { c.Pause(); }); }
  void Resume() override { With([](auto& c) { c.Resume(); }); }

 private:
  template <typename F>
  void With(F f) {
    std::shared_ptr<http::ClientCall> c;
    {
      std::lock_guard lock(mu_);
      c = call_;
    }
    if (c) f(*c);
  }
  std::mutex mu_;
  std::shared_ptr<http::ClientCall> call_;
};

// State of one upstream call, touched only on the HTTP client's thread.
struct Exchange {
  std::string deployment_id;
  int status = 0;
  http::HeaderList headers;
  std::string body;  // whole body (unary) or error body (stream)
  bool overflow = false;
  bool ok_status() const { return status >= 200 && status < 300; }
};

// A unary call's body handed to `parse`, errors passed through, the result to `done`.
template <typename Parse, typename Done>
BodyDone ParsedBy(Parse parse, Done done) {
  return [parse = std::move(parse), done = std::move(done)](absl::StatusOr<std::string> body) {
    if (!body.ok()) return done(body.status());
    done(parse(*body));
  };
}

}  // namespace

void AddCommonHeaders(const config::Deployment& d, const CallOptions& options,
                      http::HeaderList& headers) {
  if (!options.request_id.empty()) headers.emplace_back("X-Request-Id", options.request_id);
  if (!options.traceparent.empty()) headers.emplace_back("traceparent", options.traceparent);
  if (!options.traceparent.empty() && !options.tracestate.empty()) headers.emplace_back("tracestate", options.tracestate);
  for (const auto& [k, v] : d.params.extra_headers) headers.emplace_back(k, v);
}

std::shared_ptr<CallHandle> StartUnaryCall(http::Client& client, http::ClientRequest req,
                                           std::string deployment_id, BodyDone done) {
  auto ex = std::make_shared<Exchange>();
  ex->deployment_id = std::move(deployment_id);
  auto handle = std::make_shared<HttpCallHandle>();
  handle->Set(client.Start(
      std::move(req),
      {.on_head =
           [ex](int status, const http::HeaderList& headers) {
             ex->status = status;
             ex->headers = headers;
           },
       .on_data =
           [ex](std::string_view data) {
             if (ex->body.size() + data.size() > kMaxResponseBytes) {
               ex->overflow = true;
               return;
             }
             ex->body.append(data);
           },
       .on_done =
           [ex, done = std::move(done)](absl::Status status) {
             if (!status.ok()) return done(UpstreamTransportError(status, ex->deployment_id));
             if (ex->overflow) {
               return done(MakeError(absl::StatusCode::kUnavailable,
                                     common::v1::ERROR_KIND_UPSTREAM_ERROR,
                                     "provider response is larger than 64 MiB"));
             }
             if (!ex->ok_status()) {
               return done(UpstreamHttpError(ex->status, ex->body, ex->headers, ex->deployment_id));
             }
             done(std::move(ex->body));
           }}));
  return handle;
}

std::shared_ptr<CallHandle> StartStreamCall(http::Client& client, http::ClientRequest req,
                                            std::string deployment_id,
                                            std::unique_ptr<StreamDecoder> decoder,
                                            StreamCallbacks cb) {
  struct StreamState : Exchange {
    http::SseParser parser;
    std::unique_ptr<StreamDecoder> decoder;
    StreamCallbacks cb;
    absl::Status stream_error;  // from the decoder: an error event, an unreadable chunk
  };
  auto st = std::make_shared<StreamState>();
  st->deployment_id = std::move(deployment_id);
  st->decoder = std::move(decoder);
  st->cb = std::move(cb);
  auto handle = std::make_shared<HttpCallHandle>();
  handle->Set(client.Start(
      std::move(req),
      {.on_head =
           [st](int status, const http::HeaderList& headers) {
             st->status = status;
             st->headers = headers;
           },
       .on_data =
           [st](std::string_view data) {
             if (!st->ok_status()) {
               if (st->body.size() < kMaxErrorBytes) st->body.append(data);
               return;
             }
             if (!st->stream_error.ok()) return;
             auto emit = [&](ChatCompletionChunk c) { st->cb.on_chunk(std::move(c)); };
             bool ok = st->parser.Feed(data, [&](http::SseEvent& e) {
               if (st->stream_error.ok()) st->stream_error = st->decoder->OnEvent(e, emit);
             });
             if (!ok) {
               st->stream_error = MakeError(absl::StatusCode::kUnavailable,
                                            common::v1::ERROR_KIND_UPSTREAM_ERROR,
                                            "provider sent an oversized stream event");
             }
           },
       .on_done =
           [st](absl::Status status) {
             auto on_done = std::move(st->cb.on_done);
             st->cb = {};
             if (!st->stream_error.ok()) return on_done(st->stream_error);
             if (st->ok_status() && st->decoder->Complete(status.ok())) return on_done(absl::OkStatus());
             if (!status.ok()) return on_done(UpstreamTransportError(status, st->deployment_id));
             if (!st->ok_status()) {
               return on_done(UpstreamHttpError(st->status, st->body, st->headers, st->deployment_id));
             }
             on_done(MakeError(absl::StatusCode::kUnavailable, common::v1::ERROR_KIND_UPSTREAM_ERROR,
                               absl::StrCat("deployment ", st->deployment_id,
                                            ": provider ended the stream before it finished")));
           }}));
  return handle;
}

std::shared_ptr<CallHandle> RunChat(http::Client& client, const HttpWire& wire,
                                    const config::Deployment& d, const ChatCompletionRequest& r,
                                    const CallOptions& options, ChatDone done) {
  auto req = wire.build(d, r, options, false);
  if (!req.ok()) {
    done(req.status());
    return std::make_shared<NoCall>();
  }
  req->timeout = d.timeout;
  return StartUnaryCall(client, std::move(*req), d.id, ParsedBy(wire.parse, std::move(done)));
}

std::shared_ptr<CallHandle> RunStream(http::Client& client, const HttpWire& wire,
                                      const config::Deployment& d, const ChatCompletionRequest& r,
                                      const CallOptions& options, StreamCallbacks cb) {
  auto req = wire.build(d, r, options, true);
  if (!req.ok()) {
    cb.on_done(req.status());
    return std::make_shared<NoCall>();
  }
  req->idle_timeout = d.stream_timeout;
  return StartStreamCall(client, std::move(*req), d.id, wire.decoder(), std::move(cb));
}

}  // namespace llmgw::providers::internal

namespace llmgw::providers {

std::shared_ptr<CallHandle> Provider::Embed(const config::Deployment& d, const EmbeddingsRequest&,
                                            const CallOptions&, EmbedDone done) {
  done(MakeError(absl::StatusCode::kInvalidArgument, common::v1::ERROR_KIND_INVALID_REQUEST,
                 absl::StrCat("model group '", d.model_name, "' cannot embed: provider '",
                              d.params.provider, "' (deployment ", d.id, ") has no embeddings API"),
                 {.param = "model"}));
  return std::make_shared<internal::NoCall>();
}

std::shared_ptr<CallHandle> HttpProvider::Embed(const config::Deployment& d,
                                                const EmbeddingsRequest& r,
                                                const CallOptions& options, EmbedDone done) {
  if (!wire_.build_embeddings) return Provider::Embed(d, r, options, std::move(done));
  auto req = wire_.build_embeddings(d, r, options);
  if (!req.ok()) {
    done(req.status());
    return std::make_shared<internal::NoCall>();
  }
  req->timeout = d.timeout;
  return internal::StartUnaryCall(client_, std::move(*req), d.id,
                                  internal::ParsedBy(wire_.parse_embeddings, std::move(done)));
}

std::shared_ptr<CallHandle> Provider::CheckModel(const config::Deployment& d, const CallOptions&,
                                                 StatusDone done) {
  done(MakeError(absl::StatusCode::kUnimplemented, common::v1::ERROR_KIND_NOT_IMPLEMENTED,
                 absl::StrCat("provider '", d.params.provider, "' (deployment ", d.id,
                              ") has no model lookup to check it without tokens")));
  return std::make_shared<internal::NoCall>();
}

std::shared_ptr<CallHandle> HttpProvider::CheckModel(const config::Deployment& d,
                                                     const CallOptions& options, StatusDone done) {
  if (!wire_.build_model_check) return Provider::CheckModel(d, options, std::move(done));
  http::ClientRequest req = wire_.build_model_check(d, options);
  req.method = "GET";
  req.timeout = d.timeout;
  return internal::StartUnaryCall(
      client_, std::move(req), d.id,
      [done = std::move(done)](absl::StatusOr<std::string> body) { done(body.status()); });
}

std::shared_ptr<CallHandle> HttpProvider::Chat(const config::Deployment& d,
                                               const ChatCompletionRequest& r,
                                               const CallOptions& options, ChatDone done) {
  return internal::RunChat(client_, wire_, d, r, options, std::move(done));
}

std::shared_ptr<CallHandle> HttpProvider::StreamChat(const config::Deployment& d,
                                                     const ChatCompletionRequest& r,
                                                     const CallOptions& options,
                                                     StreamCallbacks cb) {
  return internal::RunStream(client_, wire_, d, r, options, std::move(cb));
}

}  // namespace llmgw::providers
