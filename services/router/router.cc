#include "services/router/router.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "llmgw/common/error.h"

namespace llmgw::router {
namespace {

using google::protobuf::util::TimeUtil;
using Clock = std::chrono::steady_clock;

google::protobuf::Duration Since(Clock::time_point start) {
  return TimeUtil::NanosecondsToDuration(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count());
}

class NoopHandle final : public providers::CallHandle {
 public:
  void Cancel() override {}
  void Pause() override {}
  void Resume() override {}
};

}  // namespace

providers::Provider& ProviderSet::For(const std::string& name) const {
  auto it = by_name.find(name);
  return it == by_name.end() ? *unsupported : *it->second;
}

Router::Router(std::shared_ptr<const config::Config> config, ProviderSet providers,
               std::function<double()> uniform)
    : config_(config), registry_(config), prices_(*config), providers_(std::move(providers)),
      uniform_(std::move(uniform)) {}

bool Router::Admit() {
  if (in_flight_.fetch_add(1) >= config_->llmgw.max_upstream_requests) {
    in_flight_.fetch_sub(1);
    return false;
  }
  return true;
}

void Router::Release() { in_flight_.fetch_sub(1); }

absl::StatusOr<const config::Deployment*> Router::Select(const std::string& model_group) {
  const ModelGroup* group = registry_.Find(model_group);
  if (group == nullptr) {
    return MakeError(absl::StatusCode::kNotFound, common::v1::ERROR_KIND_MODEL_NOT_FOUND,
                     absl::StrCat("model '", model_group,
                                  "' is not served by this gateway; GET /v1/models lists the "
                                  "models you can use"),
                     {.param = "model"});
  }
  if (!Admit()) {
    return MakeError(absl::StatusCode::kUnavailable, common::v1::ERROR_KIND_OVERLOADED,
                     "the router has too many provider calls in flight; retry shortly",
                     {.retry_after = std::chrono::seconds(1)});
  }
  return registry_.Pick(*group, uniform_());
}

v1::DispatchInfo Router::Describe(const config::Deployment& d) const {
  v1::DispatchInfo info;
  info.set_deployment_id(d.id);
  info.set_model_group(d.model_name);
  info.set_provider(d.params.provider);
  info.set_upstream_model(d.params.upstream_model);
  info.set_attempts(1);
  return info;
}

std::shared_ptr<providers::CallHandle> Router::RouteChat(
    const v1::RouteChatRequest& request, const providers::CallOptions& options,
    std::function<void(absl::StatusOr<v1::RouteChatResponse>)> done) {
  auto selected = Select(request.request().model());
  if (!selected.ok()) {
    done(selected.status());
    return std::make_shared<NoopHandle>();
  }
  const config::Deployment* d = *selected;
  auto start = Clock::now();
  return providers_.For(d->params.provider)
      .Chat(*d, request.request(), options,
            [this, d, start, info = Describe(*d), done = std::move(done)](
                absl::StatusOr<common::v1::ChatCompletionResponse> r) mutable {
              Release();
              if (!r.ok()) return done(r.status());
              v1::RouteChatResponse out;
              *info.mutable_usage() = r->usage();
              info.mutable_cost()->set_micros(pricing::CostOf(prices_.ForDeployment(d->id), r->usage()));
              *info.mutable_upstream_latency() = Since(start);
              *out.mutable_completion() = std::move(*r);
              *out.mutable_dispatch() = std::move(info);
              done(std::move(out));
            });
}

std::shared_ptr<providers::CallHandle> Router::StreamChat(const v1::RouteChatRequest& request,
                                                          const providers::CallOptions& options,
                                                          StreamSink sink) {
  auto selected = Select(request.request().model());
  if (!selected.ok()) {
    sink.on_done(selected.status(), v1::DispatchInfo());
    return std::make_shared<NoopHandle>();
  }
  const config::Deployment* d = *selected;
  struct State {
    StreamSink sink;
    v1::DispatchInfo info;
    Clock::time_point start = Clock::now();
    bool first = true;
  };
  auto st = std::make_shared<State>();
  st->sink = std::move(sink);
  st->info = Describe(*d);
  return providers_.For(d->params.provider)
      .StreamChat(*d, request.request(), options,
                  {.on_chunk =
                       [st](common::v1::ChatCompletionChunk chunk) {
                         if (st->first) {
                           st->first = false;
                           *st->info.mutable_time_to_first_chunk() = Since(st->start);
                         }
                         if (chunk.has_usage()) *st->info.mutable_usage() = chunk.usage();
                         st->sink.on_chunk(std::move(chunk));
                       },
                   .on_done =
                       [this, d, st](absl::Status status) {
                         Release();
                         st->info.mutable_cost()->set_micros(pricing::CostOf(prices_.ForDeployment(d->id), st->info.usage()));
                         *st->info.mutable_upstream_latency() = Since(st->start);
                         auto on_done = std::move(st->sink.on_done);
                         st->sink = {};
                         on_done(std::move(status), std::move(st->info));
                       }});
}

v1::ListModelGroupsResponse Router::ListModelGroups() const {
  v1::ListModelGroupsResponse out;
  for (const ModelGroup* g : registry_.groups()) {
    auto* mg = out.add_model_groups();
    mg->set_name(g->name);
    mg->set_deployment_count(static_cast<int32_t>(g->deployments.size()));
    mg->set_mode(g->deployments.front()->info.mode);
    mg->set_owned_by(g->deployments.front()->params.provider);
    for (const auto* d : g->deployments) {
      for (const auto& a : d->info.access_groups) {
        if (std::find(mg->access_groups().begin(), mg->access_groups().end(), a) ==
            mg->access_groups().end()) {
          mg->add_access_groups(a);
        }
      }
    }
  }
  return out;
}

}  // namespace llmgw::router
