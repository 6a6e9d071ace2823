#include "services/spend/ledger_store.h"

#include <google/protobuf/util/time_util.h>

#include "absl/strings/str_cat.h"
#include "llmgw/json/proto_json.h"
#include "llmgw/storage/migrations.h"

namespace llmgw::spend {
namespace {

using google::protobuf::util::TimeUtil;
using storage::Transaction;
using storage::Value;

const std::vector<storage::Migration>& Migrations() {
  static const auto* m = new std::vector<storage::Migration>{
      {1, "ledger and charges",
       "CREATE TABLE spend_ledger (request_id TEXT PRIMARY KEY, api_key TEXT, key_alias TEXT, user_id TEXT,"
       " team_id TEXT, end_user TEXT, model_group TEXT, model_id TEXT, provider TEXT,"
       " prompt_tokens BIGINT NOT NULL, completion_tokens BIGINT NOT NULL, cached_tokens BIGINT NOT NULL,"
       " spend_micros BIGINT NOT NULL, status TEXT NOT NULL, start_ms BIGINT NOT NULL, end_ms BIGINT NOT NULL,"
       " cache_hit BIGINT NOT NULL, metadata TEXT);"
       "CREATE INDEX spend_ledger_end ON spend_ledger (end_ms);"
       "CREATE INDEX spend_ledger_key ON spend_ledger (api_key, end_ms);"
       "CREATE INDEX spend_ledger_team ON spend_ledger (team_id, end_ms);"
       "CREATE INDEX spend_ledger_user ON spend_ledger (user_id, end_ms);"
       "CREATE TABLE spend_charges (request_id TEXT NOT NULL, scope TEXT NOT NULL, period_start BIGINT NOT NULL,"
       " period_end BIGINT NOT NULL, cost_micros BIGINT NOT NULL, PRIMARY KEY (request_id, scope));"
       "CREATE INDEX spend_charges_open ON spend_charges (period_end);"},
  };
  return *m;
}

int64_t Ms(const google::protobuf::Timestamp& t) { return TimeUtil::TimestampToMilliseconds(t); }
Value Text(const std::string& s) { return s.empty() ? Value(nullptr) : Value(s); }

// WHERE clause and parameters shared by Query and Report.
struct Filter {
  std::string where = " WHERE 1=1";
  std::vector<Value> params;
  void Add(const char* column, const char* op, Value v) {
    params.push_back(std::move(v));
    absl::StrAppend(&where, " AND ", column, " ", op, " $", params.size());
  }
};

Filter FilterOf(const v1::QuerySpendLogsRequest& r) {
  Filter f;
  if (!r.api_key().empty()) f.Add("api_key", "=", r.api_key());
  if (!r.user_id().empty()) f.Add("user_id", "=", r.user_id());
  if (!r.team_id().empty()) f.Add("team_id", "=", r.team_id());
  if (!r.request_id().empty()) f.Add("request_id", "=", r.request_id());
  if (r.has_start_date()) f.Add("end_ms", ">=", Ms(r.start_date()));
  if (r.has_end_date()) f.Add("end_ms", "<", Ms(r.end_date()));
  return f;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqlLedgerStore>> SqlLedgerStore::Create(std::unique_ptr<storage::Database> db) {
  if (auto s = storage::Migrate(*db, "spend", Migrations()); !s.ok()) return s;
  return std::unique_ptr<SqlLedgerStore>(new SqlLedgerStore(std::move(db)));
}

absl::Status SqlLedgerStore::Append(const std::vector<LedgerEntry>& entries) {
  return db_->Transact([&](Transaction& t) -> absl::Status {
    for (const auto& e : entries) {
      const v1::SpendLog& l = e.log;
      auto r = t.Execute(
          "INSERT INTO spend_ledger (request_id, api_key, key_alias, user_id, team_id, end_user, model_group, model_id,"
          " provider, prompt_tokens, completion_tokens, cached_tokens, spend_micros, status, start_ms, end_ms,"
          " cache_hit, metadata) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,"
          " $17, $18) ON CONFLICT (request_id) DO NOTHING",
          {l.request_id(), Text(l.api_key()), Text(l.key_alias()), Text(l.user_id()), Text(l.team_id()),
           Text(l.end_user()), Text(l.model_group()), Text(l.model_id()), Text(l.provider()), l.prompt_tokens(),
           l.completion_tokens(), l.cached_tokens(), l.spend().micros(), l.status(), Ms(l.start_time()),
           Ms(l.end_time()), int64_t{l.cache_hit() ? 1 : 0},
           l.has_metadata() ? Value(json::ToJsonText(l.metadata())) : Value(nullptr)});
      if (!r.ok()) return r.status();
      if (r->affected == 0) continue;  // settled before: its charges are in too
      for (const auto& c : e.charges) {
        auto cr = t.Execute(
            "INSERT INTO spend_charges (request_id, scope, period_start, period_end, cost_micros)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (request_id, scope) DO NOTHING",
            {l.request_id(), c.scope, c.period_start, c.period_end, c.cost_micros});
        if (!cr.ok()) return cr.status();
      }
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<OpenCharge>> SqlLedgerStore::OpenCharges(int64_t now_unix) {
  std::vector<OpenCharge> out;
  absl::Status s = db_->Transact([&](Transaction& t) -> absl::Status {
    auto r = t.Execute(
        "SELECT scope, period_start, SUM(cost_micros) FROM spend_charges WHERE period_end > $1"
        " GROUP BY scope, period_start",
        {now_unix});
    if (!r.ok()) return r.status();
    out.clear();
    for (const auto& row : r->rows) out.push_back({row.Text(0), row.Int(1), row.Int(2)});
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<std::vector<std::string>> SqlLedgerStore::RecentRequestIds(int64_t since_unix) {
  std::vector<std::string> out;
  absl::Status s = db_->Transact([&](Transaction& t) -> absl::Status {
    auto r = t.Execute("SELECT request_id FROM spend_ledger WHERE end_ms >= $1", {since_unix * 1000});
    if (!r.ok()) return r.status();
    out.clear();
    for (const auto& row : r->rows) out.push_back(row.Text(0));
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<v1::QuerySpendLogsResponse> SqlLedgerStore::Query(const v1::QuerySpendLogsRequest& r) {
  int page = r.page() <= 0 ? 1 : r.page();
  int size = r.page_size() <= 0 ? 50 : r.page_size();
  if (size > 500) return absl::InvalidArgumentError("page_size: at most 500");
  Filter f = FilterOf(r);
  v1::QuerySpendLogsResponse out;
  out.set_page(page);
  out.set_page_size(size);
  absl::Status s = db_->Transact([&](Transaction& t) -> absl::Status {
    auto count = t.Execute("SELECT COUNT(*) FROM spend_ledger" + f.where, f.params);
    if (!count.ok()) return count.status();
    out.set_total(count->rows[0].Int(0));
    // LIMIT and OFFSET are validated integers: written into the text, not bound.
    auto rows = t.Execute(
        absl::StrCat("SELECT request_id, api_key, key_alias, user_id, team_id, end_user, model_group, model_id,"
                     " provider, prompt_tokens, completion_tokens, cached_tokens, spend_micros, status, start_ms,"
                     " end_ms, cache_hit, metadata FROM spend_ledger",
                     f.where, " ORDER BY end_ms DESC, request_id LIMIT ", size, " OFFSET ",
                     static_cast<int64_t>(page - 1) * size),
        f.params);
    if (!rows.ok()) return rows.status();
    out.clear_logs();
    for (const auto& row : rows->rows) {
      v1::SpendLog* l = out.add_logs();
      l->set_request_id(row.Text(0));
      l->set_api_key(row.Text(1));
      l->set_key_alias(row.Text(2));
      l->set_user_id(row.Text(3));
      l->set_team_id(row.Text(4));
      l->set_end_user(row.Text(5));
      l->set_model_group(row.Text(6));
      l->set_model_id(row.Text(7));
      l->set_provider(row.Text(8));
      l->set_prompt_tokens(row.Int(9));
      l->set_completion_tokens(row.Int(10));
      l->set_cached_tokens(row.Int(11));
      l->set_total_tokens(row.Int(9) + row.Int(10));
      l->mutable_spend()->set_micros(row.Int(12));
      l->set_status(row.Text(13));
      *l->mutable_start_time() = TimeUtil::MillisecondsToTimestamp(row.Int(14));
      *l->mutable_end_time() = TimeUtil::MillisecondsToTimestamp(row.Int(15));
      l->set_cache_hit(row.Int(16) != 0);
      if (!row.IsNull(17)) (void)json::FromJsonText(row.Text(17), *l->mutable_metadata());
    }
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<v1::SpendReportResponse> SqlLedgerStore::Report(const v1::SpendReportRequest& r) {
  const char* group = nullptr;
  std::string day_expr = db_->dialect() == storage::Dialect::kPostgres
                             ? "to_char(to_timestamp(end_ms / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
                             : "strftime('%Y-%m-%d', end_ms / 1000, 'unixepoch')";
  switch (r.group_by()) {
    case v1::REPORT_GROUP_TEAM: group = "COALESCE(team_id, '')"; break;
    case v1::REPORT_GROUP_API_KEY: group = "COALESCE(api_key, '')"; break;
    case v1::REPORT_GROUP_USER: group = "COALESCE(user_id, '')"; break;
    case v1::REPORT_GROUP_MODEL: group = "COALESCE(model_group, '')"; break;
    case v1::REPORT_GROUP_DAY: group = day_expr.c_str(); break;
    default: return absl::InvalidArgumentError("group_by: one of team, api_key, user, model, day");
  }
  v1::QuerySpendLogsRequest q;
  if (r.has_start_date()) *q.mutable_start_date() = r.start_date();
  if (r.has_end_date()) *q.mutable_end_date() = r.end_date();
  Filter f = FilterOf(q);
  v1::SpendReportResponse out;
  absl::Status s = db_->Transact([&](Transaction& t) -> absl::Status {
    auto rows = t.Execute(absl::StrCat("SELECT ", group, " AS g, SUM(spend_micros), COUNT(*), SUM(prompt_tokens),"
                                       " SUM(completion_tokens) FROM spend_ledger",
                                       f.where, " GROUP BY g ORDER BY g"),
                          f.params);
    if (!rows.ok()) return rows.status();
    out.Clear();
    int64_t total = 0;
    for (const auto& row : rows->rows) {
      auto* o = out.add_rows();
      o->set_group(row.Text(0));
      o->mutable_spend()->set_micros(row.Int(1));
      o->set_requests(row.Int(2));
      o->set_prompt_tokens(row.Int(3));
      o->set_completion_tokens(row.Int(4));
      o->set_total_tokens(row.Int(3) + row.Int(4));
      total += row.Int(1);
    }
    out.mutable_total_spend()->set_micros(total);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

}  // namespace llmgw::spend
