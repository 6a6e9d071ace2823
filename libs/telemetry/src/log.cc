#include "llmgw/telemetry/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>

namespace llmgw::log {
namespace {

Level LevelFromEnv() {
  const char* v = std::getenv("LLMGW_LOG_LEVEL");
  if (v == nullptr) return Level::kInfo;
  std::string_view s(v);
  if (s == "debug") return Level::kDebug;
  if (s == "warn") return Level::kWarn;
  if (s == "error") return Level::kError;
  return Level::kInfo;
}

std::atomic<int> g_level{static_cast<int>(LevelFromEnv())};
std::mutex g_sink_mu;
std::string* g_test_sink = nullptr;

// spdlog carries the finished line: its stderr sink serialises writers and flushes.
spdlog::logger& Logger() {
  static auto logger = [] {
    auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    auto l = std::make_shared<spdlog::logger>("llmgw", sink);
    l->set_pattern("%v");
    l->set_level(spdlog::level::trace);
    l->flush_on(spdlog::level::trace);
    return l;
  }();
  return *logger;
}

const char* LevelName(Level l) {
  switch (l) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

void AppendTimestamp(std::string& out) {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms.count()));
  out += buf;
}

}  // namespace

Field::Field(std::string_view k, double v) : key(k), is_number(true) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  value = buf;
}

void SetLevel(Level level) { g_level = static_cast<int>(level); }
bool Enabled(Level level) { return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed); }

void SetSinkForTesting(std::string* sink) {
  std::lock_guard lock(g_sink_mu);
  g_test_sink = sink;
}

void AppendJsonEscaped(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xf];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
}

namespace {
// Set once at start, before other threads log.
std::string g_service;
}  // namespace

void SetService(std::string_view service) { g_service = std::string(service); }

void Write(Level level, std::string_view msg, std::initializer_list<Field> fields) {
  std::string line;
  line.reserve(128 + msg.size());
  line += "{\"ts\":\"";
  AppendTimestamp(line);
  line += "\",\"level\":\"";
  line += LevelName(level);
  if (!g_service.empty()) {
    line += "\",\"service\":\"";
    AppendJsonEscaped(line, g_service);
  }
  line += "\",\"msg\":\"";
  AppendJsonEscaped(line, msg);
  line += '"';
  for (const auto& f : fields) {
    line += ",\"";
    AppendJsonEscaped(line, f.key);
    line += "\":";
    if (f.is_number) {
      line += f.value;
    } else {
      line += '"';
      AppendJsonEscaped(line, f.value);
      line += '"';
    }
  }
  line += '}';
  {
    std::lock_guard lock(g_sink_mu);
    if (g_test_sink != nullptr) {
      *g_test_sink += line;
      *g_test_sink += '\n';
      return;
    }
  }
  Logger().info(line);
}

}  // namespace llmgw::log
