#include "llmgw/telemetry/otel_settings.h"

#include "libs/telemetry/src/list_items.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace llmgw::telemetry {
namespace {

std::string Trim(const std::string& s) { return std::string(internal::TrimBlanks(s)); }

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::optional<std::string> PercentDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      return std::nullopt;
    }
    out += static_cast<char>(std::strtol(s.substr(i + 1, 2).c_str(), nullptr, 16));
    i += 2;
  }
  return out;
}

// A positive integer, or nullopt with a warning.
std::optional<int64_t> PositiveInt(const EnvVar& env, const char* name, std::vector<std::string>& warnings) {
  auto v = env(name);
  if (!v || Trim(*v).empty()) return std::nullopt;
  char* end = nullptr;
  long long n = std::strtoll(v->c_str(), &end, 10);
  if (end == v->c_str() || *end != '\0' || n <= 0) {
    warnings.push_back(std::string(name) + ": expected a positive integer, got '" + *v + "'; ignored");
    return std::nullopt;
  }
  return n;
}

// The traces-specific variable, else the generic one.
std::optional<std::string> Either(const EnvVar& env, const char* traces, const char* generic) {
  if (auto v = env(traces); v && !Trim(*v).empty()) return v;
  if (auto v = env(generic); v && !Trim(*v).empty()) return v;
  return std::nullopt;
}

void ReadSampler(const EnvVar& env, OtelSettings& out) {
  struct Named {
    const char* name;
    Sampler::Root root;
    bool parent_based;
  };
  static constexpr Named kSamplers[] = {
      {"always_on", Sampler::Root::kAlwaysOn, false},
      {"always_off", Sampler::Root::kAlwaysOff, false},
      {"traceidratio", Sampler::Root::kRatio, false},
      {"parentbased_always_on", Sampler::Root::kAlwaysOn, true},
      {"parentbased_always_off", Sampler::Root::kAlwaysOff, true},
      {"parentbased_traceidratio", Sampler::Root::kRatio, true},
  };
  auto name = env("OTEL_TRACES_SAMPLER");
  if (!name || Trim(*name).empty()) return;  // the default: parentbased_always_on
  std::string s = Lower(Trim(*name));
  const Named* found = nullptr;
  for (const auto& n : kSamplers) {
    if (s == n.name) found = &n;
  }
  if (found == nullptr) {
    out.warnings.push_back("OTEL_TRACES_SAMPLER: unknown sampler '" + *name + "'; using parentbased_always_on");
    return;
  }
  out.sampler.root = found->root;
  out.sampler.parent_based = found->parent_based;
  if (found->root != Sampler::Root::kRatio) return;
  auto arg = env("OTEL_TRACES_SAMPLER_ARG");
  if (!arg || Trim(*arg).empty()) return;  // 1.0
  char* end = nullptr;
  double r = std::strtod(arg->c_str(), &end);
  if (end == arg->c_str() || *end != '\0' || !(r >= 0 && r <= 1)) {
    out.warnings.push_back("OTEL_TRACES_SAMPLER_ARG: expected a ratio in [0, 1], got '" + *arg + "'; using 1.0");
    return;
  }
  out.sampler.ratio = r;
}

}  // namespace

std::optional<std::vector<std::pair<std::string, std::string>>> ParseKeyValueList(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> out;
  for (std::string_view item : internal::ListItems(text)) {
    size_t eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0) return std::nullopt;
    auto key = PercentDecode(std::string(internal::TrimBlanks(item.substr(0, eq))));
    auto value = PercentDecode(std::string(internal::TrimBlanks(item.substr(eq + 1))));
    if (!key || !value || key->empty()) return std::nullopt;
    out.emplace_back(std::move(*key), std::move(*value));
  }
  return out;
}

OtelSettings ReadOtelSettings(const EnvVar& env, const std::string& service_name) {
  OtelSettings out;
  auto disabled = env("OTEL_SDK_DISABLED");
  auto exporter = env("OTEL_TRACES_EXPORTER");
  std::string exporter_name = exporter ? Lower(Trim(*exporter)) : "";
  bool off = (disabled && Lower(Trim(*disabled)) == "true") || exporter_name == "none";
  if (!exporter_name.empty() && exporter_name != "otlp" && exporter_name != "none") {
    out.warnings.push_back("OTEL_TRACES_EXPORTER: only otlp is supported, got '" + *exporter + "'");
  }
  if (auto p = Either(env, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL");
      p && Trim(*p) != "http/protobuf") {
    out.warnings.push_back("OTEL_EXPORTER_OTLP_PROTOCOL: only http/protobuf is supported, got '" + *p + "'");
  }

  if (auto v = env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"); v && !Trim(*v).empty()) {
    out.endpoint = Trim(*v);  // as given
  } else if (auto base = env("OTEL_EXPORTER_OTLP_ENDPOINT"); base && !Trim(*base).empty()) {
    std::string b = Trim(*base);
    out.endpoint = b + (b.back() == '/' ? "" : "/") + "v1/traces";
  } else if (exporter_name == "otlp") {
    out.endpoint = "http://localhost:4318/v1/traces";
  }
  out.enabled = !off && !out.endpoint.empty();

  if (auto h = Either(env, "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS")) {
    if (auto parsed = ParseKeyValueList(*h)) {
      out.headers = std::move(*parsed);
    } else {
      out.warnings.push_back("OTEL_EXPORTER_OTLP_HEADERS: cannot decode it; ignored");
    }
  }
  if (auto t = PositiveInt(env, "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", out.warnings)) {
    out.timeout = std::chrono::milliseconds(*t);
  } else if (auto g = PositiveInt(env, "OTEL_EXPORTER_OTLP_TIMEOUT", out.warnings)) {
    out.timeout = std::chrono::milliseconds(*g);
  }

  // service.name: OTEL_SERVICE_NAME, else OTEL_RESOURCE_ATTRIBUTES's, else ours.
  std::string name = service_name;
  std::vector<std::pair<std::string, std::string>> attributes;
  if (auto r = env("OTEL_RESOURCE_ATTRIBUTES"); r && !Trim(*r).empty()) {
    if (auto parsed = ParseKeyValueList(*r)) {
      for (auto& [k, v] : *parsed) {
        if (k == "service.name") {
          name = v;
        } else {
          attributes.emplace_back(k, v);
        }
      }
    } else {
      out.warnings.push_back("OTEL_RESOURCE_ATTRIBUTES: cannot decode it; the whole variable is ignored");
    }
  }
  if (auto s = env("OTEL_SERVICE_NAME"); s && !Trim(*s).empty()) name = Trim(*s);
  out.resource.emplace_back("service.name", name);
  for (auto& a : attributes) out.resource.push_back(std::move(a));

  ReadSampler(env, out);
  if (auto c = env("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT")) {
    out.capture_message_content = Lower(Trim(*c)) == "true";
  }
  if (auto v = PositiveInt(env, "OTEL_BSP_MAX_QUEUE_SIZE", out.warnings)) out.batch.max_queue_size = *v;
  if (auto v = PositiveInt(env, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", out.warnings)) out.batch.max_export_batch_size = *v;
  if (auto v = PositiveInt(env, "OTEL_BSP_SCHEDULE_DELAY", out.warnings)) out.batch.schedule_delay = std::chrono::milliseconds(*v);
  out.batch.max_export_batch_size = std::min(out.batch.max_export_batch_size, out.batch.max_queue_size);
  return out;
}

}  // namespace llmgw::telemetry
