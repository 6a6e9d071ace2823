// The public inference API for internal callers (llmgw.gateway.v1.Inference): the same
// admission and dispatch as REST, with the key in the `authorization` metadata.
#pragma once

#include "llmgw/gateway/v1/gateway.grpc.pb.h"
#include "services/gateway/gateway.h"

namespace llmgw::gateway {

class InferenceGrpc final : public v1::Inference::CallbackService {
 public:
  explicit InferenceGrpc(Gateway& gateway) : gateway_(gateway) {}

  grpc::ServerUnaryReactor* ChatCompletion(grpc::CallbackServerContext* ctx,
                                           const common::v1::ChatCompletionRequest* request,
                                           common::v1::ChatCompletionResponse* response) override;
  grpc::ServerWriteReactor<common::v1::ChatCompletionChunk>* StreamChatCompletion(
      grpc::CallbackServerContext* ctx, const common::v1::ChatCompletionRequest* request) override;
  grpc::ServerUnaryReactor* Embeddings(grpc::CallbackServerContext* ctx,
                                       const common::v1::EmbeddingsRequest* request,
                                       common::v1::EmbeddingsResponse* response) override;
  grpc::ServerUnaryReactor* ListModels(grpc::CallbackServerContext* ctx,
                                       const v1::ListModelsRequest* request,
                                       v1::ListModelsResponse* response) override;

 private:
  Gateway& gateway_;
};

}  // namespace llmgw::gateway
