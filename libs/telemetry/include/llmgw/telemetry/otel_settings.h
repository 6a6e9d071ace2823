// The OTEL_* environment, read the way the OpenTelemetry SDK specification says: which
// endpoint gets the spans, with which headers and timeout, the resource (service.name and
// OTEL_RESOURCE_ATTRIBUTES), the sampler and the batch processor's limits. Invalid values
// are ignored with a warning, as the specification asks.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "llmgw/telemetry/span_processor.h"
#include "llmgw/telemetry/tracing.h"

namespace llmgw::telemetry {

using EnvVar = std::function<std::optional<std::string>(const std::string& name)>;

struct OtelSettings {
  // Spans are recorded and exported: an OTLP endpoint is set (OTEL_EXPORTER_OTLP_ENDPOINT or
  // _TRACES_ENDPOINT, or OTEL_TRACES_EXPORTER=otlp for the default localhost:4318), and
  // neither OTEL_SDK_DISABLED=true nor OTEL_TRACES_EXPORTER=none.
  bool enabled = false;
  std::string endpoint;  // the full URL spans are POSTed to
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds timeout{10'000};
  std::vector<std::pair<std::string, std::string>> resource;  // service.name first
  Sampler sampler;
  BatchOptions batch;
  // OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true: attempt spans carry the prompt
  // and the answer. Off by default: they are the users' data.
  bool capture_message_content = false;
  std::vector<std::string> warnings;
};

// `service_name`: service.name unless OTEL_SERVICE_NAME (or service.name in
// OTEL_RESOURCE_ATTRIBUTES) says otherwise.
OtelSettings ReadOtelSettings(const EnvVar& env, const std::string& service_name);

// "k=v,k2=v2" with percent-encoded keys and values (OTEL_RESOURCE_ATTRIBUTES,
// OTEL_EXPORTER_OTLP_HEADERS); nullopt when one entry cannot be decoded.
std::optional<std::vector<std::pair<std::string, std::string>>> ParseKeyValueList(const std::string& text);

}  // namespace llmgw::telemetry
