#include "services/gateway/router_stream.h"

#include "llmgw/rpc/status.h"

namespace llmgw::gateway {
namespace {

// Owns the ClientContext, which holds a reference on the call: TryCancel stays safe after
// the stream ended, for as long as anyone can still call Cancel.
class Control final : public CallControl {
 public:
  explicit Control(std::unique_ptr<grpc::ClientContext> c) : ctx(std::move(c)) {}
  void Cancel() override { ctx->TryCancel(); }
  std::unique_ptr<grpc::ClientContext> ctx;
};

class Reactor final : public grpc::ClientReadReactor<router::v1::RouteChatEvent> {
 public:
  Reactor(router::v1::RouteChatRequest request, std::shared_ptr<StreamObserver> observer,
          std::shared_ptr<Control> control)
      : ctx_(control->ctx.get()), request_(std::move(request)), observer_(std::move(observer)),
        control_(std::move(control)) {}

  void Start(router::v1::Router::Stub& stub) {
    stub.async()->StreamChat(ctx_, &request_, this);
    // Reads are started from the observer's thread, outside reactions: hold the RPC open.
    AddHold();
    StartRead(&event_);
    StartCall();
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      RemoveHold();
      return;
    }
    if (event_.has_started()) {
      observer_->OnStarted(event_.started());
      StartRead(&event_);
      return;
    }
    if (event_.has_dispatch()) {
      info_ = std::move(*event_.mutable_dispatch());
      StartRead(&event_);
      return;
    }
    observer_->OnChunk(std::move(*event_.mutable_chunk()), [this] { StartRead(&event_); });
  }

  void OnDone(const grpc::Status& status) override {
    observer_->OnDone(rpc::FromGrpcStatus(status), std::move(info_));
    delete this;
  }

 private:
  grpc::ClientContext* ctx_;  // owned by control_
  router::v1::RouteChatRequest request_;
  router::v1::RouteChatEvent event_;
  router::v1::DispatchInfo info_;
  std::shared_ptr<StreamObserver> observer_;
  std::shared_ptr<Control> control_;
};

}  // namespace

std::shared_ptr<CallControl> StartRouterStream(router::v1::Router::Stub& stub,
                                                 std::unique_ptr<grpc::ClientContext> ctx,
                                                 router::v1::RouteChatRequest request,
                                                 std::shared_ptr<StreamObserver> observer) {
  auto control = std::make_shared<Control>(std::move(ctx));
  auto* reactor = new Reactor(std::move(request), std::move(observer), control);
  reactor->Start(stub);
  return control;
}

}  // namespace llmgw::gateway
