#include "services/keymgr/key_manager.h"

#include "gtest/gtest.h"
#include "llmgw/common/crypto.h"
#include "llmgw/common/error.h"

namespace llmgw::keymgr {
namespace {

TEST(KeyManagerTest, MasterKeyIsProxyAdminWithEveryModel) {
  KeyManager km("sk-master-0123456789");
  auto p = km.Authenticate(Sha256Hex("sk-master-0123456789"));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->role(), common::v1::ROLE_PROXY_ADMIN);
  EXPECT_TRUE(p->all_models());
  EXPECT_TRUE(p->is_master_key());
  EXPECT_EQ(p->key_name(), "sk-...6789");
  EXPECT_EQ(p->key_hash(), Sha256Hex("sk-master-0123456789"));
}

TEST(KeyManagerTest, AnyOtherKeyIsUnauthenticatedWithOneMessage) {
  KeyManager km("sk-master-0123456789");
  for (const std::string& bad : {Sha256Hex("sk-master-012345678"), Sha256Hex(""), std::string("x"),
                                 std::string()}) {
    auto p = km.Authenticate(bad);
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.status().code(), absl::StatusCode::kUnauthenticated);
    EXPECT_EQ(p.status().message(), "invalid API key");
    EXPECT_EQ(GetErrorDetail(p.status()).kind(), common::v1::ERROR_KIND_AUTHENTICATION);
  }
}

}  // namespace
}  // namespace llmgw::keymgr
