#include "apps/fake_provider/otlp_receiver.h"

#include <boost/json.hpp>

#include "llmgw/http/server.h"
#include "llmgw/otlp/exporter.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace llmgw::fake {
namespace {

namespace json = boost::json;
namespace pb = opentelemetry::proto;

std::string Hex(const std::string& bytes) { return otlp::BytesToHex(bytes); }

json::value ValueOf(const pb::common::v1::AnyValue& v) {
  switch (v.value_case()) {
    case pb::common::v1::AnyValue::kStringValue: return json::value(v.string_value());
    case pb::common::v1::AnyValue::kBoolValue: return json::value(v.bool_value());
    case pb::common::v1::AnyValue::kIntValue: return json::value(v.int_value());
    case pb::common::v1::AnyValue::kDoubleValue: return json::value(v.double_value());
    default: return json::value(nullptr);
  }
}

}  // namespace

bool OtlpReceiver::Handle(const std::shared_ptr<http::Exchange>& ex) {
  const auto& r = ex->request();
  if (r.path == "/v1/traces") {
    pb::collector::trace::v1::ExportTraceServiceRequest req;
    if (r.method != "POST" || !req.ParseFromString(r.body)) {
      ex->Respond({.status = 400, .content_type = "text/plain", .body = "expected an ExportTraceServiceRequest"});
      return true;
    }
    std::vector<std::string> got;
    for (const auto& rs : req.resource_spans()) {
      std::string service;
      for (const auto& a : rs.resource().attributes()) {
        if (a.key() == "service.name") service = a.value().string_value();
      }
      for (const auto& ss : rs.scope_spans()) {
        for (const auto& s : ss.spans()) {
          json::object attrs;
          for (const auto& a : s.attributes()) attrs[a.key()] = ValueOf(a.value());
          got.push_back(json::serialize(json::object{
              {"service", service},
              {"trace_id", Hex(s.trace_id())},
              {"span_id", Hex(s.span_id())},
              {"parent_span_id", Hex(s.parent_span_id())},
              {"trace_state", s.trace_state()},
              {"name", s.name()},
              {"kind", static_cast<int>(s.kind())},
              {"start", s.start_time_unix_nano()},
              {"end", s.end_time_unix_nano()},
              {"flags", s.flags()},
              {"status", static_cast<int>(s.status().code())},
              {"status_message", s.status().message()},
              {"attributes", attrs}}));
        }
      }
    }
    {
      std::lock_guard lock(mu_);
      ++exports_;
      for (auto& s : got) spans_.push_back(std::move(s));
    }
    std::string body;
    pb::collector::trace::v1::ExportTraceServiceResponse().SerializeToString(&body);
    ex->Respond({.status = 200, .content_type = "application/x-protobuf", .body = body});
    return true;
  }
  if (r.path == "/_fake/spans" && r.method == "GET") {
    std::string out;
    {
      std::lock_guard lock(mu_);
      out = "{\"exports\":" + std::to_string(exports_) + ",\"spans\":[";
      for (size_t i = 0; i < spans_.size(); ++i) out += (i ? "," : "") + spans_[i];
    }
    ex->Respond({.body = out + "]}"});
    return true;
  }
  if (r.path == "/_fake/spans/reset" && r.method == "POST") {
    std::lock_guard lock(mu_);
    spans_.clear();
    exports_ = 0;
    ex->Respond({.body = "{}"});
    return true;
  }
  return false;
}

}  // namespace llmgw::fake
