// JSON <-> protobuf for the admin API and the stores, with the conventions LiteLLM's
// JSON has and protobuf's own JSON mapping lacks: int64 as numbers, Money as a number
// of dollars, enums as lowercase names without their type prefix ("proxy_admin"),
// unset fields as null. One codec serves the REST edge and the SQL rows, so what an
// admin sends, what is stored and what is shown cannot drift apart.
#pragma once

#include <boost/json/fwd.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace google::protobuf {
class Message;
}

namespace llmgw::json {

struct ParseOptions {
  // Query parameters: every value is text, so "5" is a number and "true" a bool.
  bool scalars_from_strings = false;
  // Keys the caller handles itself (e.g. "duration" next to a key's fields).
  std::vector<std::string> skip_keys;
};

// Fills `msg` from `obj` (field names are the proto names). Unknown keys, wrong types and
// out-of-range numbers are INVALID_ARGUMENT naming the field ("models[2]: expected a
// string"). null clears a field. `present` receives the top-level keys that were set,
// for update masks.
absl::Status FromJson(const boost::json::object& obj, google::protobuf::Message& msg,
                      const ParseOptions& options = {}, std::vector<std::string>* present = nullptr);

// Every field of `msg`, unset ones as null (empty lists and maps as [] and {}).
boost::json::object ToJson(const google::protobuf::Message& msg);

// The same for whole documents.
absl::Status FromJsonText(std::string_view text, google::protobuf::Message& msg);
std::string ToJsonText(const google::protobuf::Message& msg);

// Parses a request body: an object, at most 64 levels deep. INVALID_ARGUMENT otherwise.
absl::Status ParseObject(std::string_view text, boost::json::object& out);

}  // namespace llmgw::json
