#include "llmgw/otlp/exporter.h"

#include <future>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "llmgw/http/client.h"
#include "llmgw/telemetry/log.h"

namespace llmgw::otlp {
namespace {

namespace pb = opentelemetry::proto;

void SetValue(const telemetry::AttributeValue& v, pb::common::v1::AnyValue& out) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>) out.set_string_value(x);
        if constexpr (std::is_same_v<T, int64_t>) out.set_int_value(x);
        if constexpr (std::is_same_v<T, double>) out.set_double_value(x);
        if constexpr (std::is_same_v<T, bool>) out.set_bool_value(x);
      },
      v);
}

void ToProto(const telemetry::SpanData& s, pb::trace::v1::Span& out) {
  out.set_trace_id(HexToBytes(s.context.trace_id));
  out.set_span_id(HexToBytes(s.context.span_id));
  out.set_trace_state(s.context.tracestate);
  if (!s.parent_span_id.empty()) out.set_parent_span_id(HexToBytes(s.parent_span_id));
  out.set_name(s.name);
  out.set_kind(static_cast<pb::trace::v1::Span::SpanKind>(s.kind));
  out.set_start_time_unix_nano(static_cast<uint64_t>(s.start_unix_nanos));
  out.set_end_time_unix_nano(static_cast<uint64_t>(s.end_unix_nanos));
  for (const auto& [k, v] : s.attributes) {
    auto* kv = out.add_attributes();
    kv->set_key(k);
    SetValue(v, *kv->mutable_value());
  }
  if (s.error) {
    out.mutable_status()->set_code(pb::trace::v1::Status::STATUS_CODE_ERROR);
    out.mutable_status()->set_message(s.status_message);
  }
  // W3C flags, and that the parent's remoteness is known (and whether it is remote).
  uint32_t flags = s.context.flags | 0x100u;
  if (s.parent_remote) flags |= 0x200u;
  out.set_flags(flags);
}

bool Retryable(int status) { return status == 429 || status == 502 || status == 503 || status == 504; }

}  // namespace

std::string HexToBytes(const std::string& hex) {
  auto nibble = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<char>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
  return out;
}

std::string BytesToHex(const std::string& bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 0xf];
  }
  return out;
}

pb::collector::trace::v1::ExportTraceServiceRequest BuildExportRequest(
    const std::vector<std::unique_ptr<telemetry::SpanData>>& batch,
    const std::vector<std::pair<std::string, std::string>>& resource, const std::string& scope_name) {
  pb::collector::trace::v1::ExportTraceServiceRequest req;
  auto* rs = req.add_resource_spans();
  for (const auto& [k, v] : resource) {
    auto* kv = rs->mutable_resource()->add_attributes();
    kv->set_key(k);
    kv->mutable_value()->set_string_value(v);
  }
  auto* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name(scope_name);
  for (const auto& span : batch) ToProto(*span, *ss->add_spans());
  return req;
}

absl::StatusOr<std::unique_ptr<HttpExporter>> HttpExporter::Create(ExporterOptions options) {
  auto client = http::Client::Create({.max_in_flight = 16, .max_idle_connections = 4});
  if (!client.ok()) return client.status();
  return std::unique_ptr<HttpExporter>(new HttpExporter(std::move(options), std::move(*client)));
}

HttpExporter::HttpExporter(ExporterOptions options, std::unique_ptr<http::Client> client)
    : options_(std::move(options)), client_(std::move(client)) {}

HttpExporter::~HttpExporter() = default;

bool HttpExporter::Export(const std::vector<std::unique_ptr<telemetry::SpanData>>& batch) {
  std::string body;
  BuildExportRequest(batch, options_.resource, options_.scope_name).SerializeToString(&body);
  auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  std::chrono::milliseconds backoff{100};
  std::string failure;
  while (true) {
    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (remaining.count() <= 0) break;
    http::ClientRequest req{.method = "POST", .url = options_.endpoint, .body = body, .timeout = remaining,
                            .connect_timeout = std::min(remaining, std::chrono::milliseconds(5'000))};
    req.headers.emplace_back("content-type", "application/x-protobuf");
    for (const auto& h : options_.headers) req.headers.push_back(h);
    struct Result {
      int status = 0;
      std::chrono::milliseconds retry_after{0};
      absl::Status done;
    };
    auto result = std::make_shared<Result>();
    auto finished = std::make_shared<std::promise<void>>();
    auto future = finished->get_future();
    client_->Start(std::move(req),
                   {.on_head =
                        [result](int status, const http::HeaderList& headers) {
                          result->status = status;
                          for (const auto& [k, v] : headers) {
                            int seconds = 0;
                            if (absl::EqualsIgnoreCase(k, "retry-after") && absl::SimpleAtoi(v, &seconds) && seconds > 0) {
                              result->retry_after = std::chrono::seconds(seconds);
                            }
                          }
                        },
                    .on_data = [](std::string_view) {},
                    .on_done =
                        [result, finished](absl::Status s) {
                          result->done = std::move(s);
                          finished->set_value();
                        }});
    future.wait();
    if (result->done.ok() && result->status >= 200 && result->status < 300) return true;
    failure = result->done.ok() ? absl::StrCat("HTTP ", result->status) : std::string(result->done.message());
    // Unreachable and overloaded receivers are retried; a refusal (400, 401, 404...) is not.
    bool retry = !result->done.ok() ? result->done.code() == absl::StatusCode::kUnavailable : Retryable(result->status);
    if (!retry) break;
    auto wait = std::max(backoff, result->retry_after);
    if (std::chrono::steady_clock::now() + wait >= deadline) break;
    std::this_thread::sleep_for(wait);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(2'000));
  }
  // One warning a minute at most: a collector that is down must not flood the logs.
  auto now = std::chrono::steady_clock::now();
  if (now - last_warning_ >= std::chrono::minutes(1)) {
    last_warning_ = now;
    log::Warn("span export failed; the batch is dropped",
              {{"endpoint", options_.endpoint}, {"spans", static_cast<int64_t>(batch.size())}, {"error", failure}});
  }
  return false;
}

std::shared_ptr<telemetry::BatchSpanProcessor> InstallFromSettings(const telemetry::OtelSettings& settings,
                                                                    prometheus::Registry* registry) {
  for (const auto& w : settings.warnings) log::Warn("OpenTelemetry setting ignored", {{"reason", w}});
  if (!settings.enabled) return nullptr;
  auto exporter = HttpExporter::Create({.endpoint = settings.endpoint,
                                        .headers = settings.headers,
                                        .timeout = settings.timeout,
                                        .resource = settings.resource});
  if (!exporter.ok()) {
    log::Error("tracing is off: cannot create the OTLP exporter", {{"error", std::string(exporter.status().message())}});
    return nullptr;
  }
  auto processor = std::make_shared<telemetry::BatchSpanProcessor>(std::move(*exporter), settings.batch, registry);
  telemetry::InstallTracing(processor, settings.sampler);
  telemetry::SetCaptureMessageContent(settings.capture_message_content);
  if (settings.capture_message_content) {
    log::Warn("prompts and answers are recorded in spans (OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT)");
  }
  log::Info("tracing on", {{"endpoint", settings.endpoint}, {"service", settings.resource.front().second}});
  return processor;
}

}  // namespace llmgw::otlp
