#include "llmgw/providers/anthropic_provider.h"

#include "absl/strings/match.h"
#include "http_call.h"
#include "llmgw/providers/anthropic_json.h"

namespace llmgw::providers {
namespace {

// {base}/v1/{path}; api_base may be given with or without the /v1 suffix (LiteLLM accepts both).
std::string V1Url(const config::Deployment& d, std::string_view path) {
  std::string base = d.params.api_base.empty() ? kAnthropicDefaultBase : d.params.api_base;
  while (absl::EndsWith(base, "/")) base.pop_back();
  if (absl::EndsWith(base, "/v1")) base.resize(base.size() - 3);
  return base + "/v1/" + std::string(path);
}

void AddAuth(const config::Deployment& d, http::ClientRequest& req) {
  req.headers.emplace_back("anthropic-version", d.params.api_version.empty() ? kAnthropicVersion
                                                                            : d.params.api_version);
  if (!d.params.api_key.empty()) req.headers.emplace_back("x-api-key", d.params.api_key);
}

// The zero-token check: GET /v1/models/{model}.
http::ClientRequest BuildModelCheck(const config::Deployment& d, const CallOptions& options) {
  http::ClientRequest req;
  req.url = V1Url(d, "models/" + d.params.upstream_model);
  AddAuth(d, req);
  internal::AddCommonHeaders(d, options, req.headers);
  return req;
}

absl::StatusOr<http::ClientRequest> BuildRequest(const config::Deployment& d,
                                                 const ChatCompletionRequest& r,
                                                 const CallOptions& options, bool stream) {
  auto body = AnthropicRequestJson(
      r, {.model = d.params.upstream_model,
          .stream = stream,
          .default_max_tokens = d.info.max_output_tokens.value_or(kAnthropicDefaultMaxTokens),
          .drop_params = d.drop_params});
  if (!body.ok()) return body.status();
  http::ClientRequest req;
  req.url = V1Url(d, "messages");
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
    return decoder_.OnEvent(e.event, e.data, emit);
  }
  bool Complete(bool) const override { return decoder_.complete(); }

 private:
  AnthropicStreamDecoder decoder_;
};

const internal::HttpWire& Wire() {
  static const internal::HttpWire wire{
      .build = BuildRequest,
      .parse = [](std::string_view body) { return ParseAnthropicResponse(body); },
      .decoder = [] { return std::make_unique<StreamDecoder>(); },
      .build_model_check = BuildModelCheck};
  return wire;
}

}  // namespace

AnthropicProvider::AnthropicProvider(http::Client& client) : HttpProvider(client, Wire()) {}

}  // namespace llmgw::providers
