// The series of a Prometheus family, looked up by label values. prometheus-cpp's
// Family::Add builds a label map, hashes it under the family's lock and constructs a new
// metric (for a histogram, its buckets) on every call, even when the series exists: on the
// request path that is thousands of instructions and several allocations per observation.
// This keeps the series found once, by the joined label values; the families' label sets
// are bounded by their callers (model groups, teams, routes), and series are never removed.
#pragma once

#include <prometheus/family.h>

#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace llmgw::telemetry {

template <typename T>
class SeriesCache {
 public:
  // `names` are the label names, in the order Get receives the values.
  SeriesCache(prometheus::Family<T>& family, std::initializer_list<const char*> names)
      : family_(family), names_(names) {}

  // The series with these label values; `args` construct it the first time (buckets).
  template <typename... Args>
  T& Get(std::initializer_list<std::string_view> values, const Args&... args) {
    std::string key;
    for (auto v : values) {
      key.append(v);
      key.push_back('\x1f');
    }
    std::lock_guard lock(mu_);
    auto it = series_.find(key);
    if (it != series_.end()) return *it->second;
    prometheus::Labels labels;
    auto name = names_.begin();
    for (auto v : values) labels.emplace(*name++, std::string(v));
    T& metric = family_.Add(labels, args...);
    series_.emplace(std::move(key), &metric);
    return metric;
  }

 private:
  prometheus::Family<T>& family_;
  std::vector<const char*> names_;
  std::mutex mu_;
  std::unordered_map<std::string, T*> series_;
};

}  // namespace llmgw::telemetry
