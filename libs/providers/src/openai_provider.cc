#include "llmgw/providers/openai_provider.h"

#include <mutex>

#include "absl/strings/str_cat.h"
#include "llmgw/common/error.h"
#include "llmgw/http/sse.h"
#include "llmgw/providers/openai_json.h"
#include "llmgw/providers/upstream_errors.h"

namespace llmgw::providers {
namespace {

constexpr size_t kMaxResponseBytes = 64 * 1024 * 1024;
constexpr size_t kMaxErrorBytes = 64 * 1024;

http::ClientRequest BuildRequest(const config::Deployment& d, const ChatCompletionRequest& r,
                                 const CallOptions& options) {
  http::ClientRequest req;
  const std::string base = d.params.api_base.empty() ? kOpenAIDefaultBase : d.params.api_base;
  req.url = base + "/chat/completions";
  req.headers.emplace_back("Content-Type", "application/json");
  if (!d.params.api_key.empty()) req.headers.emplace_back("Authorization", "Bearer " + d.params.api_key);
  if (!d.params.organization.empty()) req.headers.emplace_back("OpenAI-Organization", d.params.organization);
  if (!options.request_id.empty()) req.headers.emplace_back("X-Request-Id", options.request_id);
  if (!options.traceparent.empty()) req.headers.emplace_back("traceparent", options.traceparent);
  for (const auto& [k, v] : d.params.extra_headers) req.headers.emplace_back(k, v);
  req.body = ChatRequestToJson(r, {.model = d.params.upstream_model, .force_stream_usage = true});
  return req;
}

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
};

}  // namespace

std::shared_ptr<CallHandle> OpenAIProvider::Chat(const config::Deployment& d,
                                                 const ChatCompletionRequest& r,
                                                 const CallOptions& options, ChatDone done) {
  auto req = BuildRequest(d, r, options);
  req.timeout = d.timeout;
  auto ex = std::make_shared<Exchange>();
  ex->deployment_id = d.id;
  auto handle = std::make_shared<HttpCallHandle>();
  handle->Set(client_.Start(
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
             if (ex->status < 200 || ex->status >= 300) {
               return done(UpstreamHttpError(ex->status, ex->body, ex->headers, ex->deployment_id));
             }
             done(ParseChatResponse(ex->body));
           }}));
  return handle;
}

std::shared_ptr<CallHandle> OpenAIProvider::StreamChat(const config::Deployment& d,
                                                       const ChatCompletionRequest& r,
                                                       const CallOptions& options,
                                                       StreamCallbacks cb) {
  auto req = BuildRequest(d, r, options);
  req.idle_timeout = d.stream_timeout;
  struct StreamState : Exchange {
    http::SseParser parser;
    StreamCallbacks cb;
    bool finished = false;        // saw a finish_reason
    bool done_marker = false;     // saw [DONE]
    absl::Status stream_error;    // an error event inside the stream
  };
  auto st = std::make_shared<StreamState>();
  st->deployment_id = d.id;
  st->cb = std::move(cb);
  auto handle = std::make_shared<HttpCallHandle>();
  handle->Set(client_.Start(
      std::move(req),
      {.on_head =
           [st](int status, const http::HeaderList& headers) {
             st->status = status;
             st->headers = headers;
           },
       .on_data =
           [st](std::string_view data) {
             if (st->status < 200 || st->status >= 300) {
               if (st->body.size() < kMaxErrorBytes) st->body.append(data);
               return;
             }
             if (st->done_marker || !st->stream_error.ok()) return;
             bool ok = st->parser.Feed(data, [&](http::SseEvent& e) {
               if (st->done_marker || !st->stream_error.ok()) return;
               if (e.data == "[DONE]") {
                 st->done_marker = true;
                 return;
               }
               auto chunk = ParseChatChunk(e.data);
               if (!chunk.ok()) {
                 st->stream_error = chunk.status();
                 return;
               }
               if (chunk->id().empty() && chunk->choices_size() == 0 && !chunk->has_usage()) {
                 // Not a chunk: an error event, or a provider's empty preamble (Azure).
                 if (auto err = ParseOpenAIError(e.data)) {
                   st->stream_error = MakeError(absl::StatusCode::kUnavailable,
                                                common::v1::ERROR_KIND_UPSTREAM_ERROR,
                                                "provider failed mid-stream: " + err->message);
                 }
                 return;
               }
               for (const auto& c : chunk->choices()) {
                 if (!c.finish_reason().empty()) st->finished = true;
               }
               st->cb.on_chunk(std::move(*chunk));
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
             if (st->done_marker || (status.ok() && st->finished)) return on_done(absl::OkStatus());
             if (!status.ok()) return on_done(UpstreamTransportError(status, st->deployment_id));
             if (st->status < 200 || st->status >= 300) {
               return on_done(UpstreamHttpError(st->status, st->body, st->headers, st->deployment_id));
             }
             on_done(MakeError(absl::StatusCode::kUnavailable, common::v1::ERROR_KIND_UPSTREAM_ERROR,
                               absl::StrCat("deployment ", st->deployment_id,
                                            ": provider ended the stream before it finished")));
           }}));
  return handle;
}

namespace {

class NoopHandle final : public CallHandle {
 public:
  void Cancel() override {}
  void Pause() override {}
  void Resume() override {}
};

absl::Status NotImplemented(const config::Deployment& d) {
  return MakeError(absl::StatusCode::kUnimplemented, common::v1::ERROR_KIND_NOT_IMPLEMENTED,
                   absl::StrCat("provider '", d.params.provider, "' (deployment ", d.id,
                                ") is not implemented by llmgw yet"));
}

}  // namespace

std::shared_ptr<CallHandle> UnsupportedProvider::Chat(const config::Deployment& d,
                                                      const ChatCompletionRequest&,
                                                      const CallOptions&, ChatDone done) {
  done(NotImplemented(d));
  return std::make_shared<NoopHandle>();
}

std::shared_ptr<CallHandle> UnsupportedProvider::StreamChat(const config::Deployment& d,
                                                            const ChatCompletionRequest&,
                                                            const CallOptions&, StreamCallbacks cb) {
  cb.on_done(NotImplemented(d));
  return std::make_shared<NoopHandle>();
}

}  // namespace llmgw::providers
