// llmgwctl keys … and spend report: keymgr's and spend's admin RPCs, as the master key.
#include <cmath>
#include <ostream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "apps/llmgwctl/client.h"
#include "apps/llmgwctl/commands.h"
#include "apps/llmgwctl/output.h"
#include "google/protobuf/util/time_util.h"
#include "llmgw/keymgr/v1/keymgr.grpc.pb.h"
#include "llmgw/spend/v1/spend.grpc.pb.h"

namespace llmgw::ctl {
namespace {

using google::protobuf::util::TimeUtil;
namespace kv1 = keymgr::v1;
namespace sv1 = spend::v1;

std::string Usd(const common::v1::Money& m) { return absl::StrFormat("$%.6f", m.micros() / 1e6); }

std::string Limit(bool has, int64_t v) { return has ? std::to_string(v) : "-"; }

void PrintKeys(const std::vector<const kv1::Key*>& keys, std::ostream& out) {
  Table t({"KEY", "ALIAS", "USER", "TEAM", "MODELS", "RPM", "TPM", "BUDGET", "EXPIRES", "BLOCKED"});
  for (const kv1::Key* k : keys) {
    t.Add({k->key_name(), k->key_alias(), k->user_id(), k->team_id(),
           k->models().empty() ? "(all allowed)" : absl::StrJoin(k->models(), ","),
           Limit(k->has_rpm_limit(), k->rpm_limit()), Limit(k->has_tpm_limit(), k->tpm_limit()),
           k->has_max_budget() ? Usd(k->max_budget()) : "-",
           k->has_expires() ? TimeUtil::ToString(k->expires()) : "never", k->blocked() ? "yes" : "no"});
  }
  out << t.Render();
}

// A date (YYYY-MM-DD) as midnight UTC; false when unreadable.
bool ParseDay(const std::string& day, google::protobuf::Timestamp* out) {
  return day.size() == 10 && TimeUtil::FromString(day + "T00:00:00Z", out);
}

// A connected stub of `Service`, or null after printing why.
template <typename Service>
std::unique_ptr<typename Service::Stub> StubFor(const Options& o, std::ostream& err) {
  auto channel = Connect(o, err);
  return channel ? Service::NewStub(channel) : nullptr;
}

// One admin call as the master key: its failure as an exit code, its answer as JSON with
// --json, else through `human`.
template <typename Stub, typename Request, typename Response, typename Human>
int Call(const Options& o, const char* what, Stub& stub,
         grpc::Status (Stub::*rpc)(grpc::ClientContext*, const Request&, Response*), const Request& req,
         std::ostream& out, std::ostream& err, Human human) {
  Response resp;
  auto ctx = Context(o, true);
  if (auto s = (stub.*rpc)(ctx.get(), req, &resp); !s.ok()) return RpcFailed(o, what, s, err);
  if (o.json) {
    PrintJson(resp, out);
  } else {
    human(resp);
  }
  return kOk;
}

}  // namespace

int ListKeys(const Options& o, const std::string& user_id, const std::string& team_id, int page,
             std::ostream& out, std::ostream& err) {
  if (int rc = NeedMasterKey(o, err); rc != kOk) return rc;
  auto stub = StubFor<kv1::KeyManager>(o, err);
  if (!stub) return kCannotConnect;
  kv1::ListKeysRequest req;
  req.set_user_id(user_id);
  req.set_team_id(team_id);
  req.set_page(page);
  req.set_size(100);
  req.set_return_full_object(true);
  return Call(o, "KeyManager/ListKeys", *stub, &kv1::KeyManager::Stub::ListKeys, req, out, err,
              [&](const kv1::ListKeysResponse& resp) {
                std::vector<const kv1::Key*> keys;
                for (const auto& k : resp.full_keys()) keys.push_back(&k);
                PrintKeys(keys, out);
                out << absl::StrFormat("page %d of %d, %d keys\n", resp.current_page(), resp.total_pages(),
                                       resp.total_count());
              });
}

int GenerateKey(const Options& o, const NewKey& k, std::ostream& out, std::ostream& err) {
  if (int rc = NeedMasterKey(o, err); rc != kOk) return rc;
  auto stub = StubFor<kv1::KeyManager>(o, err);
  if (!stub) return kCannotConnect;
  kv1::GenerateKeyRequest req;
  auto* key = req.mutable_key();
  key->set_key_alias(k.alias);
  key->set_user_id(k.user_id);
  key->set_team_id(k.team_id);
  for (const auto& m : k.models) key->add_models(m);
  if (k.rpm) key->set_rpm_limit(*k.rpm);
  if (k.tpm) key->set_tpm_limit(*k.tpm);
  if (k.max_budget_usd) key->mutable_max_budget()->set_micros(std::llround(*k.max_budget_usd * 1e6));
  req.set_duration(k.duration);
  return Call(o, "KeyManager/GenerateKey", *stub, &kv1::KeyManager::Stub::GenerateKey, req, out, err,
              [&](const kv1::GenerateKeyResponse& resp) {
                out << "key: " << resp.key() << "\n(shown once: store it now)\n";
                PrintKeys({&resp.info()}, out);
              });
}

int BlockKey(const Options& o, const std::string& key, bool block, std::ostream& out, std::ostream& err) {
  if (int rc = NeedMasterKey(o, err); rc != kOk) return rc;
  auto stub = StubFor<kv1::KeyManager>(o, err);
  if (!stub) return kCannotConnect;
  kv1::KeyRef req;
  req.set_key(key);
  return Call(o, block ? "KeyManager/BlockKey" : "KeyManager/UnblockKey", *stub,
              block ? &kv1::KeyManager::Stub::BlockKey : &kv1::KeyManager::Stub::UnblockKey, req, out, err,
              [&](const kv1::Key& resp) { PrintKeys({&resp}, out); });
}

int SpendReport(const Options& o, const std::string& group_by, const std::string& start,
                const std::string& end, std::ostream& out, std::ostream& err) {
  static const std::pair<const char*, sv1::ReportGroup> kGroups[] = {
      {"team", sv1::REPORT_GROUP_TEAM}, {"key", sv1::REPORT_GROUP_API_KEY}, {"user", sv1::REPORT_GROUP_USER},
      {"model", sv1::REPORT_GROUP_MODEL}, {"day", sv1::REPORT_GROUP_DAY}};
  sv1::SpendReportRequest req;
  for (const auto& [name, g] : kGroups) {
    if (group_by == name) req.set_group_by(g);
  }
  if (req.group_by() == sv1::REPORT_GROUP_UNSPECIFIED) {
    err << "llmgwctl: --group-by: one of team, key, user, model, day (got '" << group_by << "')\n";
    return kUsage;
  }
  if ((!start.empty() && !ParseDay(start, req.mutable_start_date())) ||
      (!end.empty() && !ParseDay(end, req.mutable_end_date()))) {
    err << "llmgwctl: --start / --end: dates as YYYY-MM-DD\n";
    return kUsage;
  }
  auto stub = StubFor<sv1::SpendService>(o, err);
  if (!stub) return kCannotConnect;
  return Call(o, "SpendService/SpendReport", *stub, &sv1::SpendService::Stub::SpendReport, req, out, err,
              [&](const sv1::SpendReportResponse& resp) {
                Table t({absl::AsciiStrToUpper(group_by), "SPEND", "REQUESTS", "PROMPT", "COMPLETION", "TOKENS"});
                for (const auto& r : resp.rows()) {
                  t.Add({r.group(), Usd(r.spend()), std::to_string(r.requests()), std::to_string(r.prompt_tokens()),
                         std::to_string(r.completion_tokens()), std::to_string(r.total_tokens())});
                }
                out << t.Render() << "total: " << Usd(resp.total_spend()) << "\n";
              });
}

}  // namespace llmgw::ctl
