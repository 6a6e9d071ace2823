#include "llmgw/common/crypto.h"

#include "gtest/gtest.h"

namespace llmgw {
namespace {

TEST(CryptoTest, Sha256HexMatchesKnownVector) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(CryptoTest, ConstantTimeEqualsComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEquals("abcd", "abcd"));
  EXPECT_FALSE(ConstantTimeEquals("abcd", "abce"));
  EXPECT_FALSE(ConstantTimeEquals("abcd", "abc"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

TEST(CryptoTest, DisplayNameShowsOnlyTheLastFourCharacters) {
  EXPECT_EQ(KeyDisplayName("sk-1234567890abcd"), "sk-...abcd");
  EXPECT_EQ(KeyDisplayName("sk-1"), "sk-...");
}

}  // namespace
}  // namespace llmgw
