#include "llmgw/otlp/exporter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

#include "llmgw/http/server.h"

namespace llmgw::otlp {
namespace {

namespace pb = opentelemetry::proto;

// A receiver on loopback: answers each POST with the next status of `script` (then 200)
// and keeps the requests it decoded.
class Receiver {
 public:
  explicit Receiver(std::vector<int> script = {}) : script_(std::move(script)) {
    auto s = http::Server::Start({.listen_address = "127.0.0.1:0"}, [this](std::shared_ptr<http::Exchange> ex) {
      int status = 200;
      {
        std::lock_guard lock(mu_);
        if (next_ < script_.size()) status = script_[next_++];
        ++posts_;
        pb::collector::trace::v1::ExportTraceServiceRequest req;
        if (status == 200 && req.ParseFromString(ex->request().body)) received_.push_back(std::move(req));
        content_type_ = std::string(ex->request().Header("content-type"));
        api_key_ = std::string(ex->request().Header("api-key"));
      }
      http::Response r{.status = status, .content_type = "application/x-protobuf"};
      if (status == 429) r.headers.emplace_back("retry-after", "1");
      ex->Respond(std::move(r));
    });
    EXPECT_TRUE(s.ok());
    server_ = std::move(*s);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()) + "/v1/traces"; }
  int posts() {
    std::lock_guard lock(mu_);
    return posts_;
  }

  std::mutex mu_;
  std::vector<int> script_;
  size_t next_ = 0;
  int posts_ = 0;
  std::vector<pb::collector::trace::v1::ExportTraceServiceRequest> received_;
  std::string content_type_, api_key_;
  std::unique_ptr<http::Server> server_;
};

std::vector<std::unique_ptr<telemetry::SpanData>> OneSpan() {
  auto s = std::make_unique<telemetry::SpanData>();
  s->context = *telemetry::ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  s->parent_span_id = "a3ce929d0e0e4736";
  s->parent_remote = true;
  s->name = "POST /v1/chat/completions";
  s->kind = telemetry::SpanKind::kServer;
  s->start_unix_nanos = 1'000;
  s->end_unix_nanos = 2'000;
  s->attributes = {{"http.response.status_code", int64_t{503}}, {"url.scheme", std::string("http")}};
  s->error = true;
  s->status_message = "no deployment";
  std::vector<std::unique_ptr<telemetry::SpanData>> batch;
  batch.push_back(std::move(s));
  return batch;
}

TEST(OtlpExporterTest, SendsTheBatchAsProtobufWithTheSpecsFields) {
  Receiver rx;
  auto exporter = HttpExporter::Create({.endpoint = rx.url(), .headers = {{"api-key", "secret"}},
                                        .resource = {{"service.name", "llmgw-gateway"}}});
  ASSERT_TRUE(exporter.ok());
  EXPECT_TRUE((*exporter)->Export(OneSpan()));
  std::lock_guard lock(rx.mu_);
  ASSERT_EQ(rx.received_.size(), 1u);
  EXPECT_EQ(rx.content_type_, "application/x-protobuf");
  EXPECT_EQ(rx.api_key_, "secret");
  const auto& rs = rx.received_[0].resource_spans(0);
  EXPECT_EQ(rs.resource().attributes(0).key(), "service.name");
  EXPECT_EQ(rs.resource().attributes(0).value().string_value(), "llmgw-gateway");
  EXPECT_EQ(rs.scope_spans(0).scope().name(), "llmgw");
  const auto& span = rs.scope_spans(0).spans(0);
  EXPECT_EQ(BytesToHex(span.trace_id()), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(BytesToHex(span.span_id()), "00f067aa0ba902b7");
  EXPECT_EQ(BytesToHex(span.parent_span_id()), "a3ce929d0e0e4736");
  EXPECT_EQ(span.kind(), pb::trace::v1::Span::SPAN_KIND_SERVER);
  EXPECT_EQ(span.start_time_unix_nano(), 1'000u);
  EXPECT_EQ(span.end_time_unix_nano(), 2'000u);
  EXPECT_EQ(span.status().code(), pb::trace::v1::Status::STATUS_CODE_ERROR);
  EXPECT_EQ(span.status().message(), "no deployment");
  EXPECT_EQ(span.flags(), 0x301u);  // sampled, parent known to be remote
  EXPECT_EQ(span.attributes(0).value().int_value(), 503);
  EXPECT_EQ(span.attributes(1).value().string_value(), "http");
}

TEST(OtlpExporterTest, RetriesOnlyWhatTheSpecAllows) {
  Receiver busy({503, 502});
  auto exporter = HttpExporter::Create({.endpoint = busy.url(), .timeout = std::chrono::seconds(5)});
  EXPECT_TRUE((*exporter)->Export(OneSpan()));
  EXPECT_EQ(busy.posts(), 3);

  Receiver refusing({400});
  exporter = HttpExporter::Create({.endpoint = refusing.url()});
  EXPECT_FALSE((*exporter)->Export(OneSpan()));
  EXPECT_EQ(refusing.posts(), 1);  // a 400 is never retried

  // Retry-After: 1 s would pass the 500 ms export timeout: give up instead of waiting.
  Receiver throttling({429, 429});
  exporter = HttpExporter::Create({.endpoint = throttling.url(), .timeout = std::chrono::milliseconds(500)});
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE((*exporter)->Export(OneSpan()));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
  EXPECT_EQ(throttling.posts(), 1);
}

TEST(OtlpExporterTest, AnUnreachableReceiverFailsWithinTheTimeout) {
  auto exporter = HttpExporter::Create({.endpoint = "http://127.0.0.1:1/v1/traces", .timeout = std::chrono::milliseconds(400)});
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE((*exporter)->Export(OneSpan()));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

}  // namespace
}  // namespace llmgw::otlp
