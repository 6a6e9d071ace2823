// Embeddings through the router: the same Dispatch as chat (deployment choice, retries,
// fallbacks, cooldowns, health bookkeeping) with one Embed call per attempt, and the
// response cache under the embeddings kind.
#include "llmgw/providers/tokens.h"
#include "services/router/dispatch.h"
#include "services/router/router.h"

namespace llmgw::router {

class Router::Embed final : public Dispatch {
 public:
  Embed(Router& r, const v1::RouteEmbeddingsRequest& req, const providers::CallOptions& options,
        std::function<void(absl::StatusOr<v1::RouteEmbeddingsResponse>)> done,
        std::optional<CachePlan> plan)
      : Dispatch(r.Env(), req.request().model(), [&req] { return InputTokens(req.request()); }, options),
        router_(r), request_(req.request()), done_(std::move(done)), plan_(std::move(plan)) {}

  static int64_t InputTokens(const common::v1::EmbeddingsRequest& r) {
    int64_t n = 0;
    for (const auto& s : r.inputs()) n += providers::EstimateTextTokens(s);
    return n;
  }

 private:
  const char* Operation() const override { return "embeddings"; }
  std::shared_ptr<providers::CallHandle> StartAttempt(const config::Deployment& d) override {
    auto start = router_.clock_.SteadyNow();
    auto self = std::static_pointer_cast<Embed>(shared_from_this());
    return router_.providers_.For(d.params.wire)
        .Embed(d, request_, options(),
               [self, start](absl::StatusOr<common::v1::EmbeddingsResponse> r) {
                 AttemptReport report{.latency = Since(self->router_.clock_, start)};
                 if (!r.ok()) return self->AttemptDone(r.status(), report);
                 report.usage = r->usage();
                 report.response_model = r->model();
                 self->answer_ = std::move(*r);
                 self->AttemptDone(absl::OkStatus(), report);
               });
  }

  void Finish(absl::Status status, v1::DispatchInfo info) override {
    router_.Release();
    auto done = std::move(done_);
    if (!status.ok()) return done(std::move(status));
    if (plan_ && plan_->store) {
      v1::CachedAnswer cached;
      *cached.mutable_embeddings() = answer_;
      *cached.mutable_dispatch() = info;
      router_.cache_->Store(*plan_, cached);
    }
    v1::RouteEmbeddingsResponse out;
    *out.mutable_embeddings() = std::move(answer_);
    *out.mutable_dispatch() = std::move(info);
    done(std::move(out));
  }

  Router& router_;
  const common::v1::EmbeddingsRequest request_;
  std::function<void(absl::StatusOr<v1::RouteEmbeddingsResponse>)> done_;
  const std::optional<CachePlan> plan_;
  common::v1::EmbeddingsResponse answer_;
};

std::shared_ptr<providers::CallHandle> Router::RouteEmbeddings(
    const v1::RouteEmbeddingsRequest& request, const providers::CallOptions& options,
    std::function<void(absl::StatusOr<v1::RouteEmbeddingsResponse>)> done) {
  std::optional<CachePlan> plan;
  if (cache_ != nullptr) {
    if (const ModelGroup* group = registry_.Find(request.request().model())) {
      plan = cache_->PlanEmbeddings(request.request(), request.principal(), group->name);
    }
  }
  if (plan) {
    if (auto hit = cache_->Lookup(*plan); hit && hit->has_embeddings()) {
      v1::RouteEmbeddingsResponse out;
      *out.mutable_embeddings() = std::move(*hit->mutable_embeddings());
      *out.mutable_dispatch() = std::move(*hit->mutable_dispatch());
      done(std::move(out));
      return std::make_shared<Answered>();
    }
  }
  if (auto s = Admit(); !s.ok()) {
    done(s);
    return std::make_shared<Answered>();
  }
  auto d = std::make_shared<Embed>(*this, request, options, std::move(done), std::move(plan));
  d->Start();
  return d;
}

}  // namespace llmgw::router
