// An open-loop load generator: sends POSTs at a constant arrival rate, whatever the server's
// latency, and measures each from the moment it was due (not from when it went out), so a
// slow server cannot hide its queueing (no coordinated omission). Prints one line:
//   rate 500/s  sent 5000  ok 5000  errors 0  p50 412 us  p90 630 us  p99 1890 us  max 4100 us
// Usage: openloop --url URL --rate N --seconds S [--header 'K: V']... --body JSON
#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

#include "llmgw/http/client.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Results {
  std::mutex mu;
  std::condition_variable done;
  std::vector<int64_t> micros;  // successful requests, from their due time
  int64_t errors = 0;
  int64_t finished = 0;
};

int64_t Percentile(std::vector<int64_t>& v, double q) {
  if (v.empty()) return 0;
  size_t i = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
  return v[i];
}

}  // namespace

int main(int argc, char** argv) {
  std::string url, body;
  std::vector<std::string> headers;
  double rate = 100, seconds = 10;
  CLI::App app{"openloop: constant-rate POSTs, latency measured from each request's due time"};
  app.add_option("--url", url, "where to POST")->required();
  app.add_option("--rate", rate, "requests per second")->check(CLI::PositiveNumber);
  app.add_option("--seconds", seconds, "how long to send")->check(CLI::PositiveNumber);
  app.add_option("--header", headers, "'Name: value', repeatable");
  app.add_option("--body", body, "the request body")->required();
  CLI11_PARSE(app, argc, argv);

  Results results;  // before the client: its destructor may still run callbacks
  auto client = llmgw::http::Client::Create({.max_in_flight = 100'000, .max_idle_connections = 4096});
  if (!client.ok()) {
    std::fprintf(stderr, "openloop: %s\n", std::string(client.status().message()).c_str());
    return 1;
  }
  llmgw::http::HeaderList hl = {{"content-type", "application/json"}};
  for (const auto& h : headers) {
    auto colon = h.find(':');
    if (colon == std::string::npos) continue;
    size_t v = h.find_first_not_of(' ', colon + 1);
    hl.emplace_back(h.substr(0, colon), v == std::string::npos ? "" : h.substr(v));
  }

  const auto total = static_cast<int64_t>(rate * seconds);
  const auto interval = std::chrono::duration<double>(1.0 / rate);
  const auto start = Clock::now();
  for (int64_t i = 0; i < total; ++i) {
    auto due = start + std::chrono::duration_cast<Clock::duration>(interval * static_cast<double>(i));
    std::this_thread::sleep_until(due);
    auto status = std::make_shared<int>(0);
    (*client)->Start({.method = "POST", .url = url, .headers = hl, .body = body, .timeout = std::chrono::seconds(30)},
                     {.on_head = [status](int s, const llmgw::http::HeaderList&) { *status = s; },
                      .on_data = [](std::string_view) {},
                      .on_done =
                          [&results, status, due](absl::Status s) {
                            int64_t us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - due).count();
                            std::lock_guard lock(results.mu);
                            if (s.ok() && *status >= 200 && *status < 300) {
                              results.micros.push_back(us);
                            } else {
                              ++results.errors;
                            }
                            ++results.finished;
                            results.done.notify_one();
                          }});
  }
  std::unique_lock lock(results.mu);
  results.done.wait_for(lock, std::chrono::seconds(35), [&] { return results.finished == total; });
  auto& v = results.micros;
  double achieved = static_cast<double>(total) / std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("  rate %.0f/s (achieved %.0f/s)  sent %lld  ok %zu  errors %lld  p50 %lld us  p90 %lld us  p99 %lld us  max %lld us\n",
              rate, achieved, static_cast<long long>(total), v.size(), static_cast<long long>(results.errors),
              static_cast<long long>(Percentile(v, 0.5)), static_cast<long long>(Percentile(v, 0.9)),
              static_cast<long long>(Percentile(v, 0.99)),
              static_cast<long long>(v.empty() ? 0 : *std::max_element(v.begin(), v.end())));
  return results.errors == 0 && results.finished == total ? 0 : 1;
}
