#include "llmgw/storage/database.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/storage/src/backends.h"
#include "llmgw/telemetry/tracing.h"

namespace llmgw::storage {
namespace {

// Database spans (OTel database conventions) for statements run on behalf of a traced call
// (telemetry::AmbientParent, set by the service around the work it hands to a pool):
// `db.system.name`, `db.operation.name` and the statement with its placeholders, never its
// parameter values. Without an ambient parent nothing is recorded.
class TracedTransaction final : public Transaction {
 public:
  TracedTransaction(Transaction& inner, const char* system) : inner_(inner), system_(system) {}
  absl::StatusOr<Result> Execute(std::string_view sql, const std::vector<Value>& params) override {
    const telemetry::TraceContext* parent = telemetry::AmbientParent();
    if (parent == nullptr || !telemetry::TracingEnabled()) return inner_.Execute(sql, params);
    std::string_view op = sql.substr(0, sql.find_first_of(" \n\t("));
    telemetry::Span span = telemetry::StartSpan(telemetry::SpanName({op, " ", system_}), telemetry::SpanKind::kClient,
                                                parent, false);
    span.SetAttribute("db.system.name", system_);
    span.SetAttribute("db.operation.name", op);
    span.SetAttribute("db.query.text", sql.substr(0, 1000));
    auto r = inner_.Execute(sql, params);
    if (!r.ok()) {
      span.SetAttribute("error.type", absl::StatusCodeToString(r.status().code()));
      span.SetError(std::string(r.status().message()));
    }
    return r;
  }

 private:
  Transaction& inner_;
  const char* system_;
};

class TracedDatabase final : public Database {
 public:
  explicit TracedDatabase(std::unique_ptr<Database> inner)
      : inner_(std::move(inner)), system_(inner_->dialect() == Dialect::kPostgres ? "postgresql" : "sqlite") {}
  Dialect dialect() const override { return inner_->dialect(); }
  absl::Status Transact(const std::function<absl::Status(Transaction&)>& body) override {
    return inner_->Transact([&](Transaction& t) {
      TracedTransaction traced(t, system_);
      return body(traced);
    });
  }
  absl::Status Ping() override { return inner_->Ping(); }
  const std::string& description() const override { return inner_->description(); }

 private:
  std::unique_ptr<Database> inner_;
  const char* system_;
};

absl::StatusOr<std::unique_ptr<Database>> Traced(absl::StatusOr<std::unique_ptr<Database>> db) {
  if (!db.ok()) return db;
  return std::unique_ptr<Database>(new TracedDatabase(std::move(*db)));
}

}  // namespace

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
    return Traced(internal::OpenPostgres(url, options));
  }
  if (url == ":memory:") return Traced(internal::OpenSqlite(url, options));
  if (absl::StartsWith(url, "sqlite://")) return Traced(internal::OpenSqlite(url.substr(9), options));
  if (absl::StartsWith(url, "sqlite:")) return Traced(internal::OpenSqlite(url.substr(7), options));
  return absl::InvalidArgumentError(absl::StrCat(
      "unsupported database URL '", RedactUrl(url),
      "': expected postgresql://..., sqlite:///path/to/file.db or :memory:"));
}

}  // namespace llmgw::storage
