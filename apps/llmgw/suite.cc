#include "apps/llmgw/suite.h"

#include "apps/llmgw/dependency_probe.h"
#include "apps/llmgw/local_services.h"
#include "apps/llmgw/process_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "llmgw/common/clock.h"
#include "llmgw/common/worker_pool.h"
#include "llmgw/storage/database.h"
#include "llmgw/common/timer_thread.h"
#include "llmgw/http/client.h"
#include "llmgw/http/server.h"
#include "llmgw/otlp/exporter.h"
#include "llmgw/providers/anthropic_provider.h"
#include "llmgw/providers/gemini_provider.h"
#include "llmgw/providers/mock_provider.h"
#include "llmgw/providers/openai_provider.h"
#include "llmgw/rpc/server_host.h"
#include "llmgw/telemetry/log.h"
#include "llmgw/telemetry/metrics.h"
#include "llmgw/telemetry/otel_settings.h"
#include "services/gateway/gateway.h"
#include "services/gateway/inference_grpc.h"
#include "services/gateway/slo_source.h"
#include "services/gateway/rest_api.h"
#include "services/health/health_aggregator.h"
#include "services/keymgr/key_manager_grpc.h"
#include "services/router/router_grpc.h"
#include "services/router/router_metrics.h"
#include "llmgw/pricing/price_table.h"
#include "services/spend/spend_grpc.h"

namespace llmgw::app {

// grpc.health.v1 names of the stores, set by DependencyProbe in the process that owns each.
constexpr char kKeymgrStoreHealth[] = "llmgw.keymgr.v1.KeyManager.store";
constexpr char kSpendStoreHealth[] = "llmgw.spend.v1.SpendService.store";

struct Suite::Parts {
  std::shared_ptr<const config::Config> config;
  Target target = Target::kAll;
  prometheus::Registry registry;
  // Spans to the OTLP receiver (OTEL_* environment); null when tracing is off. Drained
  // last, when every span has ended.
  std::shared_ptr<telemetry::BatchSpanProcessor> spans;
  std::shared_ptr<rpc::internal::RpcMetrics> client_metrics;
  // keymgr
  std::unique_ptr<keymgr::SqlKeyStore> key_store;
  std::unique_ptr<keymgr::InMemoryCounterStore> counters;
  std::unique_ptr<WorkerPool> admin_pool;
  std::unique_ptr<keymgr::KeyManager> key_manager;
  std::unique_ptr<keymgr::KeyManagerGrpc> key_manager_grpc;
  // router
  std::unique_ptr<TimerThread> timers;
  std::unique_ptr<http::Client> upstream;
  std::unique_ptr<providers::MockProvider> mock;
  std::unique_ptr<providers::OpenAIProvider> openai;
  std::unique_ptr<providers::AzureProvider> azure;
  std::unique_ptr<providers::AnthropicProvider> anthropic;
  std::unique_ptr<providers::GeminiProvider> gemini;
  providers::UnsupportedProvider unsupported;
  std::unique_ptr<router::Router> router;
  std::unique_ptr<router::RouterGrpc> router_grpc;
  std::unique_ptr<router::RouterMetrics> router_metrics;
  // --target all: the gateway's hot path into the router (and keymgr, spend) without gRPC.
  std::unique_ptr<LocalCalls> local_calls;
  // spend
  std::unique_ptr<pricing::PriceTable> prices;
  std::unique_ptr<spend::SqlLedgerStore> ledger;
  std::unique_ptr<spend::LedgerWriter> ledger_writer;
  std::unique_ptr<spend::SpendService> spend;
  std::unique_ptr<WorkerPool> query_pool;
  std::unique_ptr<http::Client> webhook_client;
  std::unique_ptr<spend::SpendGrpc> spend_grpc;
  // health
  std::unique_ptr<health::HealthAggregator> aggregator;
  std::unique_ptr<health::HealthAggregatorGrpc> aggregator_grpc;
  // gateway
  std::unique_ptr<gateway::Gateway> gateway;
  std::unique_ptr<gateway::InferenceGrpc> inference_grpc;
  std::unique_ptr<gateway::SloSourceGrpc> slo_source;
  std::unique_ptr<gateway::RestApi> rest;
  std::unique_ptr<http::Server> http;
  // GET /metrics of a service running as its own target (llmgw.services.<s>.metrics_listen).
  std::unique_ptr<http::Server> metrics_http;
  // Before /metrics renders: gauges read from the services (the router's deployments, the
  // queues), each a refresher.
  std::unique_ptr<ProcessMetrics> process_metrics;
  std::vector<std::function<void()>> refreshers;
  std::function<void()> refresh_metrics = [this] {
    for (const auto& r : refreshers) r();
  };
  // Last: destroyed first, before the services it calls into.
  std::unique_ptr<rpc::ServerHost> host;
  // Pings the stores into `host`'s health service: destroyed before it.
  std::unique_ptr<DependencyProbe> dependencies;

  bool Has(Target t) const { return target == Target::kAll || target == t; }
};

namespace {

// A service's SQL store: general_settings.database_url (shared; each service has its own
// tables and migrations), else its own SQLite file under data_dir.
absl::Status MakeDataDir(const config::Config& config) {
  std::error_code ec;
  std::filesystem::create_directories(config.llmgw.data_dir, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("llmgw.data_dir: cannot create '", config.llmgw.data_dir, "': ", ec.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<storage::Database>> OpenStore(const config::Config& config, const char* file) {
  std::string url = config.general_settings.database_url;
  if (url.empty()) {
    if (auto s = MakeDataDir(config); !s.ok()) return s;
    url = "sqlite://" + (std::filesystem::path(config.llmgw.data_dir) / file).string();
  }
  return storage::OpenDatabase(url, {.pool_size = config.general_settings.database_connection_pool_limit});
}

absl::StatusOr<std::unique_ptr<keymgr::SqlKeyStore>> OpenKeyStore(const config::Config& config) {
  auto db = OpenStore(config, "keymgr.db");
  if (!db.ok()) return db.status();
  std::string where = (*db)->description();
  auto store = keymgr::SqlKeyStore::Create(std::move(*db));
  if (!store.ok()) {
    return absl::Status(store.status().code(),
                        absl::StrCat("keymgr store ", where, ": ", store.status().message()));
  }
  log::Info("keymgr store ready", {{"store", where}});
  return store;
}

// A soft budget reached: counted (by scope kind: key, user, team, end_user) and, when a
// webhook is configured, POSTed as JSON (best effort; failures are logged).
std::function<void(const spend::SoftBudgetAlert&)> SoftBudgetNotifier(prometheus::Registry& registry,
                                                                       http::Client* client, std::string url) {
  auto& family = prometheus::BuildCounter()
                     .Name("llmgw_soft_budget_alerts_total")
                     .Help("Soft budgets reached (once per budget period), by scope kind.")
                     .Register(registry);
  return [&family, client, url](const spend::SoftBudgetAlert& a) {
    family.Add({{"scope", a.scope.substr(0, a.scope.find(':'))}}).Increment();
    if (client == nullptr) return;
    std::string body = "{\"type\":\"soft_budget_reached\",\"scope\":\"";
    log::AppendJsonEscaped(body, a.scope);
    body += "\",\"label\":\"";
    log::AppendJsonEscaped(body, a.label);
    body += absl::StrCat("\",\"spend_usd\":", static_cast<double>(a.spend) / 1e6,
                         ",\"soft_budget_usd\":", static_cast<double>(a.soft_budget) / 1e6,
                         ",\"period_start\":", a.period.start, ",\"period_end\":",
                         a.period.lifetime() ? std::string("null") : std::to_string(a.period.end), "}");
    http::ClientRequest req{.method = "POST", .url = url, .body = std::move(body), .timeout = std::chrono::seconds(10)};
    req.headers.emplace_back("Content-Type", "application/json");
    client->Start(std::move(req), {.on_head = [](int status, const http::HeaderList&) {
                                     if (status >= 300) log::Warn("soft budget webhook refused", {{"status", status}});
                                   },
                                   .on_data = [](std::string_view) {},
                                   .on_done = [](absl::Status s) {
                                     if (!s.ok()) log::Warn("soft budget webhook failed", {{"error", std::string(s.message())}});
                                   }});
  };
}

keymgr::ModelCatalog CatalogOf(const config::Config& config) {
  keymgr::ModelCatalog c;
  for (const auto& d : config.model_list) {
    c.groups.insert(d.model_name);
    for (const auto& g : d.info.access_groups) c.access_groups[g].insert(d.model_name);
  }
  return c;
}

}  // namespace

absl::StatusOr<Target> ParseTarget(const std::string& name) {
  if (name == "all") return Target::kAll;
  if (name == "gateway") return Target::kGateway;
  if (name == "keymgr") return Target::kKeymgr;
  if (name == "router") return Target::kRouter;
  if (name == "spend") return Target::kSpend;
  if (name == "health") return Target::kHealth;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown target '", name, "': expected all, gateway, keymgr, router, spend or health"));
}

const char* TargetName(Target t) {
  switch (t) {
    case Target::kAll: return "all";
    case Target::kGateway: return "gateway";
    case Target::kKeymgr: return "keymgr";
    case Target::kRouter: return "router";
    case Target::kSpend: return "spend";
    case Target::kHealth: return "health";
  }
  return "all";
}

namespace {

// The Prometheus listener of keymgr, router, spend or health in split mode: GET /metrics
// and nothing else (the gateway has /metrics on its HTTP port).
absl::Status StartMetricsListener(Suite::Parts& p) {
  const auto& l = p.config->llmgw;
  const config::ServiceAddress* a = p.target == Target::kKeymgr   ? &l.keymgr
                                    : p.target == Target::kRouter ? &l.router
                                    : p.target == Target::kSpend  ? &l.spend
                                    : p.target == Target::kHealth ? &l.health
                                                                  : nullptr;
  if (a == nullptr || a->metrics_listen.empty()) return absl::OkStatus();
  auto* registry = &p.registry;
  auto server = http::Server::Start({.listen_address = a->metrics_listen, .threads = 1},
                                    [registry, refresh = p.refresh_metrics](std::shared_ptr<http::Exchange> ex) {
                                      const auto& r = ex->request();
                                      if (r.path == "/metrics" && r.method == "GET") {
                                        refresh();
                                        return ex->Respond({.content_type = "text/plain; version=0.0.4",
                                                            .body = telemetry::RenderMetrics(*registry)});
                                      }
                                      ex->Respond({.status = 404, .content_type = "text/plain",
                                                   .body = "only GET /metrics here\n"});
                                    });
  if (!server.ok()) {
    return absl::Status(server.status().code(), absl::StrCat("metrics_listen ", a->metrics_listen, ": ",
                                                             server.status().message()));
  }
  p.metrics_http = std::move(*server);
  return absl::OkStatus();
}

}  // namespace

Suite::Suite(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

// What calls into the server on its own (the aggregator's checks, the store pings) stops
// before the server shuts down: a call on an in-process channel to a server that is going
// away must never start.
void StopCallers(Suite::Parts& p) {
  if (p.aggregator) p.aggregator->Stop();
  p.dependencies.reset();
}

Suite::~Suite() {
  if (parts_->http) parts_->http->Stop();
  if (parts_->metrics_http) parts_->metrics_http->Stop();
  if (parts_->gateway) {
    parts_->gateway->DrainSettles(std::chrono::steady_clock::now() + std::chrono::seconds(5));
    parts_->gateway->Stop();
  }
  StopCallers(*parts_);
  // Cancels the routed calls still in flight, as the server's shutdown does for gRPC ones.
  if (parts_->local_calls) parts_->local_calls->Shutdown(std::chrono::steady_clock::now() + std::chrono::seconds(5));
  if (parts_->host) parts_->host->Shutdown(std::chrono::system_clock::now());
  // Admin work still queued runs to its end while the services it calls into exist.
  parts_->admin_pool.reset();
  parts_->query_pool.reset();
  if (parts_->ledger_writer) parts_->ledger_writer->Flush();
  if (parts_->spans) {
    telemetry::InstallTracing(nullptr, {});
    parts_->spans->Shutdown(std::chrono::steady_clock::now() + std::chrono::seconds(2));
  }
}

absl::StatusOr<std::unique_ptr<Suite>> Suite::Start(std::shared_ptr<const config::Config> config,
                                                    Target target) {
  auto p = std::make_unique<Parts>();
  p->config = config;
  p->target = target;
  auto otel = telemetry::ReadOtelSettings(
      [](const std::string& name) -> std::optional<std::string> {
        const char* v = std::getenv(name.c_str());
        return v == nullptr ? std::nullopt : std::optional<std::string>(v);
      },
      target == Target::kAll ? "llmgw" : absl::StrCat("llmgw-", TargetName(target)));
  log::SetService(otel.resource.front().second);  // service.name, as the spans say
  p->spans = otlp::InstallFromSettings(otel, &p->registry);
  p->client_metrics = rpc::NewRpcMetrics(&p->registry);
  const auto& l = config->llmgw;
  std::vector<grpc::Service*> services;
  std::vector<std::string> names;

  if (p->Has(Target::kKeymgr)) {
    auto store = OpenKeyStore(*config);
    if (!store.ok()) return store.status();
    p->key_store = std::move(*store);
    p->counters = std::make_unique<keymgr::InMemoryCounterStore>(Clock::Real());
    auto km = keymgr::KeyManager::Create({.master_key = config->general_settings.master_key,
                                          .catalog = CatalogOf(*config)},
                                         *p->key_store, *p->counters, Clock::Real());
    if (!km.ok()) {
      return absl::Status(km.status().code(), absl::StrCat("keymgr: loading keys: ", km.status().message()));
    }
    p->key_manager = std::move(*km);
    // Admin writes wait on the database: a few threads, a bounded queue.
    p->admin_pool = std::make_unique<WorkerPool>(2, 256);
    p->key_manager_grpc = std::make_unique<keymgr::KeyManagerGrpc>(*p->key_manager, *p->admin_pool);
    services.push_back(p->key_manager_grpc.get());
    names.push_back(keymgr::kKeyManagerServiceName);
  }
  if (p->Has(Target::kRouter)) {
    p->timers = std::make_unique<TimerThread>();
    auto client = http::Client::Create({.max_in_flight = static_cast<size_t>(l.max_upstream_requests)});
    if (!client.ok()) return client.status();
    p->upstream = std::move(*client);
    p->mock = std::make_unique<providers::MockProvider>(*p->timers);
    p->openai = std::make_unique<providers::OpenAIProvider>(*p->upstream);
    p->azure = std::make_unique<providers::AzureProvider>(*p->upstream);
    p->anthropic = std::make_unique<providers::AnthropicProvider>(*p->upstream);
    p->gemini = std::make_unique<providers::GeminiProvider>(*p->upstream);
    p->router = std::make_unique<router::Router>(
        config, router::ProviderSet{.by_name = {{"openai", p->openai.get()},
                                               {"azure", p->azure.get()},
                                               {"anthropic", p->anthropic.get()},
                                               {"gemini", p->gemini.get()},
                                               {"mock", p->mock.get()}},
                                    .unsupported = &p->unsupported},
        *p->timers);
    p->router_grpc = std::make_unique<router::RouterGrpc>(*p->router);
    p->router_metrics = std::make_unique<router::RouterMetrics>(p->registry);
    p->refreshers.push_back([router = p->router.get(), metrics = p->router_metrics.get()] {
      if (auto list = router->ListDeployments(""); list.ok()) metrics->Refresh(*list);
    });
    services.push_back(p->router_grpc.get());
    names.push_back(router::kRouterServiceName);
  }
  if (p->Has(Target::kSpend)) {
    auto db = OpenStore(*config, "spend.db");
    if (!db.ok()) return db.status();
    std::string where = (*db)->description();
    auto ledger = spend::SqlLedgerStore::Create(std::move(*db));
    if (!ledger.ok()) {
      return absl::Status(ledger.status().code(), absl::StrCat("spend store ", where, ": ", ledger.status().message()));
    }
    p->ledger = std::move(*ledger);
    if (auto s = MakeDataDir(*config); !s.ok()) return s;  // the spool lives there, whatever the store
    auto writer = spend::LedgerWriter::Create(
        *p->ledger, {.spool_path = (std::filesystem::path(l.data_dir) / "spend.spool").string()});
    if (!writer.ok()) return absl::Status(writer.status().code(), absl::StrCat("spend spool replay: ", writer.status().message()));
    p->ledger_writer = std::move(*writer);
    p->prices = std::make_unique<pricing::PriceTable>(*config);
    for (const auto& id : p->prices->Unpriced()) {
      log::Warn("deployment has no price: its calls cost 0 and no budget limits them", {{"deployment", id}});
    }
    if (!l.soft_budget_webhook_url.empty()) {
      auto client = http::Client::Create({.max_in_flight = 64});
      if (!client.ok()) return client.status();
      p->webhook_client = std::move(*client);
    }
    auto svc = spend::SpendService::Create(
        {.max_end_user_budget = config->litellm_settings.max_end_user_budget.value_or(-1),
         .on_soft_budget = SoftBudgetNotifier(p->registry, p->webhook_client.get(), l.soft_budget_webhook_url)},
        *p->prices, *p->ledger, *p->ledger_writer, Clock::Real());
    if (!svc.ok()) return absl::Status(svc.status().code(), absl::StrCat("spend: rebuilding budgets: ", svc.status().message()));
    p->spend = std::move(*svc);
    p->query_pool = std::make_unique<WorkerPool>(2, 256);
    log::Info("spend store ready", {{"store", where}});
    p->spend_grpc = std::make_unique<spend::SpendGrpc>(*p->spend, *p->ledger, *p->query_pool);
    services.push_back(p->spend_grpc.get());
    names.push_back(spend::kSpendServiceName);
  }
  if (p->Has(Target::kHealth)) {
    p->aggregator = std::make_unique<health::HealthAggregator>(std::vector<health::ServiceTarget>{},
                                                               l.rpc_timeout);
    p->aggregator_grpc = std::make_unique<health::HealthAggregatorGrpc>(*p->aggregator);
    services.push_back(p->aggregator_grpc.get());
    names.push_back(health::kHealthAggregatorServiceName);
  }
  if (p->Has(Target::kGateway)) {
    p->gateway = std::make_unique<gateway::Gateway>(config);
    p->inference_grpc = std::make_unique<gateway::InferenceGrpc>(*p->gateway);
    services.push_back(p->inference_grpc.get());
    names.push_back(gateway::kInferenceServiceName);
    p->slo_source = std::make_unique<gateway::SloSourceGrpc>(p->gateway->slo());
    services.push_back(p->slo_source.get());
    names.push_back(gateway::kSloSourceServiceName);
  }

  // Every refresher is added here, before a server can serve /metrics.
  p->process_metrics = std::make_unique<ProcessMetrics>(p->registry);
  p->refreshers.push_back([pp = p.get()] {
    if (pp->admin_pool) pp->process_metrics->SetPoolQueue("keymgr-admin", pp->admin_pool->queued());
    if (pp->query_pool) pp->process_metrics->SetPoolQueue("spend-query", pp->query_pool->queued());
    if (pp->ledger_writer) pp->process_metrics->SetLedger(pp->ledger_writer->queued(), pp->ledger_writer->spooled());
    if (pp->spend) pp->process_metrics->SetTeamBudgets(pp->spend->TeamBudgets());
  });
  std::string listen = l.grpc_listen;
  switch (target) {
    case Target::kKeymgr: listen = l.keymgr.listen; break;
    case Target::kRouter: listen = l.router.listen; break;
    case Target::kSpend: listen = l.spend.listen; break;
    case Target::kHealth: listen = l.health.listen; break;
    default: break;
  }
  auto host = rpc::ServerHost::Start({.listen_address = listen,
                                      .services = services,
                                      .health_names = names,
                                      .registry = &p->registry,
                                      .start_serving = false});
  if (!host.ok()) return host.status();
  p->host = std::move(*host);

  // Channels: in-process under `all`, the configured endpoints otherwise.
  auto channel_to = [&](const config::ServiceAddress& a) {
    return target == Target::kAll ? p->host->InProcessChannel()
                                  : rpc::NewNetworkChannel(a.endpoint, p->client_metrics);
  };
  if (p->aggregator) {
    std::vector<health::ServiceTarget> targets = {
        {keymgr::kKeyManagerServiceName, channel_to(l.keymgr), true},
        {router::kRouterServiceName, channel_to(l.router), true},
        {spend::kSpendServiceName, channel_to(l.spend), false},
        // The stores, through the services that own them: keys keep working from memory
        // and spend is spooled while one is down, so neither is critical.
        {kKeymgrStoreHealth, channel_to(l.keymgr), false, "dependency/keymgr-store"},
        {kSpendStoreHealth, channel_to(l.spend), false, "dependency/spend-store"}};
    if (target == Target::kAll) {
      targets.push_back({gateway::kInferenceServiceName, p->host->InProcessChannel(), true});
    }
    p->aggregator->SetTargets(std::move(targets));
    p->aggregator->SetRouter(channel_to(l.router), config->general_settings.master_key);
    std::vector<health::HealthAggregator::SloSource> gateways;
    if (target == Target::kAll) {
      gateways.push_back({"in-process", p->host->InProcessChannel()});
    } else {
      gateways.push_back({l.gateway_endpoint, rpc::NewNetworkChannel(l.gateway_endpoint, p->client_metrics)});
    }
    p->aggregator->SetSlo(config->sla, std::move(gateways));
  }
  if (p->gateway) {
    if (target == Target::kAll) {
      p->local_calls = std::make_unique<LocalCalls>(*p->router, *p->timers);
      p->gateway->UseLocal(p->local_calls->Services(p->key_manager.get(), p->spend.get()));
    }
    p->gateway->Connect(channel_to(l.keymgr), channel_to(l.router), channel_to(l.spend));
    p->gateway->ConnectHealth(channel_to(l.health));
    p->rest = std::make_unique<gateway::RestApi>(*p->gateway, p->registry);
    p->rest->SetMetricsRefresh(p->refresh_metrics);
    auto* rest = p->rest.get();
    auto http = http::Server::Start(
        {.listen_address = l.http.listen,
         .threads = l.http.threads,
         .max_body_bytes = static_cast<size_t>(l.http.max_body_bytes),
         .max_header_bytes = static_cast<size_t>(l.http.max_header_bytes),
         .header_timeout = l.http.header_timeout,
         .idle_timeout = l.http.idle_timeout,
         .write_timeout = l.http.write_timeout,
         .error_response = &gateway::RestApi::ServerErrorResponse},
        [rest](std::shared_ptr<http::Exchange> ex) { rest->Handle(std::move(ex)); });
    if (!http.ok()) return http.status();
    p->http = std::move(*http);
  }
  if (auto status = StartMetricsListener(*p); !status.ok()) return status;
  p->dependencies = std::make_unique<DependencyProbe>(*p->host, std::chrono::seconds(2), p->registry);
  if (p->key_store) {
    p->dependencies->Add(kKeymgrStoreHealth, [store = p->key_store.get()] { return store->Ping(); });
  }
  if (p->ledger) p->dependencies->Add(kSpendStoreHealth, [ledger = p->ledger.get()] { return ledger->Ping(); });
  p->dependencies->Start();
  p->host->SetServing(true);
  log::Info("llmgw serving", {{"target", TargetName(target)},
                              {"grpc", listen.substr(0, listen.rfind(':') + 1) +
                                           std::to_string(p->host->port())},
                              {"http", p->http ? l.http.listen.substr(0, l.http.listen.rfind(':') + 1) +
                                                     std::to_string(p->http->port())
                                               : std::string("")},
                              {"model_groups", static_cast<int64_t>(
                                                   p->router ? p->router->ListModelGroups().model_groups_size() : 0)}});
  return std::unique_ptr<Suite>(new Suite(std::move(p)));
}

int Suite::grpc_port() const { return parts_->host->port(); }
int Suite::http_port() const { return parts_->http ? parts_->http->port() : 0; }

bool Suite::Drain(std::chrono::milliseconds grace) {
  auto& p = *parts_;
  auto started = std::chrono::steady_clock::now();
  auto deadline = started + grace;
  p.host->SetServing(false);
  if (p.gateway) p.gateway->BeginDrain();
  if (p.http) p.http->BeginDrain();
  log::Info("draining", {{"grace_ms", static_cast<int64_t>(grace.count())}});
  bool clean = true;
  if (p.http) clean = p.http->WaitIdle(deadline) && clean;
  // Settles leave after the responses: wait for them before the services stop.
  if (p.gateway) clean = p.gateway->DrainSettles(deadline) && clean;
  clean = p.host->WaitIdle(deadline) && clean;
  if (p.ledger_writer) p.ledger_writer->Flush();  // every row committed or spooled
  if (p.gateway) p.gateway->Stop();
  StopCallers(p);
  if (p.local_calls) p.local_calls->Shutdown(std::chrono::steady_clock::now() + std::chrono::milliseconds(200));
  // Whatever is left (health watchers, cut-off calls) gets a moment, then is cancelled.
  p.host->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
  if (p.http) p.http->Stop();
  if (p.metrics_http) p.metrics_http->Stop();
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  log::Info("drained", {{"clean", clean ? "true" : "false"}, {"took_ms", static_cast<int64_t>(took.count())}});
  return clean;
}

}  // namespace llmgw::app
