#include "apps/llmgwctl/drill.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <condition_variable>
#include <ctime>
#include <limits>
#include <mutex>
#include <ostream>
#include <thread>

#include "absl/strings/str_format.h"
#include "apps/llmgwctl/drill_report.h"
#include "apps/llmgwctl/output.h"
#include "google/protobuf/util/time_util.h"
#include "llmgw/http/client.h"
#include "llmgw/router/v1/router.grpc.pb.h"

namespace llmgw::ctl {
namespace {

using Clock = std::chrono::steady_clock;
namespace rv1 = router::v1;

double MsSince(Clock::time_point t0, Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(t - t0).count();
}

std::string UtcNow() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// The samples of requests in flight and done, shared with the HTTP client's thread.
struct Traffic {
  std::mutex mu;
  std::condition_variable idle;
  std::vector<DrillSample> samples;
  int in_flight = 0;
  // Set when the failure is injected: an answer from `failed_id` ending after `fail_end_ms`
  // means it took traffic again.
  std::string failed_id;
  double fail_end_ms = std::numeric_limits<double>::infinity();
  bool recovered = false;
};

void Send(http::Client& client, const DrillOptions& d, const std::string& group, const std::string& key,
          Clock::time_point t0, const std::shared_ptr<Traffic>& traffic) {
  auto start = Clock::now();
  auto sample = std::make_shared<DrillSample>();
  sample->start_ms = MsSince(t0, start);
  http::ClientRequest req{.url = d.gateway + "/v1/chat/completions",
                          .body = absl::StrFormat(
                              R"({"model":"%s","messages":[{"role":"user","content":"llmgw drill"}],"max_tokens":8})",
                              group),
                          .timeout = std::chrono::seconds(60)};
  req.headers.emplace_back("Content-Type", "application/json");
  req.headers.emplace_back("Authorization", "Bearer " + key);
  {
    std::lock_guard lock(traffic->mu);
    ++traffic->in_flight;
  }
  client.Start(std::move(req),
               {.on_head =
                    [sample](int status, const http::HeaderList& h) {
                      sample->status = status;
                      sample->deployment_id = std::string(http::FindHeader(h, "x-litellm-model-id"));
                      sample->model_group = std::string(http::FindHeader(h, "x-litellm-model-group"));
                    },
                .on_data = [](std::string_view) {},
                .on_done =
                    [sample, start, t0, traffic](absl::Status s) {
                      if (!s.ok()) sample->status = 0;
                      sample->latency_ms = MsSince(start, Clock::now());
                      std::lock_guard lock(traffic->mu);
                      if (sample->status == 200 && sample->deployment_id == traffic->failed_id &&
                          sample->start_ms + sample->latency_ms >= traffic->fail_end_ms) {
                        traffic->recovered = true;
                      }
                      traffic->samples.push_back(*sample);
                      if (--traffic->in_flight == 0) traffic->idle.notify_all();
                    }});
}

}  // namespace

int Drill(const Options& o, const DrillOptions& d, std::ostream& out, std::ostream& err) {
  if (o.master_key.empty()) {
    err << "llmgwctl: drill needs the master key: --master-key or LLMGW_MASTER_KEY\n";
    return kUsage;
  }
  if (d.rps <= 0 || d.rps > 1000) {
    err << "llmgwctl: --rps must be in (0, 1000]\n";
    return kUsage;
  }
  auto channel = grpc::CreateChannel(o.addr, grpc::InsecureChannelCredentials());
  if (!channel->WaitForConnected(std::chrono::system_clock::now() + o.timeout)) {
    err << "llmgwctl: cannot connect to the router at " << o.addr << "\n";
    return kCannotConnect;
  }
  auto router = rv1::Router::NewStub(channel);
  auto call = [&](auto method, const auto& req, auto* resp) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + o.timeout);
    ctx.AddMetadata("authorization", "Bearer " + o.master_key);
    return ((*router).*method)(&ctx, req, resp);
  };
  rv1::ListDeploymentsResponse list;
  if (auto s = call(&rv1::Router::Stub::ListDeployments, rv1::ListDeploymentsRequest(), &list); !s.ok()) {
    err << "llmgwctl: Router/ListDeployments on " << o.addr << " failed: " << s.error_message() << "\n";
    return kRpcFailed;
  }
  std::string failed_group;
  for (const auto& dep : list.deployments()) {
    if (dep.id() == d.deployment) failed_group = dep.model_group();
  }
  if (failed_group.empty()) {
    err << "llmgwctl: no deployment '" << d.deployment << "' (llmgwctl deployments lists them)\n";
    return kRpcFailed;
  }
  const std::string group = d.model.empty() ? failed_group : d.model;
  const std::string key = d.key.empty() ? o.master_key : d.key;
  auto client = http::Client::Create({.max_in_flight = 4096});
  if (!client.ok()) {
    err << "llmgwctl: " << client.status().message() << "\n";
    return kUsage;
  }
  err << absl::StrFormat("drill: %s/%s, %.0f requests/s through %s as model '%s'\n", failed_group,
                         d.deployment, d.rps, d.gateway, group);

  auto traffic = std::make_shared<Traffic>();
  const auto t0 = Clock::now();
  const auto period = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / d.rps));
  const char* phase = "baseline";
  std::optional<double> fail_at, fail_end, recovered_at;
  auto next_progress = t0 + std::chrono::seconds(1);
  for (int64_t i = 0;; ++i) {
    auto now = Clock::now();
    if (!fail_at && now - t0 >= d.baseline) {
      rv1::ForceFailRequest req;
      req.set_deployment_id(d.deployment);
      *req.mutable_duration() = google::protobuf::util::TimeUtil::MillisecondsToDuration(d.fail_for.count());
      rv1::DeploymentResponse resp;
      if (auto s = call(&rv1::Router::Stub::ForceFail, req, &resp); !s.ok()) {
        err << "llmgwctl: Router/ForceFail failed: " << s.error_message() << "\n";
        return kRpcFailed;
      }
      fail_at = MsSince(t0, Clock::now());
      fail_end = *fail_at + static_cast<double>(d.fail_for.count());
      {
        std::lock_guard lock(traffic->mu);
        traffic->failed_id = d.deployment;
        traffic->fail_end_ms = *fail_end;
      }
      phase = "failing";
      err << absl::StrFormat("[%5.1fs] %s forced to fail for %s\n", *fail_at / 1000, d.deployment,
                             FormatDuration(d.fail_for));
    }
    double t = MsSince(t0, now);
    if (fail_end && t >= *fail_end && !recovered_at) phase = "recovering";
    if (fail_end && !recovered_at) {
      std::lock_guard lock(traffic->mu);
      if (traffic->recovered) {
        recovered_at = t;
        phase = "recovered";
      }
    }
    // Stop a second after recovery (some traffic on the recovered deployment), or give up.
    if (recovered_at && t > *recovered_at + 1000) break;
    if (fail_end && t > *fail_end + static_cast<double>(d.recover_timeout.count())) break;
    if (now >= next_progress) {
      std::lock_guard lock(traffic->mu);
      int ok = 0, bad = 0;
      for (const auto& s : traffic->samples) (s.status == 200 ? ok : bad)++;
      std::string last = traffic->samples.empty()
                             ? "-"
                             : traffic->samples.back().model_group + "/" + traffic->samples.back().deployment_id;
      err << absl::StrFormat("[%5.1fs] %-10s sent %d  ok %d  errors %d  in flight %d  last answer from %s\n",
                             t / 1000, phase, i, ok, bad, traffic->in_flight, last);
      next_progress += std::chrono::seconds(1);
    }
    Send(**client, d, group, key, t0, traffic);
    std::this_thread::sleep_until(t0 + period * (i + 1));
  }
  {
    std::unique_lock lock(traffic->mu);
    traffic->idle.wait_for(lock, std::chrono::seconds(65), [&] { return traffic->in_flight == 0; });
  }
  std::vector<DrillSample> samples;
  {
    std::lock_guard lock(traffic->mu);
    samples = traffic->samples;
  }
  DrillReport report = Summarize(samples, d.deployment, failed_group, *fail_at, *fail_end,
                                 static_cast<double>(d.recover_timeout.count()), UtcNow());
  out << (o.json ? SignOffJson(report) : SignOffMarkdown(report));
  return kOk;
}

}  // namespace llmgw::ctl
