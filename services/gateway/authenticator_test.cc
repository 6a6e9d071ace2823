#include "services/gateway/authenticator.h"

#include "gtest/gtest.h"

namespace llmgw::gateway {
namespace {

TEST(KeyFromHeadersTest, ReadsBearerXApiKeyAndApiKey) {
  http::Request r;
  r.headers = {{"Authorization", "Bearer sk-abc"}};
  EXPECT_EQ(KeyFromHeaders(r), "sk-abc");
  r.headers = {{"authorization", "bearer   sk-abc  "}};
  EXPECT_EQ(KeyFromHeaders(r), "sk-abc");
  r.headers = {{"x-api-key", "sk-anthropic-style"}};
  EXPECT_EQ(KeyFromHeaders(r), "sk-anthropic-style");
  r.headers = {{"api-key", "sk-azure-style"}};
  EXPECT_EQ(KeyFromHeaders(r), "sk-azure-style");
  r.headers = {};
  EXPECT_EQ(KeyFromHeaders(r), "");
}

TEST(AuthenticatorTest, MissingKeyIsUnauthenticatedWithoutAnyCall) {
  Authenticator auth({});
  absl::Status status;
  auth.Authenticate("", {}, [&](auto p) { status = p.status(); });
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace llmgw::gateway
