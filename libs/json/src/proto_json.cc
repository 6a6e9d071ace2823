#include "llmgw/json/proto_json.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/reflection.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/time_util.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cmath>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "llmgw/common/v1/common.pb.h"

namespace llmgw::json {
namespace {

namespace pb = google::protobuf;
using FD = pb::FieldDescriptor;

constexpr int kMaxDepth = 32;
constexpr char kMoney[] = "llmgw.common.v1.Money";
constexpr char kTimestamp[] = "google.protobuf.Timestamp";
constexpr char kStruct[] = "google.protobuf.Struct";

// "ROLE_PROXY_ADMIN" of enum Role -> "proxy_admin".
std::string EnumPrefix(const pb::EnumDescriptor* e) {
  std::string out;
  for (char c : e->name()) {
    if (absl::ascii_isupper(c) && !out.empty()) out += '_';
    out += absl::ascii_toupper(c);
  }
  return out + "_";
}

std::string EnumJsonName(const pb::EnumValueDescriptor* v) {
  std::string prefix = EnumPrefix(v->type());
  std::string name = v->name();
  if (name.rfind(prefix, 0) == 0) name = name.substr(prefix.size());
  return absl::AsciiStrToLower(name);
}

class Parser {
 public:
  explicit Parser(const ParseOptions& o) : opt_(o) {}

  absl::Status Message(const boost::json::object& obj, pb::Message& msg, const std::string& path,
                       int depth, std::vector<std::string>* present) {
    if (depth > kMaxDepth) return Error(path, "nested too deeply");
    const pb::Descriptor* d = msg.GetDescriptor();
    const pb::Reflection* r = msg.GetReflection();
    for (const auto& [k, v] : obj) {
      std::string key(k);
      if (depth == 0 && std::find(opt_.skip_keys.begin(), opt_.skip_keys.end(), key) != opt_.skip_keys.end()) {
        continue;
      }
      std::string fpath = path.empty() ? key : absl::StrCat(path, ".", key);
      const FD* f = d->FindFieldByName(key);
      if (f == nullptr) return Error(fpath, "unknown field");
      if (present) present->push_back(key);
      if (v.is_null()) {
        r->ClearField(&msg, f);
        continue;
      }
      if (f->is_map()) {
        if (auto s = Map(v, msg, f, fpath, depth); !s.ok()) return s;
      } else if (f->is_repeated()) {
        if (!v.is_array()) return Error(fpath, "expected a list");
        r->ClearField(&msg, f);
        size_t i = 0;
        for (const auto& e : v.as_array()) {
          if (auto s = Add(e, msg, f, absl::StrCat(fpath, "[", i++, "]"), depth); !s.ok()) return s;
        }
      } else {
        if (auto s = Set(v, msg, f, fpath, depth); !s.ok()) return s;
      }
    }
    return absl::OkStatus();
  }

 private:
  static absl::Status Error(const std::string& path, std::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", std::string(what)));
  }

  // Scalars from JSON (or from query-string text when allowed).
  absl::StatusOr<int64_t> Int(const boost::json::value& v, const std::string& path) {
    if (v.is_int64()) return v.as_int64();
    if (v.is_uint64() && v.as_uint64() <= static_cast<uint64_t>(INT64_MAX)) return static_cast<int64_t>(v.as_uint64());
    if (v.is_double()) {
      double d = v.as_double();
      if (std::floor(d) == d && std::fabs(d) < 9.2e18) return static_cast<int64_t>(d);
      return Error(path, "expected a whole number");
    }
    int64_t n = 0;
    if (opt_.scalars_from_strings && v.is_string() && absl::SimpleAtoi(std::string(v.as_string()), &n)) return n;
    return Error(path, "expected a whole number");
  }
  absl::StatusOr<double> Number(const boost::json::value& v, const std::string& path) {
    if (v.is_number()) return v.to_number<double>();
    double d = 0;
    if (opt_.scalars_from_strings && v.is_string() && absl::SimpleAtod(std::string(v.as_string()), &d)) return d;
    return Error(path, "expected a number");
  }
  absl::StatusOr<bool> Bool(const boost::json::value& v, const std::string& path) {
    if (v.is_bool()) return v.as_bool();
    if (opt_.scalars_from_strings && v.is_string()) {
      if (v.as_string() == "true") return true;
      if (v.as_string() == "false") return false;
    }
    return Error(path, "expected true or false");
  }
  absl::StatusOr<std::string> String(const boost::json::value& v, const std::string& path) {
    if (v.is_string()) return std::string(v.as_string());
    return Error(path, "expected a string");
  }
  absl::StatusOr<const pb::EnumValueDescriptor*> Enum(const boost::json::value& v, const FD* f,
                                                      const std::string& path) {
    if (!v.is_string()) return Error(path, "expected a string");
    std::string want(v.as_string());
    std::vector<std::string> names;
    for (int i = 0; i < f->enum_type()->value_count(); ++i) {
      const auto* ev = f->enum_type()->value(i);
      if (ev->number() == 0) continue;
      std::string n = EnumJsonName(ev);
      if (n == want) return ev;
      names.push_back(n);
    }
    std::string list;
    for (const auto& n : names) absl::StrAppend(&list, list.empty() ? "" : ", ", n);
    return Error(path, absl::StrCat("expected one of ", list));
  }

  // Money: a number of dollars, kept as whole micro-dollars.
  absl::Status Money(const boost::json::value& v, pb::Message& m, const std::string& path) {
    auto d = Number(v, path);
    if (!d.ok()) return d.status();
    if (!std::isfinite(*d) || *d < 0 || *d > 1e12) return Error(path, "expected an amount in USD between 0 and 1e12");
    static_cast<common::v1::Money&>(m).set_micros(static_cast<int64_t>(std::llround(*d * 1e6)));
    return absl::OkStatus();
  }

  absl::Status Timestamp(const boost::json::value& v, pb::Message& m, const std::string& path) {
    if (!v.is_string()) return Error(path, "expected an RFC 3339 time");
    if (!pb::util::TimeUtil::FromString(std::string(v.as_string()), static_cast<pb::Timestamp*>(&m))) {
      return Error(path, "expected an RFC 3339 time such as 2026-12-31T00:00:00Z");
    }
    return absl::OkStatus();
  }

  absl::Status StructValue(const boost::json::value& v, pb::Value& out, const std::string& path, int depth) {
    if (depth > kMaxDepth) return Error(path, "nested too deeply");
    switch (v.kind()) {
      case boost::json::kind::null: out.set_null_value(pb::NULL_VALUE); break;
      case boost::json::kind::bool_: out.set_bool_value(v.as_bool()); break;
      case boost::json::kind::string: out.set_string_value(std::string(v.as_string())); break;
      case boost::json::kind::array: {
        auto* list = out.mutable_list_value();
        for (const auto& e : v.as_array()) {
          if (auto s = StructValue(e, *list->add_values(), path, depth + 1); !s.ok()) return s;
        }
        break;
      }
      case boost::json::kind::object: {
        auto* st = out.mutable_struct_value();
        for (const auto& [k, e] : v.as_object()) {
          if (auto s = StructValue(e, (*st->mutable_fields())[std::string(k)], absl::StrCat(path, ".", std::string(k)), depth + 1); !s.ok()) return s;
        }
        break;
      }
      default: out.set_number_value(v.to_number<double>()); break;
    }
    return absl::OkStatus();
  }

  absl::Status Submessage(const boost::json::value& v, pb::Message& m, const std::string& path, int depth) {
    const std::string& type = m.GetDescriptor()->full_name();
    if (type == kMoney) return Money(v, m, path);
    if (type == kTimestamp) return Timestamp(v, m, path);
    if (!v.is_object()) return Error(path, "expected an object");
    if (type == kStruct) {
      pb::Value wrapped;
      if (auto s = StructValue(v, wrapped, path, depth); !s.ok()) return s;
      static_cast<pb::Struct&>(m) = wrapped.struct_value();
      return absl::OkStatus();
    }
    return Message(v.as_object(), m, path, depth + 1, nullptr);
  }

  absl::Status Set(const boost::json::value& v, pb::Message& msg, const FD* f, const std::string& path, int depth) {
    const pb::Reflection* r = msg.GetReflection();
    switch (f->cpp_type()) {
      case FD::CPPTYPE_INT64: case FD::CPPTYPE_INT32: {
        auto n = Int(v, path);
        if (!n.ok()) return n.status();
        if (f->cpp_type() == FD::CPPTYPE_INT32) {
          if (*n < INT32_MIN || *n > INT32_MAX) return Error(path, "out of range");
          r->SetInt32(&msg, f, static_cast<int32_t>(*n));
        } else {
          r->SetInt64(&msg, f, *n);
        }
        return absl::OkStatus();
      }
      case FD::CPPTYPE_DOUBLE: { auto d = Number(v, path); if (!d.ok()) return d.status(); r->SetDouble(&msg, f, *d); return absl::OkStatus(); }
      case FD::CPPTYPE_BOOL: { auto b = Bool(v, path); if (!b.ok()) return b.status(); r->SetBool(&msg, f, *b); return absl::OkStatus(); }
      case FD::CPPTYPE_STRING: { auto s = String(v, path); if (!s.ok()) return s.status(); r->SetString(&msg, f, *s); return absl::OkStatus(); }
      case FD::CPPTYPE_ENUM: { auto e = Enum(v, f, path); if (!e.ok()) return e.status(); r->SetEnum(&msg, f, *e); return absl::OkStatus(); }
      case FD::CPPTYPE_MESSAGE: return Submessage(v, *r->MutableMessage(&msg, f), path, depth);
      default: return Error(path, "unsupported field type");
    }
  }

  absl::Status Add(const boost::json::value& v, pb::Message& msg, const FD* f, const std::string& path, int depth) {
    const pb::Reflection* r = msg.GetReflection();
    switch (f->cpp_type()) {
      case FD::CPPTYPE_INT64: { auto n = Int(v, path); if (!n.ok()) return n.status(); r->AddInt64(&msg, f, *n); return absl::OkStatus(); }
      case FD::CPPTYPE_STRING: { auto s = String(v, path); if (!s.ok()) return s.status(); r->AddString(&msg, f, *s); return absl::OkStatus(); }
      case FD::CPPTYPE_ENUM: { auto e = Enum(v, f, path); if (!e.ok()) return e.status(); r->AddEnum(&msg, f, *e); return absl::OkStatus(); }
      case FD::CPPTYPE_MESSAGE: return Submessage(v, *r->AddMessage(&msg, f), path, depth);
      default: return Error(path, "unsupported list type");
    }
  }

  absl::Status Map(const boost::json::value& v, pb::Message& msg, const FD* f, const std::string& path, int depth) {
    if (!v.is_object()) return Error(path, "expected an object");
    const pb::Reflection* r = msg.GetReflection();
    r->ClearField(&msg, f);
    const FD* key_f = f->message_type()->map_key();
    const FD* val_f = f->message_type()->map_value();
    for (const auto& [k, e] : v.as_object()) {
      std::string epath = absl::StrCat(path, ".", std::string(k));
      pb::Message* entry = r->AddMessage(&msg, f);
      entry->GetReflection()->SetString(entry, key_f, std::string(k));
      if (e.is_null()) return Error(epath, "null is not a value");
      if (auto s = Set(e, *entry, val_f, epath, depth); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  const ParseOptions& opt_;
};

boost::json::value ScalarToJson(const pb::Message& msg, const FD* f, int index);
boost::json::value MessageValue(const pb::Message& m);

boost::json::value StructValueToJson(const pb::Value& v) {
  switch (v.kind_case()) {
    case pb::Value::kBoolValue: return v.bool_value();
    case pb::Value::kNumberValue: {
      double d = v.number_value();
      if (std::floor(d) == d && std::fabs(d) < 9e15) return static_cast<int64_t>(d);
      return d;
    }
    case pb::Value::kStringValue: return boost::json::string(v.string_value());
    case pb::Value::kListValue: {
      boost::json::array a;
      for (const auto& e : v.list_value().values()) a.push_back(StructValueToJson(e));
      return a;
    }
    case pb::Value::kStructValue: {
      boost::json::object o;
      for (const auto& [k, e] : v.struct_value().fields()) o[k] = StructValueToJson(e);
      return o;
    }
    default: return nullptr;
  }
}

boost::json::value MessageValue(const pb::Message& m) {
  const std::string& type = m.GetDescriptor()->full_name();
  if (type == kMoney) {
    int64_t micros = static_cast<const common::v1::Money&>(m).micros();
    if (micros % 1'000'000 == 0) return micros / 1'000'000;  // 100, not 1E2
    return static_cast<double>(micros) / 1e6;
  }
  if (type == kTimestamp) {
    return boost::json::string(pb::util::TimeUtil::ToString(static_cast<const pb::Timestamp&>(m)));
  }
  if (type == kStruct) {
    pb::Value v;
    *v.mutable_struct_value() = static_cast<const pb::Struct&>(m);
    return StructValueToJson(v);
  }
  return ToJson(m);
}

boost::json::value ScalarToJson(const pb::Message& msg, const FD* f, int index) {
  const pb::Reflection* r = msg.GetReflection();
  bool rep = index >= 0;
  switch (f->cpp_type()) {
    case FD::CPPTYPE_INT64: return rep ? r->GetRepeatedInt64(msg, f, index) : r->GetInt64(msg, f);
    case FD::CPPTYPE_INT32: return rep ? r->GetRepeatedInt32(msg, f, index) : r->GetInt32(msg, f);
    case FD::CPPTYPE_UINT64: return rep ? r->GetRepeatedUInt64(msg, f, index) : r->GetUInt64(msg, f);
    case FD::CPPTYPE_UINT32: return rep ? r->GetRepeatedUInt32(msg, f, index) : r->GetUInt32(msg, f);
    case FD::CPPTYPE_DOUBLE: return rep ? r->GetRepeatedDouble(msg, f, index) : r->GetDouble(msg, f);
    case FD::CPPTYPE_FLOAT: return rep ? r->GetRepeatedFloat(msg, f, index) : r->GetFloat(msg, f);
    case FD::CPPTYPE_BOOL: return rep ? r->GetRepeatedBool(msg, f, index) : r->GetBool(msg, f);
    case FD::CPPTYPE_STRING: {
      std::string s = rep ? r->GetRepeatedString(msg, f, index) : r->GetString(msg, f);
      if (s.empty() && !rep) return nullptr;
      return boost::json::string(s);
    }
    case FD::CPPTYPE_ENUM: {
      const auto* ev = rep ? r->GetRepeatedEnum(msg, f, index) : r->GetEnum(msg, f);
      if (ev->number() == 0) return nullptr;
      return boost::json::string(EnumJsonName(ev));
    }
    case FD::CPPTYPE_MESSAGE:
      return MessageValue(rep ? r->GetRepeatedMessage(msg, f, index) : r->GetMessage(msg, f));
  }
  return nullptr;
}

}  // namespace

absl::Status FromJson(const boost::json::object& obj, pb::Message& msg, const ParseOptions& options,
                      std::vector<std::string>* present) {
  Parser p(options);
  return p.Message(obj, msg, "", 0, present);
}

boost::json::object ToJson(const pb::Message& msg) {
  boost::json::object out;
  const pb::Descriptor* d = msg.GetDescriptor();
  const pb::Reflection* r = msg.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const FD* f = d->field(i);
    if (f->is_map()) {
      boost::json::object m;
      const FD* key_f = f->message_type()->map_key();
      const FD* val_f = f->message_type()->map_value();
      for (int j = 0; j < r->FieldSize(msg, f); ++j) {
        const pb::Message& entry = r->GetRepeatedMessage(msg, f, j);
        m[entry.GetReflection()->GetString(entry, key_f)] = ScalarToJson(entry, val_f, -1);
      }
      out[f->name()] = std::move(m);
    } else if (f->is_repeated()) {
      boost::json::array a;
      for (int j = 0; j < r->FieldSize(msg, f); ++j) a.push_back(ScalarToJson(msg, f, j));
      out[f->name()] = std::move(a);
    } else if (f->has_presence() && !r->HasField(msg, f)) {
      out[f->name()] = nullptr;
    } else {
      out[f->name()] = ScalarToJson(msg, f, -1);
    }
  }
  return out;
}

absl::Status ParseObject(std::string_view text, boost::json::object& out) {
  boost::json::parse_options po;
  po.max_depth = 64;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(boost::json::string_view(text.data(), text.size()), ec, {}, po);
  if (ec) return absl::InvalidArgumentError(absl::StrCat("the body is not valid JSON: ", ec.message()));
  if (!v.is_object()) return absl::InvalidArgumentError("the body must be a JSON object");
  out = std::move(v.as_object());
  return absl::OkStatus();
}

absl::Status FromJsonText(std::string_view text, pb::Message& msg) {
  boost::json::object obj;
  if (auto s = ParseObject(text, obj); !s.ok()) return s;
  return FromJson(obj, msg);
}

std::string ToJsonText(const pb::Message& msg) { return boost::json::serialize(ToJson(msg)); }

}  // namespace llmgw::json
