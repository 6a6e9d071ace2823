#include "interceptors.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>
#include <string>

#include "llmgw/rpc/call_context.h"
#include "llmgw/telemetry/log.h"
#include "llmgw/telemetry/metrics.h"
#include "llmgw/telemetry/tracing.h"

namespace llmgw::rpc::internal {
namespace {

using grpc::experimental::InterceptionHookPoints;

// "/pkg.Service/Method" -> ("pkg.Service", "Method").
std::pair<std::string, std::string> SplitMethod(const char* full) {
  std::string m = full == nullptr ? "" : full;
  if (!m.empty() && m[0] == '/') m.erase(0, 1);
  auto slash = m.find('/');
  if (slash == std::string::npos) return {m, ""};
  return {m.substr(0, slash), m.substr(slash + 1)};
}

bool IsInfrastructure(const std::string& service) {
  return service == "grpc.health.v1.Health" ||
         service.rfind("grpc.reflection.", 0) == 0;
}

// Subscriptions (WatchPrincipals, WatchSystemHealth) live as long as their watcher: they
// are not work a drain waits for, and their durations would only skew latency metrics.
bool IsSubscription(const std::string& method) { return method.rfind("Watch", 0) == 0; }

const char* CodeName(grpc::StatusCode code) {
  static const char* kNames[] = {"OK",
                                 "CANCELLED",
                                 "UNKNOWN",
                                 "INVALID_ARGUMENT",
                                 "DEADLINE_EXCEEDED",
                                 "NOT_FOUND",
                                 "ALREADY_EXISTS",
                                 "PERMISSION_DENIED",
                                 "RESOURCE_EXHAUSTED",
                                 "FAILED_PRECONDITION",
                                 "ABORTED",
                                 "OUT_OF_RANGE",
                                 "UNIMPLEMENTED",
                                 "INTERNAL",
                                 "UNAVAILABLE",
                                 "DATA_LOSS",
                                 "UNAUTHENTICATED"};
  int i = static_cast<int>(code);
  return i >= 0 && i < 17 ? kNames[i] : "UNKNOWN";
}

// Server spans are ERROR only for codes that say the server failed (RPC conventions).
bool ServerFault(grpc::StatusCode c) {
  using C = grpc::StatusCode;
  return c == C::UNKNOWN || c == C::DEADLINE_EXCEEDED || c == C::UNIMPLEMENTED || c == C::INTERNAL ||
         c == C::UNAVAILABLE || c == C::DATA_LOSS;
}

void SetRpcAttributes(telemetry::Span& span, const std::string& service, const std::string& method) {
  span.SetAttribute("rpc.system", "grpc");
  span.SetAttribute("rpc.service", service);
  span.SetAttribute("rpc.method", method);
}

void EndRpcSpan(telemetry::Span& span, grpc::StatusCode code, bool error) {
  if (!span.recording()) return;
  span.SetAttribute("rpc.grpc.status_code", static_cast<int64_t>(code));
  if (error) {
    span.SetAttribute("error.type", CodeName(code));
    span.SetError(CodeName(code));
  }
  span.End();
}

class ServerInterceptor final : public grpc::experimental::Interceptor {
 public:
  ServerInterceptor(grpc::experimental::ServerRpcInfo* info, std::shared_ptr<RpcMetrics> metrics)
      : info_(info), metrics_(std::move(metrics)), start_(std::chrono::steady_clock::now()) {
    std::tie(service_, method_) = SplitMethod(info->method());
    counted_ = !IsInfrastructure(service_) && !IsSubscription(method_);
    if (counted_) {
      metrics_->inflight.fetch_add(1, std::memory_order_relaxed);
      metrics_->server_inflight->Add({{"grpc_service", service_}}).Increment();
    }
  }

  ~ServerInterceptor() override {
    EndRpcSpan(span_, code_, ServerFault(code_));
    if (!counted_) return;
    metrics_->inflight.fetch_sub(1, std::memory_order_relaxed);
    metrics_->server_inflight->Add({{"grpc_service", service_}}).Decrement();
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const char* code = CodeName(code_);
    metrics_->server_handled
        ->Add({{"grpc_service", service_}, {"grpc_method", method_}, {"grpc_code", code}})
        .Increment();
    metrics_->server_seconds
        ->Add({{"grpc_service", service_}, {"grpc_method", method_}},
              telemetry::LatencyBuckets())
        .Observe(seconds);
    if (code_ != grpc::StatusCode::OK) {
      log::Info("rpc failed", {{"grpc_service", service_},
                               {"grpc_method", method_},
                               {"grpc_code", code},
                               {"duration_ms", seconds * 1000},
                               {"request_id", request_id_},
                               {"trace_id", span_.context().trace_id},
                               {"span_id", span_.context().span_id}});
    } else {
      log::Debug("rpc", {{"grpc_service", service_},
                         {"grpc_method", method_},
                         {"duration_ms", seconds * 1000},
                         {"request_id", request_id_}});
    }
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      auto* md = methods->GetRecvInitialMetadata();
      if (md != nullptr) {
        auto it = md->find(kRequestIdKey);
        if (it != md->end()) request_id_.assign(it->second.data(), it->second.size());
        if (counted_) StartSpan(*md);
      }
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      auto* md = methods->GetSendInitialMetadata();
      if (md != nullptr && !request_id_.empty() && md->find(kRequestIdKey) == md->end()) {
        md->emplace(kRequestIdKey, request_id_);
      }
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      code_ = methods->GetSendStatus().error_code();
      sent_status_ = true;
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_CLOSE) &&
        !sent_status_) {
      code_ = grpc::StatusCode::CANCELLED;
    }
    methods->Proceed();
  }

 private:
  // The server span of a call that carries a trace, child of the caller's span. The
  // traceparent the handler reads (FromServerContext) is rewritten to name this span, so
  // the calls it makes are its children. Calls without a valid traceparent (operator tools,
  // background batches, health polls) get no span.
  void StartSpan(std::multimap<grpc::string_ref, grpc::string_ref>& md) {
    if (!telemetry::TracingEnabled()) return;  // the caller's traceparent passes on as it is
    auto tp = md.find(kTraceparentKey);
    if (tp == md.end()) return;
    auto parent = telemetry::ParseTraceparent(std::string_view(tp->second.data(), tp->second.size()));
    if (!parent) return;
    auto ts = md.find(kTracestateKey);
    if (ts != md.end()) {
      parent->tracestate = telemetry::SanitizeTracestate(std::string_view(ts->second.data(), ts->second.size()));
    }
    span_ = telemetry::StartSpan(telemetry::SpanName({service_, "/", method_}), telemetry::SpanKind::kServer, &*parent, true);
    SetRpcAttributes(span_, service_, method_);
    traceparent_ = span_.context().ToTraceparent();
    tp->second = grpc::string_ref(traceparent_);
  }

  grpc::experimental::ServerRpcInfo* info_;
  std::shared_ptr<RpcMetrics> metrics_;
  std::chrono::steady_clock::time_point start_;
  std::string service_;
  std::string method_;
  std::string request_id_;
  bool counted_ = false;
  bool sent_status_ = false;
  grpc::StatusCode code_ = grpc::StatusCode::CANCELLED;
  telemetry::Span span_;
  std::string traceparent_;  // what the rewritten metadata points at
};

class ServerFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit ServerFactory(std::shared_ptr<RpcMetrics> m) : metrics_(std::move(m)) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new ServerInterceptor(info, metrics_);
  }

 private:
  std::shared_ptr<RpcMetrics> metrics_;
};

class ClientInterceptor final : public grpc::experimental::Interceptor {
 public:
  ClientInterceptor(grpc::experimental::ClientRpcInfo* info, std::shared_ptr<RpcMetrics> metrics)
      : metrics_(std::move(metrics)), start_(std::chrono::steady_clock::now()) {
    std::tie(service_, method_) = SplitMethod(info->method());
    // Subscriptions (Watch*) live as long as their watcher: they have no deadline by design.
    if (info->client_context() != nullptr && !IsSubscription(method_) &&
        info->client_context()->deadline() == std::chrono::system_clock::time_point::max()) {
      // Every call must have a deadline (NewClientContext gives one); count the offenders.
      metrics_->client_without_deadline->Add({{"grpc_service", service_}, {"grpc_method", method_}})
          .Increment();
      log::Warn("rpc without deadline", {{"grpc_service", service_}, {"grpc_method", method_}});
    }
  }

  ~ClientInterceptor() override {
    EndRpcSpan(span_, code_, code_ != grpc::StatusCode::OK);
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    metrics_->client_handled
        ->Add({{"grpc_service", service_}, {"grpc_method", method_}, {"grpc_code", CodeName(code_)}})
        .Increment();
    metrics_->client_seconds
        ->Add({{"grpc_service", service_}, {"grpc_method", method_}}, telemetry::LatencyBuckets())
        .Observe(seconds);
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      if (auto* md = methods->GetSendInitialMetadata()) StartSpan(*md);
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_STATUS)) {
      if (auto* s = methods->GetRecvStatus()) code_ = s->error_code();
    }
    methods->Proceed();
  }

 private:
  // A client span for a call that carries a trace (the caller's traceparent becomes its
  // parent, and the server sees the client span as its parent). Calls without one (health
  // checks, background work) and subscriptions get none.
  void StartSpan(std::multimap<std::string, std::string>& md) {
    if (!telemetry::TracingEnabled() || IsInfrastructure(service_) || IsSubscription(method_)) return;
    auto tp = md.find(kTraceparentKey);
    if (tp == md.end()) return;
    auto parent = telemetry::ParseTraceparent(tp->second);
    if (!parent) return;
    auto ts = md.find(kTracestateKey);
    if (ts != md.end()) parent->tracestate = ts->second;
    span_ = telemetry::StartSpan(telemetry::SpanName({service_, "/", method_}), telemetry::SpanKind::kClient, &*parent, false);
    SetRpcAttributes(span_, service_, method_);
    tp->second = span_.context().ToTraceparent();
  }

  std::shared_ptr<RpcMetrics> metrics_;
  std::chrono::steady_clock::time_point start_;
  std::string service_;
  std::string method_;
  grpc::StatusCode code_ = grpc::StatusCode::CANCELLED;
  telemetry::Span span_;
};

class ClientFactory final : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit ClientFactory(std::shared_ptr<RpcMetrics> m) : metrics_(std::move(m)) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo* info) override {
    return new ClientInterceptor(info, metrics_);
  }

 private:
  std::shared_ptr<RpcMetrics> metrics_;
};

}  // namespace

RpcMetrics::RpcMetrics(prometheus::Registry* registry) {
  server_handled = &prometheus::BuildCounter()
                        .Name("llmgw_grpc_server_handled_total")
                        .Help("RPCs completed on the server, by method and status code.")
                        .Register(*registry);
  server_seconds = &prometheus::BuildHistogram()
                        .Name("llmgw_grpc_server_handling_seconds")
                        .Help("Time from receiving an RPC to sending its status.")
                        .Register(*registry);
  server_inflight = &prometheus::BuildGauge()
                         .Name("llmgw_grpc_server_inflight")
                         .Help("RPCs in progress on the server (health and reflection excluded).")
                         .Register(*registry);
  client_handled = &prometheus::BuildCounter()
                        .Name("llmgw_grpc_client_handled_total")
                        .Help("RPCs completed by clients, by method and status code.")
                        .Register(*registry);
  client_seconds = &prometheus::BuildHistogram()
                        .Name("llmgw_grpc_client_handling_seconds")
                        .Help("Time from starting an RPC to receiving its status.")
                        .Register(*registry);
  client_without_deadline = &prometheus::BuildCounter()
                                 .Name("llmgw_grpc_client_calls_without_deadline_total")
                                 .Help("Outgoing RPCs started without a deadline (a bug).")
                                 .Register(*registry);
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> NewServerInterceptorFactory(
    std::shared_ptr<RpcMetrics> metrics) {
  return std::make_unique<ServerFactory>(std::move(metrics));
}

std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface> NewClientInterceptorFactory(
    std::shared_ptr<RpcMetrics> metrics) {
  return std::make_unique<ClientFactory>(std::move(metrics));
}

}  // namespace llmgw::rpc::internal
