#include "llmgw/common/routes.h"

#include <array>

namespace llmgw {
namespace {

std::string_view WithoutV1(std::string_view p) {
  if (p.substr(0, 4) == "/v1/") p.remove_prefix(3);
  return p;
}

bool InGroup(std::string_view group, std::string_view route) {
  static constexpr std::array<std::string_view, 6> kLlm = {"/chat/completions", "/completions", "/embeddings",
                                                           "/models", "/messages", "/openai/deployments/"};
  static constexpr std::array<std::string_view, 4> kInfo = {"/key/info", "/user/info", "/team/info", "/models"};
  std::string_view r = WithoutV1(route);
  if (group == "llm_api_routes") {
    for (auto p : kLlm) {
      if (r == p || (p.back() == '/' && r.substr(0, p.size()) == p)) return true;
    }
    return false;
  }
  if (group == "info_routes") {
    for (auto p : kInfo) {
      if (r == p) return true;
    }
    return false;
  }
  if (group == "management_routes") {
    return r.substr(0, 5) == "/key/" || r.substr(0, 6) == "/team/" || r.substr(0, 6) == "/user/";
  }
  return false;
}

}  // namespace

bool RouteAllowed(const google::protobuf::RepeatedPtrField<std::string>& allowed, std::string_view route) {
  if (allowed.empty()) return true;
  std::string_view r = WithoutV1(route);
  for (const std::string& a : allowed) {
    std::string_view want = WithoutV1(a);
    if (!want.empty() && want.back() == '*') {
      want.remove_suffix(1);
      if (r.substr(0, want.size()) == want) return true;
    } else if (want == r || InGroup(want, route)) {
      return true;
    }
  }
  return false;
}

}  // namespace llmgw
