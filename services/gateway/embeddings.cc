// Gateway::Embed: embeddings through the same admission (aliases, access, rate limits),
// budget reservation and settle as chat, then the router's RouteEmbeddings.
#include "absl/strings/str_join.h"
#include "llmgw/rpc/status.h"
#include "services/gateway/gateway.h"

namespace llmgw::gateway {
namespace {

// What admission and billing see of an embeddings request: its inputs as one user prompt
// and no output (max_completion_tokens 0), so limits and reservations count input only.
common::v1::ChatCompletionRequest AdmissionShape(const common::v1::EmbeddingsRequest& r) {
  common::v1::ChatCompletionRequest c;
  c.set_model(r.model());
  c.set_user(r.user());
  auto* m = c.add_messages();
  m->set_role(common::v1::CHAT_ROLE_USER);
  m->set_text(absl::StrJoin(r.inputs(), "\n"));
  c.set_max_completion_tokens(0);
  return c;
}

}  // namespace

std::shared_ptr<CancelLatch> Gateway::Embed(const common::v1::Principal& principal,
                                            common::v1::EmbeddingsRequest request,
                                            const rpc::CallContext& call,
                                            std::function<void(absl::StatusOr<EmbedAnswer>)> done) {
  struct State {
    common::v1::Principal principal;
    common::v1::EmbeddingsRequest request;
    common::v1::ChatCompletionRequest shape;
    rpc::CallContext call;
    std::shared_ptr<RateLease> lease;
    std::shared_ptr<Bill> bill;
    std::function<void(absl::StatusOr<EmbedAnswer>)> done;
    std::shared_ptr<CancelLatch> latch = std::make_shared<CancelLatch>();
    // Router call
    std::shared_ptr<grpc::ClientContext> ctx;
    router::v1::RouteEmbeddingsRequest routed;
    router::v1::RouteEmbeddingsResponse response;
  };
  auto st = std::make_shared<State>();
  st->principal = principal;
  st->request = std::move(request);
  st->shape = AdmissionShape(st->request);
  st->call = call;
  st->done = std::move(done);
  auto lifetime = config_->llmgw.request_timeout;
  Authorize(st->principal, st->shape, st->call, lifetime, [this, st, lifetime](auto lease) {
    if (!lease.ok()) return st->done(lease.status());
    st->lease = std::move(*lease);
    OpenBill(st->principal, st->shape, st->call, lifetime, [this, st](auto bill) {
      if (!bill.ok()) {
        if (st->lease) st->lease->Finish(0);
        return st->done(bill.status());
      }
      st->bill = std::move(*bill);
      st->request.set_model(st->shape.model());  // aliases resolved by Authorize
      *st->routed.mutable_request() = std::move(st->request);
      *st->routed.mutable_principal() = st->principal;
      st->ctx = rpc::NewClientContext(st->call, config_->llmgw.request_timeout);
      router_->async()->RouteEmbeddings(
          st->ctx.get(), &st->routed, &st->response, [st](grpc::Status s) {
            absl::Status status = s.ok() ? absl::OkStatus() : rpc::FromGrpcStatus(s);
            const auto& info = status.ok() ? st->response.dispatch() : router::v1::DispatchInfo();
            EmbedAnswer answer;
            if (st->lease) {
              answer.rate_headers = st->lease->Headers();
              st->lease->Finish(status.ok() ? UpstreamTokens(info) : 0);
            }
            st->bill->Settle(info, status);
            if (!status.ok()) return st->done(status);
            answer.routed = std::move(st->response);
            st->done(std::move(answer));
          });
      st->latch->Arm([ctx = st->ctx] { ctx->TryCancel(); });
    });
  });
  return st->latch;
}

}  // namespace llmgw::gateway
