// Structured logs: one JSON object per line on stderr, with the fields given. Never pass a
// key, a prompt or a completion as a field.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace llmgw::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// A log field; numbers are written as JSON numbers, everything else as strings.
struct Field {
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v) {}
  Field(std::string_view k, int64_t v) : key(k), value(std::to_string(v)), is_number(true) {}
  Field(std::string_view k, int v) : key(k), value(std::to_string(v)), is_number(true) {}
  Field(std::string_view k, uint64_t v) : key(k), value(std::to_string(v)), is_number(true) {}
  Field(std::string_view k, double v);
  std::string_view key;
  std::string value;
  bool is_number = false;
};

// Every line's "service" field (the process's service.name); call once at start.
void SetService(std::string_view service);
// Sets the lowest level written; from LLMGW_LOG_LEVEL (debug|info|warn|error) at start.
void SetLevel(Level level);
bool Enabled(Level level);
// Sends lines to `sink` instead of stderr (tests). Pass nullptr to restore stderr.
void SetSinkForTesting(std::string* sink);

void Write(Level level, std::string_view msg, std::initializer_list<Field> fields);

inline void Debug(std::string_view msg, std::initializer_list<Field> fields = {}) {
  if (Enabled(Level::kDebug)) Write(Level::kDebug, msg, fields);
}
inline void Info(std::string_view msg, std::initializer_list<Field> fields = {}) {
  if (Enabled(Level::kInfo)) Write(Level::kInfo, msg, fields);
}
inline void Warn(std::string_view msg, std::initializer_list<Field> fields = {}) {
  if (Enabled(Level::kWarn)) Write(Level::kWarn, msg, fields);
}
inline void Error(std::string_view msg, std::initializer_list<Field> fields = {}) {
  if (Enabled(Level::kError)) Write(Level::kError, msg, fields);
}

// Appends `s` to `out` as the inside of a JSON string (no quotes).
void AppendJsonEscaped(std::string& out, std::string_view s);

}  // namespace llmgw::log
