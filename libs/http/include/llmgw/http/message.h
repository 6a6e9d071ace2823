// HTTP messages as the edge and the fake provider see them: plain data, no Beast types, so
// that handlers compile without Boost headers.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llmgw::http {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive lookup; "" when absent.
std::string_view FindHeader(const HeaderList& headers, std::string_view name);

struct Request {
  std::string method;  // "POST"
  std::string target;  // "/v1/chat/completions?x=1"
  std::string path;    // "/v1/chat/completions"
  std::string query;   // "x=1"
  HeaderList headers;
  std::string body;
  std::string remote;  // "127.0.0.1:53312"
  bool keep_alive = true;

  std::string_view Header(std::string_view name) const { return FindHeader(headers, name); }
  // The value of a query parameter (percent-decoded), or "".
  std::string QueryParam(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  HeaderList headers;
  std::string body;
};

}  // namespace llmgw::http
