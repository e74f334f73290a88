#include <certgate/core/Crypto.hpp>

#include <gtest/gtest.h>

#include <set>

namespace certgate::core {
namespace {

std::vector<std::uint8_t> bytes(const std::string& text)
{
    return { text.begin(), text.end() };
}

TEST(CryptoTest, HmacSha256MatchesRfc4231TestCase2)
{
    EXPECT_EQ(toHex(hmacSha256(bytes("Jefe"), "what do ya want for nothing?")),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(CryptoTest, HkdfSha256MatchesRfc5869TestCase3)
{
    std::vector<std::uint8_t> ikm(22, 0x0b);
    EXPECT_EQ(toHex(hkdfSha256(ikm, "", 42)),
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

TEST(CryptoTest, Sha256HexIsTheDigestOfTheText)
{
    EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(CryptoTest, RandomTokensAreUrlSafeLongEnoughAndDistinct)
{
    std::set<std::string> seen;
    for (int i = 0; i < 200; ++i) {
        auto token = randomToken(32);
        EXPECT_EQ(token.size(), 43u); // 256 bits in base64url without padding
        EXPECT_EQ(token.find_first_not_of(
                      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);
        seen.insert(token);
    }
    EXPECT_EQ(seen.size(), 200u);
    EXPECT_EQ(randomId().size(), 32u);
}

TEST(CryptoTest, ConstantTimeComparisonComparesWholeStrings)
{
    EXPECT_TRUE(equalConstantTime("abc", "abc"));
    EXPECT_FALSE(equalConstantTime("abc", "abd"));
    EXPECT_FALSE(equalConstantTime("abc", "ab"));
    EXPECT_TRUE(equalConstantTime("", ""));
}

TEST(CryptoTest, WipeLeavesNothingBehind)
{
    std::string pin = "123456";
    wipe(pin);
    EXPECT_TRUE(pin.empty());
}

} // namespace
} // namespace certgate::core
