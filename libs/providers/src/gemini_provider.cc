#include "llmgw/providers/gemini_provider.h"

#include "absl/strings/match.h"
#include "http_call.h"
#include "llmgw/providers/gemini_json.h"

namespace llmgw::providers {
namespace {

// {base}/v1beta/models/{model}; api_base may carry the /v1beta suffix already.
std::string ModelUrl(const config::Deployment& d) {
  std::string base = d.params.api_base.empty() ? kGeminiDefaultBase : d.params.api_base;
  while (absl::EndsWith(base, "/")) base.pop_back();
  if (!absl::EndsWith(base, "/v1beta") && !absl::EndsWith(base, "/v1")) base += "/v1beta";
  return base + "/models/" + d.params.upstream_model;
}

void AddAuth(const config::Deployment& d, http::ClientRequest& req) {
  if (!d.params.api_key.empty()) req.headers.emplace_back("x-goog-api-key", d.params.api_key);
}

std::string Url(const config::Deployment& d, const char* method) {
  return ModelUrl(d) + ":" + method;
}

// The zero-token check: GET the model's metadata.
http::ClientRequest BuildModelCheck(const config::Deployment& d, const CallOptions& options) {
  http::ClientRequest req;
  req.url = ModelUrl(d);
  AddAuth(d, req);
  internal::AddCommonHeaders(d, options, req.headers);
  return req;
}

absl::StatusOr<http::ClientRequest> BuildRequest(const config::Deployment& d,
                                                 const ChatCompletionRequest& r,
                                                 const CallOptions& options, bool stream) {
  auto body = GeminiRequestJson(r, {.drop_params = d.drop_params});
  if (!body.ok()) return body.status();
  http::ClientRequest req;
  req.url = stream ? Url(d, "streamGenerateContent") + "?alt=sse" : Url(d, "generateContent");
  req.headers.emplace_back("Content-Type", "application/json");
  AddAuth(d, req);
  internal::AddCommonHeaders(d, options, req.headers);
  req.body = std::move(*body);
  return req;
}

class StreamDecoder final : public internal::StreamDecoder {
 public:
  absl::Status OnEvent(const http::SseEvent& e,
                       const std::function<void(ChatCompletionChunk)>& emit) override {
    return decoder_.OnEvent(e.data, emit);
  }
  // No terminator: the body's clean end after a finishReason is the end.
  bool Complete(bool connection_ok) const override { return connection_ok && decoder_.complete(); }

 private:
  GeminiStreamDecoder decoder_;
};

const internal::HttpWire& Wire() {
  static const internal::HttpWire wire{
      .build = BuildRequest,
      .parse = [](std::string_view body) { return ParseGeminiResponse(body); },
      .decoder = [] { return std::make_unique<StreamDecoder>(); },
      .build_model_check = BuildModelCheck};
  return wire;
}

}  // namespace

GeminiProvider::GeminiProvider(http::Client& client) : HttpProvider(client, Wire()) {}

}  // namespace llmgw::providers
