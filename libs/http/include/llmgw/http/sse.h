// Server-Sent Events: an incremental parser for upstream streams (accepts \n, \r\n and \r
// line ends, ignores comments and unknown fields) and the writer's framing.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace llmgw::http {

struct SseEvent {
  std::string event;  // "" when the stream sends no `event:` line
  std::string data;   // `data:` lines joined with '\n'
  std::string id;
};

class SseParser {
 public:
  // `max_event_bytes` bounds one event; past it Feed returns false (a broken stream).
  explicit SseParser(size_t max_event_bytes = 8 * 1024 * 1024) : max_(max_event_bytes) {}
  // Feeds bytes as they arrive; `on_event` runs for each complete event.
  bool Feed(std::string_view bytes, const std::function<void(SseEvent&)>& on_event);

 private:
  void Line(std::string_view line, const std::function<void(SseEvent&)>& on_event);
  size_t max_;
  std::string line_;
  bool skip_lf_ = false;
  bool has_data_ = false;
  SseEvent current_;
};

// "data: <payload>\n\n" (payload must not contain newlines; JSON from our encoder does not).
std::string SseData(std::string_view payload);

}  // namespace llmgw::http
