// A test OTLP/HTTP receiver inside the fake provider: POST /v1/traces takes an
// ExportTraceServiceRequest (protobuf) and keeps its spans; GET /_fake/spans lists them as
// JSON (service, ids in hex, parent, name, kind, attributes, status) for tests to check a
// trace across processes; POST /_fake/spans/reset forgets them.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace llmgw::http {
class Exchange;
}

namespace llmgw::fake {

class OtlpReceiver {
 public:
  // False when `ex` is none of its routes.
  bool Handle(const std::shared_ptr<http::Exchange>& ex);

 private:
  std::mutex mu_;
  std::vector<std::string> spans_;  // each a JSON object, serialized
  int64_t exports_ = 0;
};

}  // namespace llmgw::fake
