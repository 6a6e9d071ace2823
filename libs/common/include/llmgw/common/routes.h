// A key's allowed_routes, as LiteLLM spells them: exact paths ("/v1/chat/completions";
// the "/v1" prefix is optional), path prefixes ending in "*" ("/key/*"), and the route
// groups "llm_api_routes", "management_routes" and "info_routes". Shared by the gateway
// (inference routes) and keymgr (admin routes) so both read the list the same way.
#pragma once

#include <string>
#include <string_view>

#include "google/protobuf/repeated_ptr_field.h"

namespace llmgw {

// True when `allowed` is empty (the role's defaults apply) or lets the key call `route`.
bool RouteAllowed(const google::protobuf::RepeatedPtrField<std::string>& allowed, std::string_view route);

}  // namespace llmgw
