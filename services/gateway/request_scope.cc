#include "services/gateway/request_scope.h"

namespace llmgw::gateway {

void RespondError(const std::shared_ptr<http::Exchange>& ex, const RequestScope& scope,
                  const absl::Status& status, const std::string& model) {
  http::Response r = ErrorResponse(status);
  for (auto& h : scope.Headers()) r.headers.push_back(std::move(h));
  scope.Done(r.status, model);
  ex->Respond(std::move(r));
}

void RespondRow(const std::shared_ptr<http::Exchange>& ex, const RequestScope& scope,
                const ErrorRow& row, const std::string& message) {
  http::Response r = ErrorResponse(row, message);
  for (auto& h : scope.Headers()) r.headers.push_back(std::move(h));
  scope.Done(r.status);
  ex->Respond(std::move(r));
}

}  // namespace llmgw::gateway
