#include <certgate/agent/Encoding.hpp>

#include <gtest/gtest.h>

using namespace certgate::agent;

TEST(EncodingTest, SerialsAreUppercaseHexWithoutLeadingZeros)
{
    EXPECT_EQ(formatSerial({ 0x00, 0x4e, 0x1e, 0xd6 }), "4E1ED6");
    EXPECT_EQ(formatSerial({ 0x0a, 0xbc }), "ABC");
    EXPECT_EQ(formatSerial({ 0x00, 0x00 }), "0");
    EXPECT_EQ(formatSerial({}), "0");
    EXPECT_EQ(formatSerial({ 0x01, 0x00 }), "100");
    EXPECT_EQ(formatSerial({ 0x12 }, true), "-12");
}

TEST(EncodingTest, Base64RoundTripsAndRefusesGarbage)
{
    Bytes data { 0, 1, 2, 250, 251, 252, 253 };
    auto text = base64Encode(data);
    EXPECT_EQ(text, "AAEC+vv8/Q==");
    EXPECT_EQ(base64Decode(text), data);
    EXPECT_EQ(base64Decode("YQ=="), (Bytes { 'a' }));
    EXPECT_EQ(base64Decode("YWI="), (Bytes { 'a', 'b' }));
    EXPECT_EQ(base64Decode(""), Bytes {});
    EXPECT_FALSE(base64Decode("YQ="));
    EXPECT_FALSE(base64Decode("Y Q=="));
    EXPECT_FALSE(base64Decode("Y=Q="));
}

TEST(EncodingTest, HexIsLowerCaseAndDecodesEitherCase)
{
    Bytes id { 0x01, 0xab };
    EXPECT_EQ(hexEncode(id.data(), id.size()), "01ab");
    EXPECT_EQ(hexDecode("01AB"), id);
    EXPECT_FALSE(hexDecode("1"));
    EXPECT_FALSE(hexDecode("zz"));
}
