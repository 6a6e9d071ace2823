#include "message_json.h"

namespace llmgw::providers::internal {
namespace {

using common::v1::ChatMessage;
using common::v1::ChatRole;

std::optional<ChatRole> RoleFromString(std::string_view s) {
  if (s == "system") return common::v1::CHAT_ROLE_SYSTEM;
  if (s == "developer") return common::v1::CHAT_ROLE_DEVELOPER;
  if (s == "user") return common::v1::CHAT_ROLE_USER;
  if (s == "assistant") return common::v1::CHAT_ROLE_ASSISTANT;
  if (s == "tool") return common::v1::CHAT_ROLE_TOOL;
  return std::nullopt;
}

const char* RoleName(ChatRole r) {
  switch (r) {
    case common::v1::CHAT_ROLE_SYSTEM: return "system";
    case common::v1::CHAT_ROLE_DEVELOPER: return "developer";
    case common::v1::CHAT_ROLE_USER: return "user";
    case common::v1::CHAT_ROLE_ASSISTANT: return "assistant";
    case common::v1::CHAT_ROLE_TOOL: return "tool";
    default: return "";
  }
}

absl::Status ParseContent(const json::value& v, const std::string& param, bool strict,
                          ChatMessage* out) {
  if (v.is_null()) return absl::OkStatus();
  if (v.is_string()) {
    out->set_text(std::string(View(v.get_string())));
    return absl::OkStatus();
  }
  if (!v.is_array()) {
    if (!strict) return absl::OkStatus();
    return BadField(param, absl::StrCat("expected a string or an array of parts, got ", KindName(v)));
  }
  auto* parts = out->mutable_parts();
  const auto& arr = v.get_array();
  for (size_t i = 0; i < arr.size(); ++i) {
    std::string p = absl::StrCat(param, "[", i, "]");
    if (!arr[i].is_object()) {
      if (strict) return BadField(p, "expected an object");
      continue;
    }
    const auto& o = arr[i].get_object();
    std::string type = StringOr(o, "type");
    auto* part = parts->add_parts();
    if (type == "text") {
      auto it = o.find("text");
      if (it == o.end() || !it->value().is_string()) {
        if (strict) return BadField(p + ".text", "required string");
        continue;
      }
      part->set_text(std::string(View(it->value().get_string())));
    } else if (type == "image_url") {
      const json::object* img = ObjectAt(o, "image_url");
      if (img == nullptr || StringOr(*img, "url").empty()) {
        if (strict) return BadField(p + ".image_url.url", "required string");
        continue;
      }
      part->mutable_image_url()->set_url(StringOr(*img, "url"));
      part->mutable_image_url()->set_detail(StringOr(*img, "detail"));
    } else {
      if (strict && type.empty()) return BadField(p + ".type", "required string");
      part->set_json(json::serialize(o));
    }
  }
  return absl::OkStatus();
}

absl::Status ParseToolCalls(const json::array& arr, const std::string& param, bool strict,
                            ChatMessage* out) {
  for (size_t i = 0; i < arr.size(); ++i) {
    std::string p = absl::StrCat(param, "[", i, "]");
    if (!arr[i].is_object()) {
      if (strict) return BadField(p, "expected an object");
      continue;
    }
    const auto& o = arr[i].get_object();
    auto* call = out->add_tool_calls();
    call->set_index(static_cast<int32_t>(o.contains("index") ? IntOr0(o, "index") : i));
    call->set_id(StringOr(o, "id"));
    call->set_type(StringOr(o, "type"));
    if (const json::object* fn = ObjectAt(o, "function")) {
      call->mutable_function()->set_name(StringOr(*fn, "name"));
      call->mutable_function()->set_arguments(StringOr(*fn, "arguments"));
    } else if (strict) {
      return BadField(p + ".function", "required object");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseMessage(const json::value& v, const std::string& param, bool strict,
                          ChatMessage* out) {
  if (!v.is_object()) return BadField(param, absl::StrCat("expected an object, got ", KindName(v)));
  const auto& o = v.get_object();
  auto role = o.find("role");
  if (role != o.end() && role->value().is_string()) {
    auto r = RoleFromString(View(role->value().get_string()));
    if (!r && strict) {
      return BadField(param + ".role",
                      absl::StrCat("unknown role '", std::string(View(role->value().get_string())),
                                   "'; expected system, developer, user, assistant or tool"));
    }
    if (r) out->set_role(*r);
  } else if (strict) {
    return BadField(param + ".role", "required string");
  }
  if (auto it = o.find("content"); it != o.end()) {
    if (auto s = ParseContent(it->value(), param + ".content", strict, out); !s.ok()) return s;
  }
  if (auto it = o.find("name"); it != o.end() && !it->value().is_null()) {
    std::string name;
    if (auto s = ExpectString(it->value(), param + ".name", &name); !s.ok() && strict) return s;
    out->set_name(name);
  }
  if (auto it = o.find("tool_calls"); it != o.end() && !it->value().is_null()) {
    if (!it->value().is_array()) {
      if (strict) return BadField(param + ".tool_calls", "expected an array");
    } else if (auto s = ParseToolCalls(it->value().get_array(), param + ".tool_calls", strict, out);
               !s.ok()) {
      return s;
    }
  }
  if (auto it = o.find("tool_call_id"); it != o.end() && it->value().is_string()) {
    out->set_tool_call_id(std::string(View(it->value().get_string())));
  }
  if (auto it = o.find("refusal"); it != o.end() && it->value().is_string()) {
    out->set_refusal(std::string(View(it->value().get_string())));
  }
  if (strict && out->role() == common::v1::CHAT_ROLE_TOOL && out->tool_call_id().empty()) {
    return BadField(param + ".tool_call_id", "required for role 'tool'");
  }
  return absl::OkStatus();
}

json::object MessageToJson(const ChatMessage& m, bool delta) {
  json::object o;
  if (m.role() != common::v1::CHAT_ROLE_UNSPECIFIED) o["role"] = RoleName(m.role());
  switch (m.content_case()) {
    case ChatMessage::kText:
      o["content"] = m.text();
      break;
    case ChatMessage::kParts: {
      json::array parts;
      for (const auto& p : m.parts().parts()) {
        if (p.has_text()) {
          parts.push_back(json::object{{"type", "text"}, {"text", p.text()}});
        } else if (p.has_image_url()) {
          json::object img{{"url", p.image_url().url()}};
          if (!p.image_url().detail().empty()) img["detail"] = p.image_url().detail();
          parts.push_back(json::object{{"type", "image_url"}, {"image_url", std::move(img)}});
        } else if (p.has_json()) {
          boost::system::error_code ec;
          json::value v = json::parse(p.json(), ec);
          if (!ec) parts.push_back(std::move(v));
        }
      }
      o["content"] = std::move(parts);
      break;
    }
    default:
      if (!delta) o["content"] = nullptr;
  }
  if (!m.name().empty()) o["name"] = m.name();
  if (m.has_refusal()) o["refusal"] = m.refusal();
  if (m.tool_calls_size() > 0) {
    json::array calls;
    for (const auto& c : m.tool_calls()) {
      json::object call;
      if (delta) call["index"] = c.index();
      if (!c.id().empty()) call["id"] = c.id();
      if (!c.type().empty()) call["type"] = c.type();
      json::object fn;
      if (!c.function().name().empty()) fn["name"] = c.function().name();
      if (!delta || !c.function().arguments().empty()) fn["arguments"] = c.function().arguments();
      call["function"] = std::move(fn);
      calls.push_back(std::move(call));
    }
    o["tool_calls"] = std::move(calls);
  }
  if (!m.tool_call_id().empty()) o["tool_call_id"] = m.tool_call_id();
  return o;
}

json::object UsageToJson(const common::v1::Usage& u) {
  json::object o{{"prompt_tokens", u.prompt_tokens()},
                 {"completion_tokens", u.completion_tokens()},
                 {"total_tokens", u.total_tokens()}};
  o["prompt_tokens_details"] = json::object{{"cached_tokens", u.cached_tokens()}};
  o["completion_tokens_details"] = json::object{{"reasoning_tokens", u.reasoning_tokens()}};
  return o;
}

void ParseUsage(const json::object& o, common::v1::Usage* out) {
  out->set_prompt_tokens(IntOr0(o, "prompt_tokens"));
  out->set_completion_tokens(IntOr0(o, "completion_tokens"));
  int64_t total = IntOr0(o, "total_tokens");
  out->set_total_tokens(total > 0 ? total : out->prompt_tokens() + out->completion_tokens());
  if (const json::object* d = ObjectAt(o, "prompt_tokens_details")) {
    out->set_cached_tokens(IntOr0(*d, "cached_tokens"));
  }
  if (const json::object* d = ObjectAt(o, "completion_tokens_details")) {
    out->set_reasoning_tokens(IntOr0(*d, "reasoning_tokens"));
  }
}

}  // namespace llmgw::providers::internal
