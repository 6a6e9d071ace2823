// Embeddings: client JSON -> proto (strict), proto -> upstream JSON, upstream JSON -> proto,
// proto -> client JSON (float arrays, or base64 of little-endian float32 as openai-node asks).
#include <bit>
#include <charconv>
#include <cstring>
#include <set>

#include "absl/strings/escaping.h"
#include "llmgw/providers/openai_json.h"
#include "json_util.h"
#include "message_json.h"

namespace llmgw::providers {
namespace {

using namespace internal;  // NOLINT: the JSON helpers of this library

// LiteLLM-proxy fields that steer the gateway; never sent upstream.
const std::set<std::string, std::less<>>& GatewayOnlyFields() {
  static const std::set<std::string, std::less<>> f = {"metadata", "tags", "caching",
                                                       "num_retries", "fallbacks"};
  return f;
}

absl::Status ParseInput(const json::value& v, EmbeddingsRequest* r) {
  if (v.is_string()) {
    r->add_inputs(std::string(View(v.get_string())));
  } else if (v.is_array()) {
    const auto& arr = v.get_array();
    for (size_t i = 0; i < arr.size(); ++i) {
      if (arr[i].is_string()) {
        r->add_inputs(std::string(View(arr[i].get_string())));
      } else if (arr[i].is_number() || arr[i].is_array()) {
        return BadField("input", "token-id input is not supported by llmgw; send the text");
      } else {
        return BadField(absl::StrCat("input[", i, "]"), absl::StrCat("expected a string, got ", KindName(arr[i])));
      }
    }
    if (r->inputs_size() > 2048) return BadField("input", "at most 2048 inputs per request");
  } else {
    return BadField("input", absl::StrCat("expected a string or an array of strings, got ", KindName(v)));
  }
  if (r->inputs_size() == 0) return BadField("input", "must not be empty");
  for (const auto& s : r->inputs()) {
    if (s.empty()) return BadField("input", "inputs must not be empty strings");
  }
  return absl::OkStatus();
}

// The shortest text that reads back as the same float32.
void AppendFloat(std::string& out, float f) {
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof(buf), f);
  out.append(buf, res.ptr);
}

std::string Base64Floats(const google::protobuf::RepeatedField<float>& values) {
  std::string raw(values.size() * sizeof(float), '\0');
  for (int i = 0; i < values.size(); ++i) {
    uint32_t bits = std::bit_cast<uint32_t>(values[i]);
    if constexpr (std::endian::native == std::endian::big) bits = __builtin_bswap32(bits);
    std::memcpy(raw.data() + i * sizeof(float), &bits, sizeof(bits));
  }
  return absl::Base64Escape(raw);
}

absl::Status Unreadable(std::string_view why) {
  return MakeError(absl::StatusCode::kUnavailable, common::v1::ERROR_KIND_UPSTREAM_ERROR,
                   absl::StrCat("provider sent an unreadable embeddings answer: ",
                                absl::string_view(why.data(), why.size())));
}

absl::Status ParseVector(const json::value& v, common::v1::Embedding* out) {
  if (v.is_array()) {
    for (const auto& x : v.get_array()) {
      if (!x.is_number()) return Unreadable("an embedding value is not a number");
      out->add_values(static_cast<float>(x.to_number<double>()));
    }
    return absl::OkStatus();
  }
  if (v.is_string()) {
    std::string raw;
    if (!absl::Base64Unescape(absl::string_view(v.get_string().data(), v.get_string().size()), &raw) ||
        raw.size() % sizeof(float) != 0) {
      return Unreadable("a base64 embedding does not decode to float32 values");
    }
    for (size_t i = 0; i < raw.size(); i += sizeof(float)) {
      uint32_t bits;
      std::memcpy(&bits, raw.data() + i, sizeof(bits));
      if constexpr (std::endian::native == std::endian::big) bits = __builtin_bswap32(bits);
      out->add_values(std::bit_cast<float>(bits));
    }
    return absl::OkStatus();
  }
  return Unreadable("an embedding is neither an array nor a base64 string");
}

}  // namespace

absl::StatusOr<EmbeddingsRequest> ParseEmbeddingsRequest(std::string_view body,
                                                         std::string_view default_model) {
  auto parsed = ParseJson(body);
  if (!parsed.ok()) return parsed.status();
  if (!parsed->is_object()) return BadField("body", "expected a JSON object");
  EmbeddingsRequest r;
  bool has_input = false;
  for (const auto& kv : parsed->get_object()) {
    std::string_view key(kv.key().data(), kv.key().size());
    std::string k(key);
    const json::value& v = kv.value();
    if (key == "model") {
      LLMGW_TRY(ExpectString(v, k, r.mutable_model()));
    } else if (key == "input") {
      has_input = true;
      LLMGW_TRY(ParseInput(v, &r));
    } else if (v.is_null() || GatewayOnlyFields().count(key)) {
      // null: not set; steering fields: the gateway's own.
    } else if (key == "encoding_format") {
      LLMGW_TRY(ExpectString(v, k, r.mutable_encoding_format()));
      if (r.encoding_format() != "float" && r.encoding_format() != "base64") {
        return BadField(k, "expected 'float' or 'base64'");
      }
    } else if (key == "dimensions") {
      int64_t n = 0;
      LLMGW_TRY(ExpectInt(v, k, &n));
      if (n < 1) return BadField(k, "must be >= 1");
      r.set_dimensions(n);
    } else if (key == "user") {
      LLMGW_TRY(ExpectString(v, k, r.mutable_user()));
    } else if (key == "cache") {
      LLMGW_TRY(ParseCacheControl(v, r.mutable_cache()));
    } else {
      return BadField(k, "unsupported parameter for /v1/embeddings");
    }
  }
  if (r.model().empty()) r.set_model(std::string(default_model));
  if (r.model().empty()) return BadField("model", "you must provide a model parameter");
  if (!has_input) return BadField("input", "required");
  return r;
}

std::string EmbeddingsRequestToJson(const EmbeddingsRequest& r, const std::string& model) {
  json::object o;
  o["model"] = model.empty() ? r.model() : model;
  json::array input;
  for (const auto& s : r.inputs()) input.emplace_back(s);
  o["input"] = std::move(input);
  // The client's format is applied by the gateway: ask for floats, which every
  // OpenAI-compatible server speaks.
  o["encoding_format"] = "float";
  if (r.has_dimensions()) o["dimensions"] = r.dimensions();
  if (!r.user().empty()) o["user"] = r.user();
  return json::serialize(o);
}

absl::StatusOr<EmbeddingsResponse> ParseEmbeddingsResponse(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(json::string_view(body.data(), body.size()), ec);
  if (ec || !v.is_object()) return Unreadable("not a JSON object");
  const json::object& o = v.get_object();
  const json::array* data = ArrayAt(o, "data");
  if (data == nullptr) return Unreadable("no data array");
  EmbeddingsResponse r;
  r.set_model(StringOr(o, "model"));
  for (size_t i = 0; i < data->size(); ++i) {
    if (!(*data)[i].is_object()) return Unreadable("a data entry is not an object");
    const json::object& e = (*data)[i].get_object();
    auto* out = r.add_data();
    out->set_index(e.contains("index") ? IntOr0(e, "index") : static_cast<int64_t>(i));
    auto it = e.find("embedding");
    if (it == e.end()) return Unreadable("a data entry has no embedding");
    LLMGW_TRY(ParseVector(it->value(), out));
  }
  if (const json::object* usage = ObjectAt(o, "usage")) ParseUsage(*usage, r.mutable_usage());
  if (r.usage().total_tokens() == 0) {
    r.mutable_usage()->set_total_tokens(r.usage().prompt_tokens());
  }
  return r;
}

std::string EmbeddingsResponseToJson(const EmbeddingsResponse& r, bool base64) {
  // Written by hand: a million floats through json::value would cost more than the call.
  std::string out = R"({"object":"list","data":[)";
  for (int i = 0; i < r.data_size(); ++i) {
    const auto& e = r.data(i);
    if (i > 0) out += ',';
    absl::StrAppend(&out, R"({"object":"embedding","index":)", e.index(), R"(,"embedding":)");
    if (base64) {
      absl::StrAppend(&out, "\"", Base64Floats(e.values()), "\"");
    } else {
      out += '[';
      for (int j = 0; j < e.values_size(); ++j) {
        if (j > 0) out += ',';
        AppendFloat(out, e.values(j));
      }
      out += ']';
    }
    out += '}';
  }
  absl::StrAppend(&out, R"(],"model":)", json::serialize(json::string(r.model())),
                  R"(,"usage":{"prompt_tokens":)", r.usage().prompt_tokens(),
                  R"(,"total_tokens":)", r.usage().total_tokens(), "}}");
  return out;
}

}  // namespace llmgw::providers
