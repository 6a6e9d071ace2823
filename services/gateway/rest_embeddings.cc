// POST /v1/embeddings: OpenAI's embeddings API for any model group whose provider embeds.
#include "llmgw/providers/openai_json.h"
#include "services/gateway/request_scope.h"

namespace llmgw::gateway {

void RestApi::HandleEmbeddings(std::shared_ptr<http::Exchange> ex, std::string path_model) {
  auto scope = std::make_shared<RequestScope>(ex->request(), "/v1/embeddings", metrics_.get());
  scope->slo = &gateway_.slo();
  gateway_.Admit(
      KeyFromHeaders(ex->request()), scope->call, ex->request().path,
      [this, ex, scope, path_model](absl::StatusOr<common::v1::Principal> principal) {
        if (!principal.ok()) return RespondError(ex, *scope, principal.status());
        scope->team = principal->team_id();
        auto request = providers::ParseEmbeddingsRequest(ex->request().body, path_model);
        if (!request.ok()) return RespondError(ex, *scope, request.status());
        if (!path_model.empty()) request->set_model(path_model);  // the URL wins, as for chat
        std::string model = request->model();
        bool base64 = request->encoding_format() == "base64";
        auto latch = gateway_.Embed(
            *principal, std::move(*request), scope->call,
            [this, ex, scope, model, base64](absl::StatusOr<Gateway::EmbedAnswer> r) {
              if (!r.ok()) {
                if (r.status().code() == absl::StatusCode::kCancelled && ex->cancelled()) {
                  scope->Done(499, model);
                  return ex->Respond({});
                }
                return RespondError(ex, *scope, r.status(), model);
              }
              const auto& info = r->routed.dispatch();
              scope->CountUsage(model, info);
              for (auto& h : r->rate_headers) scope->extra_headers.push_back(std::move(h));
              scope->AddDispatchHeaders(info);
              http::Response resp{.body = providers::EmbeddingsResponseToJson(r->routed.embeddings(), base64)};
              resp.headers = scope->Headers();
              scope->AddCost(resp, info.cost().micros());
              scope->Done(200, model, info.deployment_id());
              ex->Respond(std::move(resp));
            });
        ex->OnCancel([latch] { latch->Fire(); });
      });
}

}  // namespace llmgw::gateway
