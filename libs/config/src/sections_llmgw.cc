// llmgw's own sections: `llmgw:` (addresses, limits, storage) and `sla:` (the SLO contract).
#include "absl/strings/str_cat.h"
#include "reader.h"

namespace llmgw::config::internal {
namespace {

using H = HttpSettings;

const Field<H> kHttp[] = {
    {"listen", "host:port", "127.0.0.1:4000", "", "Address of the REST edge (OpenAI API).",
     [](const YAML::Node& v, const std::string& p, Context& c, H& o) {
       if (auto s = ReadHostPort(v, p, c)) o.listen = *s;
     }},
    {"threads", "integer", "2", "1..64", "Event-loop threads of the HTTP edge.",
     [](const YAML::Node& v, const std::string& p, Context& c, H& o) {
       if (auto x = ReadInt(v, p, c, 1, 64)) o.threads = static_cast<int>(*x);
     }},
    {"max_body_bytes", "integer", "10485760", "1024..1073741824",
     "Largest request body; larger ones get 413.",
     [](const YAML::Node& v, const std::string& p, Context& c, H& o) {
       if (auto x = ReadInt(v, p, c, 1024, int64_t{1} << 30)) o.max_body_bytes = *x;
     }},
    {"max_header_bytes", "integer", "65536", "1024..1048576",
     "Largest request head (request line and headers); larger ones get 431.",
     [](const YAML::Node& v, const std::string& p, Context& c, H& o) {
       if (auto x = ReadInt(v, p, c, 1024, 1 << 20)) o.max_header_bytes = *x;
     }},
    {"header_timeout_ms", "milliseconds", "10000", ">= 100",
     "Time a client has to send a whole request head and body.",
     [](const YAML::Node& v, const std::string& p, Context& c, H& o) {
       if (auto x = ReadMillis(v, p, c, 100)) o.header_timeout = *x;
     }},
    {"idle_timeout_ms", "milliseconds", "60000", ">= 100",
     "How long an idle keep-alive connection stays open.",
     [](const YAML::Node& v, const std::string& p, Context& c, H& o) {
       if (auto x = ReadMillis(v, p, c, 100)) o.idle_timeout = *x;
     }},
    {"write_timeout_ms", "milliseconds", "30000", ">= 100",
     "Longest a client may take to accept one write; slower clients are dropped.",
     [](const YAML::Node& v, const std::string& p, Context& c, H& o) {
       if (auto x = ReadMillis(v, p, c, 100)) o.write_timeout = *x;
     }},
};

const Field<ServiceAddress> kAddress[] = {
    {"listen", "host:port", "(per service)", "", "Where the service listens as its own target.",
     [](const YAML::Node& v, const std::string& p, Context& c, ServiceAddress& o) {
       if (auto s = ReadHostPort(v, p, c)) o.listen = *s;
     }},
    {"endpoint", "host:port", "the listen address", "",
     "How the other services reach it in split mode.",
     [](const YAML::Node& v, const std::string& p, Context& c, ServiceAddress& o) {
       if (auto s = ReadHostPort(v, p, c)) o.endpoint = *s;
     }},
    {"metrics_listen", "host:port", "none", "",
     "Where the service serves GET /metrics (Prometheus text) as its own target; the gateway serves it on its HTTP port, `--target all` there for every service.",
     [](const YAML::Node& v, const std::string& p, Context& c, ServiceAddress& o) {
       if (auto s = ReadHostPort(v, p, c)) o.metrics_listen = *s;
     }},
};

void ParseAddress(const YAML::Node& v, const std::string& p, Context& c, ServiceAddress& o) {
  ServiceAddress parsed;
  ParseMapping<ServiceAddress>(v, p, kAddress, c, parsed);
  if (!parsed.listen.empty()) o.listen = parsed.listen;
  o.endpoint = !parsed.endpoint.empty() ? parsed.endpoint : o.listen;
  o.metrics_listen = parsed.metrics_listen;
}

using L = LlmgwSettings;

const Field<L> kServices[] = {
    {"keymgr", "mapping", "listen 127.0.0.1:50052", "", "keymgr's address.",
     [](const YAML::Node& v, const std::string& p, Context& c, L& o) {
       ParseAddress(v, p, c, o.keymgr);
     }},
    {"router", "mapping", "listen 127.0.0.1:50053", "", "router's address.",
     [](const YAML::Node& v, const std::string& p, Context& c, L& o) {
       ParseAddress(v, p, c, o.router);
     }},
    {"spend", "mapping", "listen 127.0.0.1:50054", "", "spend's address.",
     [](const YAML::Node& v, const std::string& p, Context& c, L& o) {
       ParseAddress(v, p, c, o.spend);
     }},
    {"health", "mapping", "listen 127.0.0.1:50055", "", "the health aggregator's address.",
     [](const YAML::Node& v, const std::string& p, Context& c, L& o) {
       ParseAddress(v, p, c, o.health);
     }},
    {"gateway", "mapping", "endpoint: llmgw.grpc_listen", "endpoint only",
     "How the health aggregator reaches the gateway's gRPC port for SLO counts in split mode; the gateway listens on llmgw.grpc_listen.",
     [](const YAML::Node& v, const std::string& p, Context& c, L& o) {
       ServiceAddress parsed;
       ParseMapping<ServiceAddress>(v, p, kAddress, c, parsed);
       if (!parsed.listen.empty()) {
         c.Error(v["listen"], p + ".listen", "the gateway listens on llmgw.grpc_listen; set only endpoint here");
         return;
       }
       if (!parsed.metrics_listen.empty()) {
         c.Error(v["metrics_listen"], p + ".metrics_listen", "the gateway serves /metrics on llmgw.http.listen");
         return;
       }
       o.gateway_endpoint = parsed.endpoint;
     }},
};

const Field<L> kLlmgw[] = {
    {"data_dir", "path", "./data", "", "Where the embedded SQLite stores keep their files (keymgr.db; spend's ledger comes with it). Created at start.",
     [](const YAML::Node& v, const std::string& p, Context& c, L& o) {
       auto s = ReadString(v, p, c);
       if (!s) return;
       if (s->empty()) {
         c.Error(v, p, "must not be empty");
         return;
       }
       o.data_dir = *s;
     }},
    {"soft_budget_webhook_url", "URL", "none", "http:// or https://",
     "Where spend POSTs a JSON event (type soft_budget_reached, scope, spend, soft_budget, period) the first time a soft_budget is reached in its period. The event is also a log line and a metric.",
     [](const YAML::Node& v, const std::string& p, Context& c, L& o) {
       auto s = ReadString(v, p, c);
       if (!s) return;
       if (s->rfind("http://", 0) != 0 && s->rfind("https://", 0) != 0) {
         c.Error(v, p, "must start with http:// or https://");
         return;
       }
       o.soft_budget_webhook_url = *s;
     }},
    {"grpc_listen", "host:port", "127.0.0.1:50051", "",
     "The gRPC port: every service's API, health and reflection under `--target all`, the "
     "gateway's inference API in split mode.",
     [](const YAML::Node& v, const std::string& p, Context& c, L& o) {
       if (auto s = ReadHostPort(v, p, c)) o.grpc_listen = *s;
     }},
    {"http", "mapping", "", "", "The REST edge (below).",
     [](const YAML::Node& v, const std::string& p, Context& c, L& o) {
       ParseMapping<H>(v, p, kHttp, c, o.http);
     }},
    {"services", "mapping", "", "", "Addresses of keymgr, router, spend, health (below).",
     [](const YAML::Node& v, const std::string& p, Context& c, L& o) {
       ParseMapping<L>(v, p, kServices, c, o);
     }},
    {"rpc_timeout_ms", "milliseconds", "5000", ">= 1",
     "Deadline of control RPCs between services (admission, model lists).",
     [](const YAML::Node& v, const std::string& p, Context& c, L& o) {
       if (auto x = ReadMillis(v, p, c, 1)) o.rpc_timeout = *x;
     }},
    {"request_timeout_seconds", "seconds", "600", "> 0",
     "Deadline of a whole non-streaming request through the gateway.",
     [](const YAML::Node& v, const std::string& p, Context& c, L& o) {
       if (auto x = ReadSeconds(v, p, c)) o.request_timeout = *x;
     }},
    {"max_stream_duration_seconds", "seconds", "3600", "> 0",
     "Longest a stream may last end to end.",
     [](const YAML::Node& v, const std::string& p, Context& c, L& o) {
       if (auto x = ReadSeconds(v, p, c)) o.max_stream_duration = *x;
     }},
    {"shutdown_grace_seconds", "seconds", "20", "> 0",
     "On SIGTERM, how long in-flight requests may take to finish.",
     [](const YAML::Node& v, const std::string& p, Context& c, L& o) {
       if (auto x = ReadSeconds(v, p, c)) o.shutdown_grace = *x;
     }},
    {"auth_cache_ttl_ms", "milliseconds", "1000", "0..60000",
     "How long the gateway reuses a resolved key while keymgr's change stream is down (0: ask keymgr every time). While it is up, general_settings.user_api_key_cache_ttl applies and changes arrive on the stream.",
     [](const YAML::Node& v, const std::string& p, Context& c, L& o) {
       if (auto x = ReadInt(v, p, c, 0, 60'000)) o.auth_cache_ttl = Millis(*x);
     }},
    {"max_upstream_requests", "integer", "10000", "1..1000000",
     "Provider calls in flight per router; more are refused with 503.",
     [](const YAML::Node& v, const std::string& p, Context& c, L& o) {
       if (auto x = ReadInt(v, p, c, 1, 1'000'000)) o.max_upstream_requests = *x;
     }},
};

const Field<Sla> kSla[] = {
    {"max_p95_overhead_ms", "milliseconds", "none", "> 0",
     "Target: p95 latency the gateway adds to provider time.",
     [](const YAML::Node& v, const std::string& p, Context& c, Sla& o) {
       if (auto x = ReadNumber(v, p, c, 0, false)) o.max_p95_overhead_ms = *x;
     }},
    {"min_availability_pct", "percent", "none", "> 0, <= 100",
     "Target: share of inference requests answered without a server error (5xx, or a stream failing mid-way); 4xx answers do not count.",
     [](const YAML::Node& v, const std::string& p, Context& c, Sla& o) {
       if (auto x = ReadNumber(v, p, c, 0, false, 100)) o.min_availability_pct = *x;
     }},
    {"max_cost_per_call_usd", "USD", "none", "> 0", "Target: average cost of one call.",
     [](const YAML::Node& v, const std::string& p, Context& c, Sla& o) {
       if (auto x = ReadNumber(v, p, c, 0, false)) o.max_cost_per_call_usd = *x;
     }},
    {"window", "duration", "30d", "> 0 (s, m, h or d)", "The window the targets are measured over.",
     [](const YAML::Node& v, const std::string& p, Context& c, Sla& o) {
       if (auto s = ReadDurationText(v, p, c)) {
         o.window = *s;
         o.window_length = DurationTextSeconds(*s);
       }
     }},
};

}  // namespace

void ParseLlmgw(const YAML::Node& node, Context& ctx, Config& out) {
  ParseMapping<L>(node, "llmgw", kLlmgw, ctx, out.llmgw);
}

void ParseSla(const YAML::Node& node, Context& ctx, Config& out) {
  ParseMapping<Sla>(node, "sla", kSla, ctx, out.sla);
}

void DocumentLlmgw(std::vector<DocumentedField>& out) {
  Document<L>("llmgw", kLlmgw, out);
  Document<H>("llmgw.http", kHttp, out);
  Document<L>("llmgw.services", kServices, out);
  Document<ServiceAddress>("llmgw.services.<service>", kAddress, out);
  Document<Sla>("sla", kSla, out);
}

}  // namespace llmgw::config::internal
