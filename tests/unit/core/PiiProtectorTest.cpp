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

namespace certgate::core {
namespace {

std::shared_ptr<KeyRing> ringOf(std::vector<RingKey> keys)
{
    return std::make_shared<KeyRing>(std::move(keys));
}

TEST(PiiProtectorTest, ValuesNameTheirKeyAndEveryKeyOfTheRingReadsItsOwn)
{
    PiiProtector before(ringOf({ { "1", key(7) } }));
    PiiProtector after(ringOf({ { "1", key(7) }, { "2", key(8) } }));
    auto old = before.encrypt("A120315781");
    auto fresh = after.encrypt("A120315781");
    EXPECT_EQ(old.rfind("v1:", 0), 0u) << "key 1 keeps the first spelling";
    EXPECT_EQ(fresh.rfind("v2:2:", 0), 0u) << fresh;
    EXPECT_EQ(PiiProtector::keyIdOf(old), "1");
    EXPECT_EQ(PiiProtector::keyIdOf(fresh), "2");
    EXPECT_EQ(PiiProtector::keyIdOf("v2:x:abc"), "");
    EXPECT_EQ(after.decrypt(old), "A120315781");
    EXPECT_EQ(after.decrypt(fresh), "A120315781");
    EXPECT_THROW(before.decrypt(fresh), Error) << "key 2 is not in the old ring";
    EXPECT_THROW(PiiProtector(ringOf({ { "2", key(9) } })).decrypt(fresh), Error)
        << "another key 2";
    auto relabelled = "v2:3:" + fresh.substr(5);
    EXPECT_THROW(
        PiiProtector(ringOf({ { "2", key(8) }, { "3", key(8) } })).decrypt(relabelled), Error);
}

TEST(PiiProtectorTest, AStoredHashOfAnyKeyMatchesOnlyItsId)
{
    PiiProtector before(ringOf({ { "1", key(7) } }));
    PiiProtector after(ringOf({ { "1", key(7) }, { "2", key(8) } }));
    auto old = before.hash("A120315781");
    auto fresh = after.hash("A120315781");
    EXPECT_EQ(old.size(), 64u);
    EXPECT_EQ(fresh.rfind("2:", 0), 0u);
    EXPECT_NE(fresh.substr(2), old);
    for (const auto& stored : { old, fresh }) {
        EXPECT_TRUE(after.matches(stored, "a120315781")) << stored;
        EXPECT_FALSE(after.matches(stored, "A123456789")) << stored;
    }
    EXPECT_FALSE(after.matches("2:" + old, "A120315781")) << "key 1's hash relabelled as key 2's";
    EXPECT_FALSE(after.matches("x:" + old, "A120315781"));
}

} // namespace
} // namespace certgate::core
