#include <certgate/core/Error.hpp>
#include <certgate/core/KeyRing.hpp>

#include <gtest/gtest.h>

namespace certgate::core {
namespace {

std::vector<std::uint8_t> key(std::uint8_t fill)
{
    return std::vector<std::uint8_t>(32, fill);
}

TEST(KeyRingTest, TheHighestIdIsCurrentAndEveryKeyIsFoundById)
{
    KeyRing ring({ { "1", key(1) }, { "10", key(10) }, { "2", key(2) } });
    EXPECT_EQ(ring.currentId(), "10") << "ids compare as numbers";
    EXPECT_EQ(*ring.current().bytes, key(10));
    EXPECT_EQ(*ring.key("2"), key(2));
    EXPECT_EQ(ring.ids(), (std::vector<std::string> { "1", "2", "10" }));
    EXPECT_THROW(ring.key("3"), Error);
    EXPECT_EQ(KeyRing::nextId(ring.ids()), "11");
}

TEST(KeyRingTest, BadRingsAreRefused)
{
    EXPECT_THROW(KeyRing(std::vector<RingKey> {}), std::invalid_argument);
    EXPECT_THROW(KeyRing({ { "0", key(1) } }), std::invalid_argument);
    EXPECT_THROW(KeyRing({ { "01", key(1) } }), std::invalid_argument);
    EXPECT_THROW(KeyRing({ { "x", key(1) } }), std::invalid_argument);
    EXPECT_THROW(KeyRing({ { "1", key(1) }, { "1", key(2) } }), std::invalid_argument);
    EXPECT_THROW(KeyRing({ { "1", std::vector<std::uint8_t>(31, 1) } }), std::invalid_argument);
}

TEST(KeyRingTest, AnUnknownKeyRereadsTheSourceAndReloadMovesTheCurrentKey)
{
    std::vector<RingKey> files { { "1", key(1) } };
    int reads = 0;
    KeyRing ring(files, [&] {
        ++reads;
        return files;
    });
    files.push_back({ "2", key(2) });
    EXPECT_EQ(ring.currentId(), "1") << "not re-read on every use";
    EXPECT_EQ(*ring.key("2"), key(2)) << "a key added meanwhile is found";
    EXPECT_EQ(reads, 1);
    EXPECT_EQ(ring.currentId(), "2");
    EXPECT_THROW(ring.key("3"), Error);
    EXPECT_EQ(reads, 2);

    files.clear();
    EXPECT_THROW(ring.reload(), std::invalid_argument) << "an empty source keeps the ring";
    EXPECT_EQ(ring.currentId(), "2");
}

} // namespace
} // namespace certgate::core
