#include <certgate/core/Error.hpp>
#include <certgate/core/PiiProtector.hpp>

#include <gtest/gtest.h>

namespace certgate::core {
namespace {

std::vector<std::uint8_t> key(std::uint8_t fill)
{
    return std::vector<std::uint8_t>(32, fill);
}

TEST(PiiProtectorTest, CiphertextDecryptsToTheIdAndNeverContainsIt)
{
    PiiProtector pii(key(7));
    auto ciphertext = pii.encrypt("A120315781");
    EXPECT_EQ(ciphertext.rfind("v1:", 0), 0u);
    EXPECT_EQ(ciphertext.find("A120315781"), std::string::npos);
    EXPECT_EQ(pii.decrypt(ciphertext), "A120315781");
}

TEST(PiiProtectorTest, EachEncryptionUsesAFreshNonce)
{
    PiiProtector pii(key(7));
    EXPECT_NE(pii.encrypt("A120315781"), pii.encrypt("A120315781"));
}

TEST(PiiProtectorTest, TamperedCiphertextOrAnotherKeyIsRefused)
{
    PiiProtector pii(key(7));
    auto ciphertext = pii.encrypt("A120315781");
    auto tampered = ciphertext;
    tampered[10] = tampered[10] == 'A' ? 'B' : 'A';
    EXPECT_THROW(pii.decrypt(tampered), Error);
    EXPECT_THROW(PiiProtector(key(8)).decrypt(ciphertext), Error);
    EXPECT_THROW(pii.decrypt("A120315781"), Error);
}

TEST(PiiProtectorTest, TheLookupHashIsStableKeyedAndCaseBlind)
{
    PiiProtector pii(key(7));
    EXPECT_EQ(pii.hash("A120315781"), pii.hash("a120315781"));
    EXPECT_NE(pii.hash("A120315781"), pii.hash("A123456789"));
    EXPECT_NE(pii.hash("A120315781"), PiiProtector(key(8)).hash("A120315781"));
    EXPECT_EQ(pii.hash("A120315781").size(), 64u);
}

TEST(PiiProtectorTest, IdsAreMaskedInTheMiddle)
{
    EXPECT_EQ(PiiProtector::mask("A120315781"), "A12****781");
    EXPECT_EQ(PiiProtector::mask("AB12"), "****");
}

TEST(PiiProtectorTest, AShortKeyIsRefused)
{
    EXPECT_THROW(PiiProtector(std::vector<std::uint8_t>(16, 1)), std::invalid_argument);
}

} // namespace
} // namespace certgate::core
