#include "llmgw/providers/openai_provider.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "llmgw/common/error.h"
#include "llmgw/http/sse.h"
#include "llmgw/providers/openai_json.h"
#include "http_call.h"

namespace llmgw::providers {
namespace {

std::string OpenAIBase(const config::Deployment& d) {
  return d.params.api_base.empty() ? kOpenAIDefaultBase : d.params.api_base;
}

void AddOpenAIAuth(const config::Deployment& d, http::ClientRequest& req) {
  if (!d.params.api_key.empty()) req.headers.emplace_back("Authorization", "Bearer " + d.params.api_key);
  if (!d.params.organization.empty()) req.headers.emplace_back("OpenAI-Organization", d.params.organization);
}

void AddAzureAuth(const config::Deployment& d, http::ClientRequest& req) {
  if (!d.params.api_key.empty()) req.headers.emplace_back("api-key", d.params.api_key);
}

http::ClientRequest BuildRequest(const config::Deployment& d, const ChatCompletionRequest& r,
                                 const CallOptions& options) {
  http::ClientRequest req;
  req.url = OpenAIBase(d) + "/chat/completions";
  req.headers.emplace_back("Content-Type", "application/json");
  AddOpenAIAuth(d, req);
  internal::AddCommonHeaders(d, options, req.headers);
  req.body = ChatRequestToJson(r, {.model = d.params.upstream_model, .force_stream_usage = true});
  return req;
}

}  // namespace

namespace {

// {resource}/openai, or the v1 API's {resource}/openai/v1 (OpenAI's paths, the deployment
// named by the body's model); api_base may be given with or without /openai.
struct AzureRoot {
  std::string url;
  bool v1 = false;
  std::string version_query;  // "?api-version=..." unless v1
};

AzureRoot AzureRootOf(const config::Deployment& d) {
  std::string base = d.params.api_base;
  while (absl::EndsWith(base, "/")) base.pop_back();
  if (absl::EndsWith(base, "/openai/v1")) return {.url = base, .v1 = true};
  if (absl::EndsWith(base, "/openai")) base.resize(base.size() - 7);
  const std::string& version = d.params.api_version.empty() ? kAzureDefaultApiVersion : d.params.api_version;
  return {.url = base + "/openai", .version_query = "?api-version=" + version};
}

}  // namespace

std::string AzureUrl(const config::Deployment& d, std::string_view operation) {
  AzureRoot root = AzureRootOf(d);
  if (root.v1) return absl::StrCat(root.url, "/", std::string(operation));
  return absl::StrCat(root.url, "/deployments/", d.params.upstream_model, "/", std::string(operation),
                      root.version_query);
}

namespace {

// Azure OpenAI: OpenAI's bodies at a per-deployment URL, the key in `api-key`.
http::ClientRequest BuildAzureRequest(const config::Deployment& d, const ChatCompletionRequest& r,
                                      const CallOptions& options) {
  http::ClientRequest req;
  req.url = AzureUrl(d, "chat/completions");
  req.headers.emplace_back("Content-Type", "application/json");
  AddAzureAuth(d, req);
  internal::AddCommonHeaders(d, options, req.headers);
  req.body = ChatRequestToJson(r, {.model = d.params.upstream_model, .force_stream_usage = true});
  return req;
}

// OpenAI's stream: chunks as `data:` events, then `data: [DONE]`.
class OpenAIStreamDecoder final : public internal::StreamDecoder {
 public:
  absl::Status OnEvent(const http::SseEvent& e,
                       const std::function<void(ChatCompletionChunk)>& emit) override {
    if (done_marker_) return absl::OkStatus();
    if (e.data == "[DONE]") {
      done_marker_ = true;
      return absl::OkStatus();
    }
    auto chunk = ParseChatChunk(e.data);
    if (!chunk.ok()) return chunk.status();
    if (chunk->id().empty() && chunk->choices_size() == 0 && !chunk->has_usage()) {
      // Not a chunk: an error event, or a provider's empty preamble (Azure).
      if (auto err = ParseOpenAIError(e.data)) {
        return MakeError(absl::StatusCode::kUnavailable, common::v1::ERROR_KIND_UPSTREAM_ERROR,
                         "provider failed mid-stream: " + err->message);
      }
      return absl::OkStatus();
    }
    for (const auto& c : chunk->choices()) {
      if (!c.finish_reason().empty()) finished_ = true;
    }
    emit(std::move(*chunk));
    return absl::OkStatus();
  }
  bool Complete(bool connection_ok) const override {
    return done_marker_ || (connection_ok && finished_);
  }

 private:
  bool finished_ = false;     // saw a finish_reason
  bool done_marker_ = false;  // saw [DONE]
};

// Embeddings: OpenAI's body at {api_base}/embeddings, or Azure's deployment URL.
template <bool kAzure>
absl::StatusOr<http::ClientRequest> BuildEmbeddings(const config::Deployment& d,
                                                    const EmbeddingsRequest& r,
                                                    const CallOptions& options) {
  http::ClientRequest req;
  req.headers.emplace_back("Content-Type", "application/json");
  if (kAzure) {
    req.url = AzureUrl(d, "embeddings");
    AddAzureAuth(d, req);
  } else {
    req.url = OpenAIBase(d) + "/embeddings";
    AddOpenAIAuth(d, req);
  }
  internal::AddCommonHeaders(d, options, req.headers);
  req.body = EmbeddingsRequestToJson(r, d.params.upstream_model);
  return req;
}

// The zero-token check: OpenAI's model lookup; Azure's list of the resource's models (its
// data plane has no lookup of one deployment), which checks the endpoint and the key.
template <bool kAzure>
http::ClientRequest BuildModelCheck(const config::Deployment& d, const CallOptions& options) {
  http::ClientRequest req;
  if (kAzure) {
    AzureRoot root = AzureRootOf(d);
    req.url = root.url + "/models" + root.version_query;
    AddAzureAuth(d, req);
  } else {
    req.url = absl::StrCat(OpenAIBase(d), "/models/", d.params.upstream_model);
    AddOpenAIAuth(d, req);
  }
  internal::AddCommonHeaders(d, options, req.headers);
  return req;
}

template <http::ClientRequest (*kBuild)(const config::Deployment&, const ChatCompletionRequest&,
                                         const CallOptions&)>
const internal::HttpWire& Wire() {
  static const internal::HttpWire wire{
      .build = [](const config::Deployment& d, const ChatCompletionRequest& r,
                  const CallOptions& options, bool) -> absl::StatusOr<http::ClientRequest> {
        return kBuild(d, r, options);
      },
      .parse = [](std::string_view body) { return ParseChatResponse(body); },
      .decoder = [] { return std::make_unique<OpenAIStreamDecoder>(); },
      .build_embeddings = BuildEmbeddings<kBuild == BuildAzureRequest>,
      .parse_embeddings = [](std::string_view body) { return ParseEmbeddingsResponse(body); },
      .build_model_check = BuildModelCheck<kBuild == BuildAzureRequest>};
  return wire;
}

}  // namespace

OpenAIProvider::OpenAIProvider(http::Client& client) : HttpProvider(client, Wire<BuildRequest>()) {}

AzureProvider::AzureProvider(http::Client& client) : HttpProvider(client, Wire<BuildAzureRequest>()) {}

namespace {

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
  return std::make_shared<internal::NoCall>();
}

std::shared_ptr<CallHandle> UnsupportedProvider::StreamChat(const config::Deployment& d,
                                                            const ChatCompletionRequest&,
                                                            const CallOptions&, StreamCallbacks cb) {
  cb.on_done(NotImplemented(d));
  return std::make_shared<internal::NoCall>();
}

std::shared_ptr<CallHandle> UnsupportedProvider::Embed(const config::Deployment& d,
                                                       const EmbeddingsRequest&, const CallOptions&,
                                                       EmbedDone done) {
  done(NotImplemented(d));
  return std::make_shared<internal::NoCall>();
}

}  // namespace llmgw::providers
