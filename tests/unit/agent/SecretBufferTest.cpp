#include <certgate/agent/SecretBuffer.hpp>

#include <gtest/gtest.h>

#include <algorithm>

using namespace certgate::agent;

TEST(SecretBufferTest, WipeStringZeroesTheWholeCapacityBeforeEmptying)
{
    std::string pin = "1234567890123456789012345678901234567890";
    pin.resize(6);
    const char* storage = pin.data();
    auto capacity = pin.capacity();
    wipeString(pin);
    EXPECT_TRUE(pin.empty());
    ASSERT_EQ(pin.data(), storage) << "the allocation must be kept so the test can look at it";
    EXPECT_TRUE(std::all_of(storage, storage + capacity, [](char c) { return c == 0; }));
}

TEST(SecretBufferTest, ClearWipesThePin)
{
    SecretBuffer pin("123456");
    EXPECT_STREQ(pin.c_str(), "123456");
    const char* storage = pin.c_str();
    pin.clear();
    EXPECT_TRUE(pin.empty());
    EXPECT_EQ(pin.c_str(), storage);
    EXPECT_TRUE(std::all_of(storage, storage + 6, [](char c) { return c == 0; }));
}

TEST(SecretBufferTest, GrowingNeverLeavesAnUnwipedCopyBehind)
{
    SecretBuffer pin;
    for (int i = 0; i < 200; ++i)
        pin.append(static_cast<char>('0' + i % 10));
    EXPECT_EQ(pin.size(), 200u);
    EXPECT_EQ(pin.view().substr(0, 12), "012345678901");
}

TEST(SecretBufferTest, MovingLeavesTheSourceEmpty)
{
    SecretBuffer a("654321");
    SecretBuffer b(std::move(a));
    EXPECT_TRUE(a.empty()); // NOLINT(bugprone-use-after-move): that is the point
    EXPECT_EQ(b.view(), "654321");
    SecretBuffer c;
    c = std::move(b);
    EXPECT_TRUE(b.empty()); // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(c.view(), "654321");
}
