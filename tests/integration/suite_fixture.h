// The whole suite in one test process (`--target all` wiring) against the fake provider over
// real HTTP on loopback, plus a client for the REST edge.
#pragma once

#include <stdlib.h>

#include <boost/json.hpp>

#include <filesystem>
#include <future>
#include <string>

#include "apps/fake_provider/fake_provider.h"
#include "apps/llmgw/suite.h"
#include "gtest/gtest.h"
#include "libs/storage/testing/test_database.h"
#include "llmgw/config/loader.h"
#include "llmgw/http/client.h"

namespace llmgw::testing {

inline constexpr char kMasterKey[] = "sk-integration-master-key";

struct HttpResult {
  int status = 0;
  http::HeaderList headers;
  std::string body;
  absl::Status done;
};

class SuiteTest : public ::testing::Test {
 protected:
  // `http_yaml` extends llmgw.http; `general_yaml` extends general_settings (e.g. a
  // database_url). Stores live in a fresh data_dir per test.
  // `sections_yaml` adds top-level sections (router_settings, ...).
  void StartSuite(const std::string& model_list_yaml, const std::string& http_yaml = "",
                  const std::string& general_yaml = "", const std::string& llmgw_yaml = "",
                  const std::string& sections_yaml = "") {
    if (data_dir_.empty()) {
      char tmpl[] = "/tmp/llmgw_suite_XXXXXX";
      ASSERT_NE(mkdtemp(tmpl), nullptr);
      data_dir_ = tmpl;
    }
    auto fake = fake::FakeProvider::Start({});
    ASSERT_TRUE(fake.ok()) << fake.status();
    fake_ = std::move(*fake);
    std::string base = "http://127.0.0.1:" + std::to_string(fake_->port()) + "/v1";
    std::string yaml = "general_settings: {master_key: " + std::string(kMasterKey) + general_yaml + "}\n" +
                       "llmgw:\n  data_dir: " + data_dir_ + "\n" + llmgw_yaml + "  grpc_listen: 127.0.0.1:0\n  http: {listen: 127.0.0.1:0" +
                       http_yaml + "}\n" + sections_yaml + "model_list:\n" + model_list_yaml;
    // $FAKEROOT: the fake's origin (Azure's api_base); $FAKE: its OpenAI base, with /v1.
    size_t pos;
    while ((pos = yaml.find("$FAKEROOT")) != std::string::npos) yaml.replace(pos, 9, base.substr(0, base.size() - 3));
    while ((pos = yaml.find("$FAKE")) != std::string::npos) yaml.replace(pos, 5, base);
    auto loaded = config::LoadConfigString(yaml, "test.yaml", [](const std::string&) {
      return std::optional<std::string>("sk-upstream-key");
    });
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    auto suite = app::Suite::Start(loaded->config, app::Target::kAll);
    ASSERT_TRUE(suite.ok()) << suite.status();
    suite_ = std::move(*suite);
    auto client = http::Client::Create();
    ASSERT_TRUE(client.ok());
    client_ = std::move(*client);
  }

  void TearDown() override {
    client_.reset();
    suite_.reset();
    fake_.reset();
    if (!data_dir_.empty()) std::filesystem::remove_all(data_dir_);
  }

  // Stops the suite and starts it again on the same stores (a process restart).
  void RestartSuite(const std::string& model_list_yaml, const std::string& general_yaml = "",
                    const std::string& llmgw_yaml = "") {
    client_.reset();
    suite_.reset();
    fake_.reset();
    StartSuite(model_list_yaml, "", general_yaml, llmgw_yaml);
  }

  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(suite_->http_port()) + path;
  }
  std::string FakeUrl(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(fake_->port()) + path;
  }

  HttpResult Call(http::ClientRequest req) {
    auto result = std::make_shared<HttpResult>();
    std::promise<void> done;
    client_->Start(std::move(req),
                   {.on_head = [result](int s, const http::HeaderList& h) {
                      result->status = s;
                      result->headers = h;
                    },
                    .on_data = [result](std::string_view d) { result->body.append(d); },
                    .on_done = [result, &done](absl::Status s) {
                      result->done = s;
                      done.set_value();
                    }});
    done.get_future().wait();
    return *result;
  }

  HttpResult Post(const std::string& path, const std::string& body,
                  const std::string& key = kMasterKey) {
    http::ClientRequest req{.url = Url(path), .body = body};
    if (!key.empty()) req.headers.emplace_back("Authorization", "Bearer " + key);
    req.headers.emplace_back("Content-Type", "application/json");
    return Call(std::move(req));
  }

  static boost::json::value ParseJson(const std::string& body) {
    boost::system::error_code ec;
    auto v = boost::json::parse(body, ec);
    EXPECT_FALSE(ec) << body;
    return v;
  }

  // POST /key/generate as `as`; returns the plain key.
  std::string NewKey(const std::string& body = "{}", const std::string& as = kMasterKey) {
    auto r = Post("/key/generate", body, as);
    EXPECT_EQ(r.status, 200) << r.body;
    auto v = ParseJson(r.body);
    const boost::json::value* key = v.is_object() ? v.as_object().if_contains("key") : nullptr;
    return key && key->is_string() ? std::string(key->as_string()) : "";
  }

  HttpResult Get(const std::string& path, const std::string& key = kMasterKey) {
    http::ClientRequest req{.method = "GET", .url = Url(path)};
    if (!key.empty()) req.headers.emplace_back("Authorization", "Bearer " + key);
    return Call(std::move(req));
  }

  std::string data_dir_;
  std::unique_ptr<fake::FakeProvider> fake_;
  std::unique_ptr<app::Suite> suite_;
  std::unique_ptr<http::Client> client_;
};

// The suite on the store a test parameter names: SQLite under data_dir, or a fresh schema
// on the test PostgreSQL (general_settings.database_url). Subclasses call StartOn(models).
class BackendSuiteTest : public SuiteTest, public ::testing::WithParamInterface<storage::testing::Backend> {
 protected:
  void StartOn(const std::string& model_list_yaml) {
    if (GetParam() == storage::testing::Backend::kPostgres) {
      auto db = storage::testing::TestDatabase::Create(storage::testing::Backend::kPostgres);
      ASSERT_TRUE(db.ok()) << db.status();
      db_ = std::move(*db);
      general_ = ", database_url: \"" + db_->url() + "\"";
    }
    StartSuite(model_list_yaml, "", general_);
  }
  void TearDown() override {
    SuiteTest::TearDown();
    db_.reset();
  }

  std::string general_;  // the general_settings addition that selects the store
  std::unique_ptr<storage::testing::TestDatabase> db_;
};

}  // namespace llmgw::testing
