// The bench harness's load generator: the same client, payload and timing for every target.
//   --rate N --seconds S   open loop: requests at a constant arrival rate, each timed from
//                          the moment it was due (not from when it went out), so a slow
//                          server cannot hide its queueing (no coordinated omission);
//   --sequential N         N requests, one in flight at a time;
//   --concurrent N         N requests started over --ramp-seconds and held at once (slow
//                          streams), with the peak of requests open together.
// --stream also times each response's first body piece (time to first chunk) and the gaps
// between pieces. Prints one line, or with --json one object the harness reads.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "llmgw/http/client.h"

namespace {

using Clock = std::chrono::steady_clock;

int64_t Micros(Clock::duration d) { return std::chrono::duration_cast<std::chrono::microseconds>(d).count(); }

struct Results {
  std::mutex mu;
  std::condition_variable done;
  std::vector<int64_t> latency, ttft, gaps;  // microseconds, successful requests only
  int64_t errors = 0, finished = 0;
  int64_t open = 0, peak_open = 0;
  std::string first_error;
};

// One request's timeline; pieces arrive on the client's thread, one at a time.
struct Timeline {
  Clock::time_point due;
  int status = 0;
  Clock::time_point last_piece{};
  std::vector<int64_t> gaps;
  int64_t ttft = -1;
};

int64_t Percentile(std::vector<int64_t>& v, double q) {
  if (v.empty()) return 0;
  size_t i = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
  return v[i];
}

std::string Summary(const char* name, std::vector<int64_t>& v, bool json) {
  int64_t max = v.empty() ? 0 : *std::max_element(v.begin(), v.end());
  char buf[256];
  if (json) {
    std::snprintf(buf, sizeof buf, "\"%s\":{\"n\":%zu,\"p50\":%lld,\"p90\":%lld,\"p99\":%lld,\"max\":%lld}", name,
                  v.size(), static_cast<long long>(Percentile(v, 0.5)), static_cast<long long>(Percentile(v, 0.9)),
                  static_cast<long long>(Percentile(v, 0.99)), static_cast<long long>(max));
  } else {
    std::snprintf(buf, sizeof buf, "  %s p50 %lld us  p90 %lld us  p99 %lld us  max %lld us", name,
                  static_cast<long long>(Percentile(v, 0.5)), static_cast<long long>(Percentile(v, 0.9)),
                  static_cast<long long>(Percentile(v, 0.99)), static_cast<long long>(max));
  }
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  std::string url, body;
  std::vector<std::string> headers;
  double rate = 0, seconds = 10, ramp = 1;
  int64_t sequential = 0, concurrent = 0;
  bool stream = false, json = false;
  CLI::App app{"openloop: the bench harness's load generator"};
  app.add_option("--url", url, "where to POST")->required();
  app.add_option("--rate", rate, "open loop: requests per second")->check(CLI::PositiveNumber);
  app.add_option("--seconds", seconds, "open loop: how long to send")->check(CLI::PositiveNumber);
  app.add_option("--sequential", sequential, "N requests, one in flight at a time")->check(CLI::PositiveNumber);
  app.add_option("--concurrent", concurrent, "N requests held open together")->check(CLI::PositiveNumber);
  app.add_option("--ramp-seconds", ramp, "--concurrent: spread the starts over this long")->check(CLI::PositiveNumber);
  app.add_option("--header", headers, "'Name: value', repeatable");
  app.add_option("--body", body, "the request body")->required();
  app.add_flag("--stream", stream, "time the first body piece and the gaps between pieces");
  app.add_flag("--json", json, "print one JSON object");
  CLI11_PARSE(app, argc, argv);
  if ((rate > 0) + (sequential > 0) + (concurrent > 0) != 1) {
    std::fprintf(stderr, "openloop: give exactly one of --rate, --sequential, --concurrent\n");
    return 2;
  }

  Results results;  // before the client: its destructor may still run callbacks
  auto client = llmgw::http::Client::Create({.max_in_flight = 100'000, .max_idle_connections = 20'000});
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

  auto send = [&](Clock::time_point due) {
    auto t = std::make_shared<Timeline>();
    t->due = due;
    {
      std::lock_guard lock(results.mu);
      results.peak_open = std::max(results.peak_open, ++results.open);
    }
    (*client)->Start(
        {.method = "POST", .url = url, .headers = hl, .body = body, .timeout = std::chrono::seconds(120)},
        {.on_head = [t](int s, const llmgw::http::HeaderList&) { t->status = s; },
         .on_data =
             [t, stream](std::string_view) {
               if (!stream) return;
               auto now = Clock::now();
               if (t->ttft < 0) {
                 t->ttft = Micros(now - t->due);
               } else {
                 t->gaps.push_back(Micros(now - t->last_piece));
               }
               t->last_piece = now;
             },
         .on_done =
             [&results, t](absl::Status s) {
               int64_t us = Micros(Clock::now() - t->due);
               std::lock_guard lock(results.mu);
               --results.open;
               if (s.ok() && t->status >= 200 && t->status < 300) {
                 results.latency.push_back(us);
                 if (t->ttft >= 0) results.ttft.push_back(t->ttft);
                 results.gaps.insert(results.gaps.end(), t->gaps.begin(), t->gaps.end());
               } else {
                 if (results.first_error.empty()) {
                   results.first_error = s.ok() ? "HTTP " + std::to_string(t->status) : std::string(s.message());
                 }
                 ++results.errors;
               }
               ++results.finished;
               results.done.notify_all();
             }});
  };

  const auto start = Clock::now();
  int64_t total = 0;
  if (rate > 0) {
    total = static_cast<int64_t>(rate * seconds);
    const auto interval = std::chrono::duration<double>(1.0 / rate);
    for (int64_t i = 0; i < total; ++i) {
      auto due = start + std::chrono::duration_cast<Clock::duration>(interval * static_cast<double>(i));
      std::this_thread::sleep_until(due);
      send(due);
    }
  } else if (sequential > 0) {
    total = sequential;
    for (int64_t i = 0; i < total; ++i) {
      send(Clock::now());
      std::unique_lock lock(results.mu);
      results.done.wait(lock, [&] { return results.finished == i + 1; });
    }
  } else {
    total = concurrent;
    const auto interval = std::chrono::duration<double>(ramp / static_cast<double>(concurrent));
    for (int64_t i = 0; i < total; ++i) {
      auto due = start + std::chrono::duration_cast<Clock::duration>(interval * static_cast<double>(i));
      std::this_thread::sleep_until(due);
      send(due);
    }
  }
  std::unique_lock lock(results.mu);
  results.done.wait_for(lock, std::chrono::seconds(150), [&] { return results.finished == total; });
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  int64_t lost = total - results.finished;  // never answered within the wait
  if (json) {
    std::string out = "{\"sent\":" + std::to_string(total) + ",\"ok\":" + std::to_string(results.latency.size()) +
                      ",\"errors\":" + std::to_string(results.errors + lost) +
                      ",\"peak_open\":" + std::to_string(results.peak_open) + ",\"seconds\":" + std::to_string(elapsed) +
                      ",\"achieved_rate\":" + std::to_string(static_cast<double>(total) / elapsed) + "," +
                      Summary("latency", results.latency, true);
    if (stream) out += "," + Summary("ttft", results.ttft, true) + "," + Summary("gap", results.gaps, true);
    std::string err;
    for (char c : results.first_error) {
      if (c == '"' || c == '\\') err += '\\';
      if (static_cast<unsigned char>(c) >= 0x20) err += c;
    }
    out += ",\"first_error\":\"" + err + "\"}";
    std::printf("%s\n", out.c_str());
  } else {
    std::printf("  sent %lld  ok %zu  errors %lld  peak open %lld  %.0f/s\n", static_cast<long long>(total),
                results.latency.size(), static_cast<long long>(results.errors + lost),
                static_cast<long long>(results.peak_open), static_cast<double>(total) / elapsed);
    std::printf("%s\n", Summary("latency", results.latency, false).c_str());
    if (stream) {
      std::printf("%s\n%s\n", Summary("first chunk", results.ttft, false).c_str(),
                  Summary("chunk gap", results.gaps, false).c_str());
    }
    if (!results.first_error.empty()) std::printf("  first error: %s\n", results.first_error.c_str());
  }
  return results.errors == 0 && lost == 0 ? 0 : 1;
}
