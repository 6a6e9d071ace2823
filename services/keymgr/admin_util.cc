#include "services/keymgr/admin_util.h"

#include <openssl/rand.h>

#include "absl/strings/str_cat.h"
#include "llmgw/common/error.h"

namespace llmgw::keymgr::internal {

namespace pb = google::protobuf;

absl::Status Forbidden(std::string_view message) {
  return MakeError(absl::StatusCode::kPermissionDenied, common::v1::ERROR_KIND_FORBIDDEN, std::string(message));
}
absl::Status NotFound(std::string_view message) {
  return MakeError(absl::StatusCode::kNotFound, common::v1::ERROR_KIND_NOT_FOUND, std::string(message));
}
absl::Status Invalid(std::string_view message) {
  return MakeError(absl::StatusCode::kInvalidArgument, common::v1::ERROR_KIND_INVALID_REQUEST, std::string(message));
}
absl::Status AsInvalid(const absl::Status& s) { return s.ok() ? s : Invalid(std::string(s.message())); }

absl::Status StoreError(const absl::Status& s) {
  if (s.ok()) return s;
  if (absl::IsAlreadyExists(s)) {
    return MakeError(absl::StatusCode::kAlreadyExists, common::v1::ERROR_KIND_ALREADY_EXISTS,
                     "an object with this id already exists");
  }
  if (absl::IsUnavailable(s) || absl::IsAborted(s)) {
    return MakeError(absl::StatusCode::kUnavailable, common::v1::ERROR_KIND_STORE_UNAVAILABLE,
                     "keymgr's database is unavailable, so admin changes are refused; existing keys "
                     "keep working. Retry when it is back (see docs/runbooks/keymgr-store-down.md)",
                     {.retry_after = std::chrono::seconds(5)});
  }
  return MakeError(absl::StatusCode::kInternal, common::v1::ERROR_KIND_INTERNAL,
                   absl::StrCat("keymgr store: ", s.message()));
}

namespace {
std::string RandomBytes(size_t n) {
  std::string b(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(b.data()), static_cast<int>(n)) != 1) {
    std::abort();  // no entropy: never hand out a guessable key
  }
  return b;
}
}  // namespace

std::string NewKeyValue() {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string bytes = RandomBytes(24);  // 192 bits -> 32 base64url characters
  std::string out = "sk-";
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  return out;
}

std::string NewId(std::string_view prefix) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = absl::StrCat(std::string(prefix), "-");
  for (unsigned char c : RandomBytes(8)) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

absl::Status MergeMasked(const pb::Message& changes, const pb::FieldMask& mask,
                         const std::set<std::string>& allowed, pb::Message& target) {
  const pb::Descriptor* d = target.GetDescriptor();
  std::unique_ptr<pb::Message> copy(changes.New());
  copy->CopyFrom(changes);
  for (const auto& path : mask.paths()) {
    const pb::FieldDescriptor* f = d->FindFieldByName(path);
    if (f == nullptr) return Invalid(absl::StrCat(path, ": unknown field"));
    if (!allowed.count(path)) return Invalid(absl::StrCat(path, ": cannot be changed"));
    target.GetReflection()->ClearField(&target, f);
    target.GetReflection()->SwapFields(&target, copy.get(), {f});
  }
  return absl::OkStatus();
}

namespace {

absl::Status Loosened(std::string_view what, std::string_view field) {
  return Forbidden(absl::StrCat("only a proxy_admin may raise or remove ", std::string(field), " of ",
                                std::string(what), "; you may only tighten it"));
}

bool MapLoosened(const pb::Map<std::string, int64_t>& before, const pb::Map<std::string, int64_t>& after) {
  for (const auto& [m, v] : before) {
    auto it = after.find(m);
    if (it == after.end() || it->second > v) return true;
  }
  return false;
}

}  // namespace

template <typename M>
absl::Status CheckNotLoosened(const M& b, const M& a, std::string_view what) {
  auto opt = [&](bool had, int64_t was, bool has, int64_t is, std::string_view name) -> absl::Status {
    if (had && (!has || is > was)) return Loosened(what, name);
    return absl::OkStatus();
  };
  if (auto s = opt(b.has_rpm_limit(), b.rpm_limit(), a.has_rpm_limit(), a.rpm_limit(), "rpm_limit"); !s.ok()) return s;
  if (auto s = opt(b.has_tpm_limit(), b.tpm_limit(), a.has_tpm_limit(), a.tpm_limit(), "tpm_limit"); !s.ok()) return s;
  if (auto s = opt(b.has_max_parallel_requests(), b.max_parallel_requests(), a.has_max_parallel_requests(),
                   a.max_parallel_requests(), "max_parallel_requests"); !s.ok()) return s;
  if (auto s = opt(b.has_max_budget(), b.max_budget().micros(), a.has_max_budget(), a.max_budget().micros(),
                   "max_budget"); !s.ok()) return s;
  if (auto s = opt(b.has_soft_budget(), b.soft_budget().micros(), a.has_soft_budget(), a.soft_budget().micros(),
                   "soft_budget"); !s.ok()) return s;
  if (b.budget_duration() != a.budget_duration()) return Loosened(what, "budget_duration");
  if (MapLoosened(b.model_rpm_limit(), a.model_rpm_limit())) return Loosened(what, "model_rpm_limit");
  if (MapLoosened(b.model_tpm_limit(), a.model_tpm_limit())) return Loosened(what, "model_tpm_limit");
  for (const auto& [m, budget] : b.model_max_budget()) {
    auto it = a.model_max_budget().find(m);
    if (it == a.model_max_budget().end() || it->second.budget_limit().micros() > budget.budget_limit().micros() ||
        it->second.time_period() != budget.time_period()) {
      return Loosened(what, "model_max_budget");
    }
  }
  if (!b.models().empty()) {
    std::set<std::string> was(b.models().begin(), b.models().end());
    if (a.models().empty()) return Loosened(what, "models");
    for (const auto& m : a.models()) {
      if (!was.count(m)) return Loosened(what, "models");
    }
  }
  return absl::OkStatus();
}

template absl::Status CheckNotLoosened(const v1::Key&, const v1::Key&, std::string_view);
template absl::Status CheckNotLoosened(const v1::User&, const v1::User&, std::string_view);
template absl::Status CheckNotLoosened(const v1::Team&, const v1::Team&, std::string_view);

}  // namespace llmgw::keymgr::internal
