#include "libs/storage/testing/test_database.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <random>

#include "absl/strings/str_cat.h"

namespace llmgw::storage::testing {
namespace {

std::string Unique() {
  std::random_device rd;
  return absl::StrCat(getpid(), "_", rd() % 1000000000);
}

std::string BaseUrl() {
  const char* v = std::getenv("LLMGW_TEST_POSTGRES_URL");
  return v ? v : "";
}

}  // namespace

std::string BackendName(Backend b) { return b == Backend::kSqlite ? "sqlite" : "postgres"; }

absl::StatusOr<std::unique_ptr<TestDatabase>> TestDatabase::Create(Backend backend) {
  if (backend == Backend::kSqlite) {
    auto dir = std::filesystem::temp_directory_path() / absl::StrCat("llmgw_test_", Unique());
    std::filesystem::create_directories(dir);
    std::string file = (dir / "test.db").string();
    return std::unique_ptr<TestDatabase>(new TestDatabase(backend, "sqlite://" + file, dir.string()));
  }
  std::string base = BaseUrl();
  if (base.empty()) {
    return absl::FailedPreconditionError(
        "LLMGW_TEST_POSTGRES_URL is not set: run under ctest (which starts PostgreSQL with "
        "scripts/pg.sh) or start one yourself");
  }
  std::string schema = absl::StrCat("t_", Unique());
  auto admin = OpenDatabase(base, {.pool_size = 1});
  if (!admin.ok()) return admin.status();
  absl::Status s = (*admin)->Transact(
      [&](Transaction& t) { return t.Execute(absl::StrCat("CREATE SCHEMA ", schema)).status(); });
  if (!s.ok()) return s;
  std::string url = absl::StrCat(base, base.find('?') == std::string::npos ? "?" : "&",
                                 "options=-csearch_path%3D", schema);
  return std::unique_ptr<TestDatabase>(new TestDatabase(backend, url, schema));
}

TestDatabase::~TestDatabase() {
  if (backend_ == Backend::kSqlite) {
    std::error_code ec;
    std::filesystem::remove_all(cleanup_, ec);
    return;
  }
  if (auto admin = OpenDatabase(BaseUrl(), {.pool_size = 1}); admin.ok()) {
    (void)(*admin)->Transact([&](Transaction& t) {
      return t.Execute(absl::StrCat("DROP SCHEMA IF EXISTS ", cleanup_, " CASCADE")).status();
    });
  }
}

absl::StatusOr<std::unique_ptr<Database>> TestDatabase::Open(const DatabaseOptions& options) const {
  return OpenDatabase(url_, options);
}

}  // namespace llmgw::storage::testing
