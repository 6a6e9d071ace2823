// Internal helpers over Boost.JSON: typed field reads that produce the OpenAI-style 400
// with the field's path as `param`.
#pragma once

#include <boost/json.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "llmgw/common/error.h"

// Returns the status of `expr` when it is not OK.
#define LLMGW_TRY(expr)       \
  do {                        \
    absl::Status s_ = (expr); \
    if (!s_.ok()) return s_;  \
  } while (false)

namespace llmgw::providers::internal {

namespace json = boost::json;

inline absl::Status BadField(const std::string& param, std::string_view message) {
  return MakeError(absl::StatusCode::kInvalidArgument, common::v1::ERROR_KIND_INVALID_REQUEST,
                   absl::StrCat(param, ": ", absl::string_view(message.data(), message.size())),
                   {.param = param});
}

inline absl::StatusOr<json::value> ParseJson(std::string_view body) {
  json::parse_options opts;
  opts.max_depth = 64;
  boost::system::error_code ec;
  json::value v = json::parse(json::string_view(body.data(), body.size()), ec, {}, opts);
  if (ec) {
    return MakeError(absl::StatusCode::kInvalidArgument, common::v1::ERROR_KIND_INVALID_REQUEST,
                     absl::StrCat("request body is not valid JSON: ", ec.message()));
  }
  return v;
}

inline std::string_view View(const json::string& s) { return {s.data(), s.size()}; }

inline const char* KindName(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: return "a number";
    case json::kind::string: return "a string";
    case json::kind::array: return "an array";
    case json::kind::object: return "an object";
  }
  return "a value";
}

inline absl::Status ExpectString(const json::value& v, const std::string& param, std::string* out) {
  if (!v.is_string()) return BadField(param, absl::StrCat("expected a string, got ", KindName(v)));
  *out = std::string(View(v.get_string()));
  return absl::OkStatus();
}

inline absl::Status ExpectNumber(const json::value& v, const std::string& param, double* out) {
  if (v.is_double()) {
    *out = v.get_double();
  } else if (v.is_int64()) {
    *out = static_cast<double>(v.get_int64());
  } else if (v.is_uint64()) {
    *out = static_cast<double>(v.get_uint64());
  } else {
    return BadField(param, absl::StrCat("expected a number, got ", KindName(v)));
  }
  return absl::OkStatus();
}

inline absl::Status ExpectInt(const json::value& v, const std::string& param, int64_t* out) {
  if (v.is_int64()) {
    *out = v.get_int64();
  } else if (v.is_uint64() && v.get_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    *out = static_cast<int64_t>(v.get_uint64());
  } else if (v.is_double() && v.get_double() == static_cast<double>(static_cast<int64_t>(v.get_double()))) {
    *out = static_cast<int64_t>(v.get_double());
  } else {
    return BadField(param, absl::StrCat("expected an integer, got ", KindName(v)));
  }
  return absl::OkStatus();
}

inline absl::Status ExpectBool(const json::value& v, const std::string& param, bool* out) {
  if (!v.is_bool()) return BadField(param, absl::StrCat("expected a boolean, got ", KindName(v)));
  *out = v.get_bool();
  return absl::OkStatus();
}

// Reads an optional integer field of a response (lenient: absent or null is 0).
inline int64_t IntOr0(const json::object& o, std::string_view key) {
  auto it = o.find(json::string_view(key.data(), key.size()));
  if (it == o.end()) return 0;
  if (it->value().is_int64()) return it->value().get_int64();
  if (it->value().is_uint64()) return static_cast<int64_t>(it->value().get_uint64());
  if (it->value().is_double()) return static_cast<int64_t>(it->value().get_double());
  return 0;
}

inline std::string StringOr(const json::object& o, std::string_view key, std::string fallback = "") {
  auto it = o.find(json::string_view(key.data(), key.size()));
  if (it == o.end() || !it->value().is_string()) return fallback;
  return std::string(View(it->value().get_string()));
}

inline const json::object* ObjectAt(const json::object& o, std::string_view key) {
  auto it = o.find(json::string_view(key.data(), key.size()));
  if (it == o.end() || !it->value().is_object()) return nullptr;
  return &it->value().get_object();
}

inline const json::array* ArrayAt(const json::object& o, std::string_view key) {
  auto it = o.find(json::string_view(key.data(), key.size()));
  if (it == o.end() || !it->value().is_array()) return nullptr;
  return &it->value().get_array();
}

}  // namespace llmgw::providers::internal
