#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>

#include "llmgw/telemetry/otel_settings.h"
#include "llmgw/telemetry/span_processor.h"
#include "llmgw/telemetry/tracing.h"

namespace llmgw::telemetry {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

class Collect final : public SpanSink {
 public:
  void OnEnd(std::unique_ptr<SpanData> s) override {
    std::lock_guard lock(mu);
    spans.push_back(std::move(s));
  }
  std::mutex mu;
  std::vector<std::unique_ptr<SpanData>> spans;
};

class TracingTest : public ::testing::Test {
 protected:
  void TearDown() override { InstallTracing(nullptr, {}); }
};

TEST_F(TracingTest, WithoutASinkNothingRecordsButTheContextPropagates) {
  InstallTracing(nullptr, {});
  auto parent = ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  Span s = StartSpan("x", SpanKind::kServer, &*parent, true);
  EXPECT_FALSE(s.recording());
  EXPECT_EQ(s.context().trace_id, parent->trace_id);
  EXPECT_NE(s.context().span_id, parent->span_id);
  EXPECT_EQ(s.context().flags, 0x01);
  Span root = StartSpan("y", SpanKind::kServer, nullptr, false);
  EXPECT_EQ(root.context().flags & 0x01, 0x01);  // downstream processes may still record
}

TEST_F(TracingTest, RecordsChildrenWithParentLinksTimesAttributesAndStatus) {
  auto sink = std::make_shared<Collect>();
  InstallTracing(sink, {});
  auto incoming = ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  incoming->tracestate = "vendor=x";
  {
    Span server = StartSpan("POST /v1/chat/completions", SpanKind::kServer, &*incoming, true);
    ASSERT_TRUE(server.recording());
    Span client = StartSpan("llmgw.router.v1.Router/RouteChat", SpanKind::kClient, &server.context(), false);
    client.SetAttribute("rpc.grpc.status_code", 14);
    client.SetError("UNAVAILABLE");
    client.End();
    server.SetAttribute("http.response.status_code", 200);
    server.SetAttribute("url.scheme", "http");
  }  // ends on destruction
  ASSERT_EQ(sink->spans.size(), 2u);
  const SpanData& client = *sink->spans[0];
  const SpanData& server = *sink->spans[1];
  EXPECT_EQ(server.parent_span_id, "00f067aa0ba902b7");
  EXPECT_TRUE(server.parent_remote);
  EXPECT_EQ(server.context.tracestate, "vendor=x");
  EXPECT_EQ(client.parent_span_id, server.context.span_id);
  EXPECT_FALSE(client.parent_remote);
  EXPECT_EQ(client.context.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(client.kind, SpanKind::kClient);
  EXPECT_TRUE(client.error);
  EXPECT_EQ(client.status_message, "UNAVAILABLE");
  EXPECT_LE(server.start_unix_nanos, client.start_unix_nanos);
  EXPECT_GE(server.end_unix_nanos, client.end_unix_nanos);
  ASSERT_EQ(server.attributes.size(), 2u);
  EXPECT_EQ(std::get<int64_t>(server.attributes[0].second), 200);
  EXPECT_EQ(std::get<std::string>(server.attributes[1].second), "http");
}

TEST_F(TracingTest, ParentBasedSamplingFollowsTheParentAndRatioDecidesRoots) {
  auto sink = std::make_shared<Collect>();
  InstallTracing(sink, {});
  auto unsampled = ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  Span s = StartSpan("x", SpanKind::kServer, &*unsampled, true);
  EXPECT_FALSE(s.recording());
  EXPECT_EQ(s.context().flags & 0x01, 0);  // and says so downstream

  Sampler off{.root = Sampler::Root::kAlwaysOff};
  EXPECT_FALSE(off.ShouldSample(nullptr, "4bf92f3577b34da6a3ce929d0e0e4736"));
  Sampler half{.root = Sampler::Root::kRatio, .ratio = 0.5, .parent_based = false};
  // The last 8 bytes decide: 0x0000... is below any ratio, 0xffff... above.
  EXPECT_TRUE(half.ShouldSample(nullptr, "ffffffffffffffff0000000000000001"));
  EXPECT_FALSE(half.ShouldSample(nullptr, "0000000000000000ffffffffffffffff"));
  int sampled = 0;
  for (int i = 0; i < 2000; ++i) sampled += half.ShouldSample(nullptr, TraceContext::NewRoot().trace_id) ? 1 : 0;
  EXPECT_NEAR(sampled, 1000, 150);
}

class Slow final : public SpanExporter {
 public:
  bool Export(const std::vector<std::unique_ptr<SpanData>>& batch) override {
    std::lock_guard lock(mu);
    batches.push_back(batch.size());
    return ok;
  }
  std::mutex mu;
  std::vector<size_t> batches;
  bool ok = true;
};

std::unique_ptr<SpanData> Data() { return std::make_unique<SpanData>(); }

TEST(BatchSpanProcessorTest, ExportsInBatchesAndFlushesOnShutdown) {
  auto exporter = std::make_unique<Slow>();
  Slow* seen = exporter.get();
  BatchSpanProcessor p(std::move(exporter), {.max_queue_size = 100, .max_export_batch_size = 4,
                                             .schedule_delay = std::chrono::seconds(60)}, nullptr);
  for (int i = 0; i < 10; ++i) p.OnEnd(Data());
  p.Shutdown(std::chrono::steady_clock::now() + std::chrono::seconds(5));
  EXPECT_THAT(seen->batches, ElementsAre(4, 4, 2));
  EXPECT_EQ(p.exported(), 10u);
  EXPECT_EQ(p.dropped(), 0u);
  p.OnEnd(Data());  // after shutdown: dropped, counted
  EXPECT_EQ(p.dropped(), 1u);
}

TEST(BatchSpanProcessorTest, AFullQueueDropsAndCountsInsteadOfWaiting) {
  class Blocked final : public SpanExporter {
   public:
    bool Export(const std::vector<std::unique_ptr<SpanData>>&) override {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return open; });
      return false;  // the receiver refused
    }
    std::mutex mu;
    std::condition_variable cv;
    bool open = false;
  };
  auto exporter = std::make_unique<Blocked>();
  Blocked* b = exporter.get();
  BatchSpanProcessor p(std::move(exporter), {.max_queue_size = 8, .max_export_batch_size = 2,
                                             .schedule_delay = std::chrono::milliseconds(1)}, nullptr);
  for (int i = 0; i < 1000; ++i) p.OnEnd(Data());  // returns at once although nothing is sent
  EXPECT_GE(p.dropped(), 1000u - 8u - 2u);
  {
    std::lock_guard lock(b->mu);
    b->open = true;
  }
  b->cv.notify_all();
  p.Shutdown(std::chrono::steady_clock::now() + std::chrono::seconds(5));
  EXPECT_EQ(p.dropped() + p.exported(), 1000u);  // every span is one or the other
  EXPECT_EQ(p.exported(), 0u);
}

EnvVar Env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(OtelSettingsTest, OffUnlessAnEndpointIsConfigured) {
  EXPECT_FALSE(ReadOtelSettings(Env({}), "llmgw").enabled);
  auto s = ReadOtelSettings(Env({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318/p/"}}), "llmgw");
  EXPECT_TRUE(s.enabled);
  EXPECT_EQ(s.endpoint, "http://c:4318/p/v1/traces");
  EXPECT_EQ(ReadOtelSettings(Env({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"}}), "x").endpoint,
            "http://c:4318/v1/traces");
  // The traces endpoint is used as it is, and wins.
  EXPECT_EQ(ReadOtelSettings(Env({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"},
                                  {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://t:9/custom"}}), "x").endpoint,
            "http://t:9/custom");
  EXPECT_EQ(ReadOtelSettings(Env({{"OTEL_TRACES_EXPORTER", "otlp"}}), "x").endpoint, "http://localhost:4318/v1/traces");
  EXPECT_FALSE(ReadOtelSettings(Env({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://c"}, {"OTEL_SDK_DISABLED", "true"}}), "x")
                   .enabled);
  EXPECT_FALSE(ReadOtelSettings(Env({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://c"}, {"OTEL_TRACES_EXPORTER", "none"}}), "x")
                   .enabled);
}

TEST(OtelSettingsTest, HeadersTimeoutResourceAndBatchLimits) {
  auto s = ReadOtelSettings(Env({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://c"},
                                 {"OTEL_EXPORTER_OTLP_HEADERS", "api-key=a%2Cb, x-team = ops"},
                                 {"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "2500"},
                                 {"OTEL_RESOURCE_ATTRIBUTES", "service.name=from-attrs,deployment.environment=prod"},
                                 {"OTEL_BSP_MAX_QUEUE_SIZE", "100"},
                                 {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "500"},
                                 {"OTEL_BSP_SCHEDULE_DELAY", "200"}}),
                            "llmgw-router");
  EXPECT_THAT(s.headers, ElementsAre(Pair("api-key", "a,b"), Pair("x-team", "ops")));
  EXPECT_EQ(s.timeout, std::chrono::milliseconds(2500));
  EXPECT_THAT(s.resource, ElementsAre(Pair("service.name", "from-attrs"), Pair("deployment.environment", "prod")));
  EXPECT_EQ(s.batch.max_queue_size, 100u);
  EXPECT_EQ(s.batch.max_export_batch_size, 100u);  // never above the queue
  EXPECT_EQ(s.batch.schedule_delay, std::chrono::milliseconds(200));
  // OTEL_SERVICE_NAME wins over the resource attributes; a bad list is dropped whole.
  s = ReadOtelSettings(Env({{"OTEL_SERVICE_NAME", "edge"}, {"OTEL_RESOURCE_ATTRIBUTES", "service.name=a,bad%zz=1"}}),
                       "llmgw");
  EXPECT_THAT(s.resource, ElementsAre(Pair("service.name", "edge")));
  EXPECT_THAT(s.warnings, ElementsAre(HasSubstr("OTEL_RESOURCE_ATTRIBUTES")));
  EXPECT_THAT(ReadOtelSettings(Env({}), "llmgw-keymgr").resource, ElementsAre(Pair("service.name", "llmgw-keymgr")));
}

TEST(OtelSettingsTest, SamplerFromTheEnvironment) {
  EXPECT_TRUE(ReadOtelSettings(Env({}), "x").sampler.parent_based);
  EXPECT_FALSE(ReadOtelSettings(Env({}), "x").capture_message_content);  // users' data: off unless asked
  EXPECT_TRUE(ReadOtelSettings(Env({{"OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "TRUE"}}), "x")
                  .capture_message_content);
  auto s = ReadOtelSettings(Env({{"OTEL_TRACES_SAMPLER", "traceidratio"}, {"OTEL_TRACES_SAMPLER_ARG", "0.25"}}), "x");
  EXPECT_EQ(s.sampler.root, Sampler::Root::kRatio);
  EXPECT_FALSE(s.sampler.parent_based);
  EXPECT_EQ(s.sampler.ratio, 0.25);
  s = ReadOtelSettings(Env({{"OTEL_TRACES_SAMPLER", "parentbased_always_off"}}), "x");
  EXPECT_EQ(s.sampler.root, Sampler::Root::kAlwaysOff);
  EXPECT_TRUE(s.sampler.parent_based);
  s = ReadOtelSettings(Env({{"OTEL_TRACES_SAMPLER", "sometimes"}, {"OTEL_BSP_SCHEDULE_DELAY", "-1"}}), "x");
  EXPECT_EQ(s.sampler.root, Sampler::Root::kAlwaysOn);
  EXPECT_EQ(s.warnings.size(), 2u);
  s = ReadOtelSettings(Env({{"OTEL_TRACES_SAMPLER", "traceidratio"}, {"OTEL_TRACES_SAMPLER_ARG", "2"}}), "x");
  EXPECT_EQ(s.sampler.ratio, 1.0);
  EXPECT_EQ(s.warnings.size(), 1u);
}

}  // namespace
}  // namespace llmgw::telemetry
