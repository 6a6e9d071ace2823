// The OTLP/HTTP exporter: batches of spans as an ExportTraceServiceRequest (protobuf),
// POSTed to the collector's /v1/traces. Retries only what the specification allows (429,
// 502, 503, 504, honouring Retry-After) within the export timeout; anything else drops the
// batch, which the processor counts.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "llmgw/telemetry/otel_settings.h"
#include "llmgw/telemetry/span_processor.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace llmgw::http {
class Client;
}

namespace llmgw::otlp {

struct ExporterOptions {
  std::string endpoint;  // the full URL (…/v1/traces)
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds timeout{10'000};  // per batch, retries included
  std::vector<std::pair<std::string, std::string>> resource;
  std::string scope_name = "llmgw";
};

class HttpExporter final : public telemetry::SpanExporter {
 public:
  static absl::StatusOr<std::unique_ptr<HttpExporter>> Create(ExporterOptions options);
  ~HttpExporter() override;
  bool Export(const std::vector<std::unique_ptr<telemetry::SpanData>>& batch) override;

 private:
  HttpExporter(ExporterOptions options, std::unique_ptr<http::Client> client);
  ExporterOptions options_;
  std::unique_ptr<http::Client> client_;
  std::chrono::steady_clock::time_point last_warning_{};
};

// The request for one batch (also what tests decode).
opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest BuildExportRequest(
    const std::vector<std::unique_ptr<telemetry::SpanData>>& batch,
    const std::vector<std::pair<std::string, std::string>>& resource, const std::string& scope_name);

// Lowercase hex <-> the bytes OTLP carries ids in.
std::string HexToBytes(const std::string& hex);
std::string BytesToHex(const std::string& bytes);

// From the OTEL_* environment: installs the batch processor and this exporter as the
// process's tracing when `settings.enabled`, and returns the processor (to drain at
// shutdown); null when tracing stays off.
std::shared_ptr<telemetry::BatchSpanProcessor> InstallFromSettings(const telemetry::OtelSettings& settings,
                                                                    prometheus::Registry* registry);

}  // namespace llmgw::otlp
