#include "llmgw/storage/database.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/storage/src/backends.h"

namespace llmgw::storage {

const std::string& Row::Text(size_t i) const {
  static const std::string kEmpty;
  const auto& c = cells.at(i);
  return c ? *c : kEmpty;
}

int64_t Row::Int(size_t i) const {
  int64_t v = 0;
  const auto& c = cells.at(i);
  if (c && !absl::SimpleAtoi(*c, &v)) v = 0;
  return v;
}

std::string RedactUrl(std::string_view url) {
  auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  auto at = url.find('@', scheme + 3);
  if (at == std::string_view::npos) return std::string(url);
  auto colon = url.find(':', scheme + 3);
  if (colon == std::string_view::npos || colon > at) return std::string(url);
  return std::string(url.substr(0, colon + 1)) + "***" + std::string(url.substr(at));
}

absl::StatusOr<std::unique_ptr<Database>> OpenDatabase(const std::string& url,
                                                       const DatabaseOptions& options) {
  if (absl::StartsWith(url, "postgresql://") || absl::StartsWith(url, "postgres://")) {
    return internal::OpenPostgres(url, options);
  }
  if (url == ":memory:") return internal::OpenSqlite(url, options);
  if (absl::StartsWith(url, "sqlite://")) return internal::OpenSqlite(url.substr(9), options);
  if (absl::StartsWith(url, "sqlite:")) return internal::OpenSqlite(url.substr(7), options);
  return absl::InvalidArgumentError(absl::StrCat(
      "unsupported database URL '", RedactUrl(url),
      "': expected postgresql://..., sqlite:///path/to/file.db or :memory:"));
}

}  // namespace llmgw::storage
