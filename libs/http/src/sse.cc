#include "llmgw/http/sse.h"

namespace llmgw::http {

bool SseParser::Feed(std::string_view bytes, const std::function<void(SseEvent&)>& on_event) {
  for (char c : bytes) {
    if (skip_lf_) {
      skip_lf_ = false;
      if (c == '\n') continue;
    }
    if (c == '\r' || c == '\n') {
      skip_lf_ = c == '\r';
      Line(line_, on_event);
      line_.clear();
      continue;
    }
    line_ += c;
    if (line_.size() + current_.data.size() > max_) return false;
  }
  return true;
}

void SseParser::Line(std::string_view line, const std::function<void(SseEvent&)>& on_event) {
  if (line.empty()) {
    if (has_data_ || !current_.event.empty()) on_event(current_);
    current_ = SseEvent();
    has_data_ = false;
    return;
  }
  if (line[0] == ':') return;  // comment / keep-alive
  auto colon = line.find(':');
  std::string_view field = line.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = line.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (has_data_) current_.data += '\n';
    current_.data.append(value);
    has_data_ = true;
  } else if (field == "event") {
    current_.event = std::string(value);
  } else if (field == "id") {
    current_.id = std::string(value);
  }
}

std::string SseData(std::string_view payload) {
  std::string out;
  out.reserve(payload.size() + 8);
  out.append("data: ").append(payload).append("\n\n");
  return out;
}

}  // namespace llmgw::http
