#include "reader.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"

namespace llmgw::config::internal {
namespace {

constexpr absl::string_view kEnvPrefix = "os.environ/";

std::string Describe(const YAML::Node& n) {
  if (n.IsMap()) return "a mapping";
  if (n.IsSequence()) return "a list";
  if (n.IsNull()) return "null";
  return "'" + n.Scalar() + "'";
}

// The scalar text of `n` after os.environ/ indirection. `quoted` tells whether the text was
// written as a quoted YAML string (which never reads as a number or a boolean).
struct Scalar {
  std::string text;
  bool quoted = false;
};

std::optional<Scalar> ResolveScalar(const YAML::Node& n, const std::string& path, Context& ctx,
                                    const char* expected) {
  if (!n.IsScalar()) {
    ctx.Error(n, path, absl::StrCat("expected ", expected, ", got ", Describe(n)));
    return std::nullopt;
  }
  Scalar s{n.Scalar(), n.Tag() == "!"};
  if (absl::StartsWith(s.text, kEnvPrefix)) {
    std::string name = s.text.substr(kEnvPrefix.size());
    if (name.empty()) {
      ctx.Error(n, path, "os.environ/ needs a variable name");
      return std::nullopt;
    }
    auto value = ctx.Env(name);
    if (!value) {
      ctx.Error(n, path,
                absl::StrCat("environment variable ", name, " (from os.environ/", name,
                             ") is not set"));
      return std::nullopt;
    }
    return Scalar{*value, false};
  }
  return s;
}

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

void Context::Error(const YAML::Node& at, const std::string& path, const std::string& message) {
  std::string where = source_;
  if (at.IsDefined() && at.Mark().line >= 0) {
    where = absl::StrCat(source_, ":", at.Mark().line + 1, ":", at.Mark().column + 1);
  }
  errors_.push_back(absl::StrCat(where, ": ", path, ": ", message));
}

void Context::Warn(const std::string& path, const std::string& message) {
  warnings_.push_back(absl::StrCat(source_, ": ", path, ": ", message));
}

std::optional<std::string> Context::Env(const std::string& name) const {
  if (auto it = file_env_.find(name); it != file_env_.end()) return it->second;
  return env_(name);
}

std::string Join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

std::optional<std::string> ReadString(const YAML::Node& n, const std::string& path,
                                      Context& ctx) {
  auto s = ResolveScalar(n, path, ctx, "a string");
  if (!s) return std::nullopt;
  return s->text;
}

std::optional<int64_t> ReadInt(const YAML::Node& n, const std::string& path, Context& ctx,
                               int64_t min, int64_t max) {
  auto s = ResolveScalar(n, path, ctx, "an integer");
  if (!s) return std::nullopt;
  int64_t v = 0;
  if (s->quoted || !absl::SimpleAtoi(s->text, &v)) {
    ctx.Error(n, path, absl::StrCat("expected an integer, got '", s->text, "'"));
    return std::nullopt;
  }
  if (v < min) {
    ctx.Error(n, path, min == 1 ? std::string("must be > 0") : absl::StrCat("must be >= ", min));
    return std::nullopt;
  }
  if (v > max) {
    ctx.Error(n, path, absl::StrCat("must be <= ", max));
    return std::nullopt;
  }
  return v;
}

std::optional<double> ReadNumber(const YAML::Node& n, const std::string& path, Context& ctx,
                                 double min, bool min_inclusive, double max) {
  auto s = ResolveScalar(n, path, ctx, "a number");
  if (!s) return std::nullopt;
  double v = 0;
  if (s->quoted || !absl::SimpleAtod(s->text, &v) || !std::isfinite(v)) {
    ctx.Error(n, path, absl::StrCat("expected a number, got '", s->text, "'"));
    return std::nullopt;
  }
  if (min_inclusive ? v < min : v <= min) {
    ctx.Error(n, path, absl::StrCat("must be ", min_inclusive ? ">= " : "> ", min));
    return std::nullopt;
  }
  if (v > max) {
    ctx.Error(n, path, absl::StrCat("must be <= ", max));
    return std::nullopt;
  }
  return v;
}

std::optional<bool> ReadBool(const YAML::Node& n, const std::string& path, Context& ctx) {
  auto s = ResolveScalar(n, path, ctx, "true or false");
  if (!s) return std::nullopt;
  std::string t = s->text;
  std::transform(t.begin(), t.end(), t.begin(), ::tolower);
  if (!s->quoted && (t == "true" || t == "yes" || t == "on")) return true;
  if (!s->quoted && (t == "false" || t == "no" || t == "off")) return false;
  ctx.Error(n, path, absl::StrCat("expected true or false, got '", s->text, "'"));
  return std::nullopt;
}

std::optional<Millis> ReadSeconds(const YAML::Node& n, const std::string& path, Context& ctx) {
  auto v = ReadNumber(n, path, ctx, 0, /*min_inclusive=*/false, 86400.0 * 7);
  if (!v) return std::nullopt;
  return Millis(static_cast<int64_t>(std::llround(*v * 1000)));
}

std::optional<Millis> ReadMillis(const YAML::Node& n, const std::string& path, Context& ctx,
                                 int64_t min) {
  auto v = ReadInt(n, path, ctx, min, int64_t{86400} * 7 * 1000);
  if (!v) return std::nullopt;
  return Millis(*v);
}

std::optional<PicoUsdPerToken> ReadPrice(const YAML::Node& n, const std::string& path,
                                         Context& ctx) {
  auto v = ReadNumber(n, path, ctx, 0, /*min_inclusive=*/true, 1.0);
  if (!v) return std::nullopt;
  return PricePerTokenFromUsd(*v);
}

std::optional<std::vector<std::string>> ReadStringList(const YAML::Node& n,
                                                       const std::string& path, Context& ctx) {
  if (!n.IsSequence()) {
    ctx.Error(n, path, absl::StrCat("expected a list of strings, got ", Describe(n)));
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (size_t i = 0; i < n.size(); ++i) {
    auto s = ReadString(n[i], absl::StrCat(path, "[", i, "]"), ctx);
    if (s) {
      out.push_back(*s);
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::map<std::string, std::string>> ReadStringMap(const YAML::Node& n,
                                                                const std::string& path,
                                                                Context& ctx) {
  if (!n.IsMap()) {
    ctx.Error(n, path, absl::StrCat("expected a mapping of strings, got ", Describe(n)));
    return std::nullopt;
  }
  std::map<std::string, std::string> out;
  bool ok = true;
  for (auto it = n.begin(); it != n.end(); ++it) {
    std::string key = it->first.Scalar();
    auto v = ReadString(it->second, Join(path, key), ctx);
    if (v) {
      out[key] = *v;
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::string> ReadHostPort(const YAML::Node& n, const std::string& path,
                                        Context& ctx) {
  auto s = ReadString(n, path, ctx);
  if (!s) return std::nullopt;
  auto colon = s->rfind(':');
  int port = -1;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(s->substr(colon + 1), &port) || port < 0 || port > 65535) {
    ctx.Error(n, path, absl::StrCat("expected host:port (e.g. 127.0.0.1:4000), got '", *s, "'"));
    return std::nullopt;
  }
  return s;
}

std::optional<std::string> ReadDurationText(const YAML::Node& n, const std::string& path,
                                            Context& ctx) {
  auto s = ReadString(n, path, ctx);
  if (!s) return std::nullopt;
  int64_t count = 0;
  if (s->size() < 2 || std::string("smhd").find(s->back()) == std::string::npos ||
      !absl::SimpleAtoi(s->substr(0, s->size() - 1), &count) || count <= 0) {
    ctx.Error(n, path, absl::StrCat("expected a duration such as 30s, 15m, 12h or 30d, got '",
                                    *s, "'"));
    return std::nullopt;
  }
  return s;
}

std::chrono::seconds DurationTextSeconds(const std::string& text) {
  int64_t count = 0;
  if (text.size() < 2 || !absl::SimpleAtoi(text.substr(0, text.size() - 1), &count)) return {};
  switch (text.back()) {
    case 'm': return std::chrono::minutes(count);
    case 'h': return std::chrono::hours(count);
    case 'd': return std::chrono::hours(24 * count);
    default: return std::chrono::seconds(count);
  }
}

std::optional<std::string> DidYouMean(const std::string& word,
                                      const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    size_t d = EditDistance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

}  // namespace llmgw::config::internal
