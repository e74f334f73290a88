#include <certgate/core/Error.hpp>
#include <certgate/core/FlowState.hpp>

#include <gtest/gtest.h>

namespace certgate::core {
namespace {

CheckedCard card(const std::string& serial)
{
    CheckedCard c;
    c.details = { "gca", "政府憑證管理中心", "GCA", "organisation", "CN=GCA", "CN=臺北市政府",
        serial, 100, 200, "", "", "", "臺北市政府", "2.16.886.101.1", "oid" };
    c.issuerKeyId = "D118";
    c.derBase64 = "MIIB";
    return c;
}

TEST(FlowStateCodecTest, EveryPartOfAStateSurvivesTheRoundTrip)
{
    FlowState state;
    state.client = "127.0.0.1";
    state.termsAccepted = true;
    state.organisation = card("0A");
    state.mismatch = card("0B");
    state.approvedReviewId = "review-1";
    state.manager = card("0C");
    state.manager->nationalIdEnc = "enc";
    state.manager->nationalIdHash = "hash";
    state.citizen = card("0D").details;
    state.receipt = ReceiptView { "R2026120700001", "first-registration", "done", 300 };
    state.grants = { { "A0001", "內政部", { "insure", "query" } }, { "B0001", "學校", {} } };
    state.staffId = "staff-1";
    state.staffLoginTaken = true;

    auto back = decodeFlowState(encodeFlowState(state));
    EXPECT_EQ(back.client, "127.0.0.1");
    EXPECT_TRUE(back.termsAccepted);
    ASSERT_TRUE(back.organisation && back.mismatch && back.manager && back.citizen);
    EXPECT_EQ(back.organisation->details.serial, "0A");
    EXPECT_EQ(back.organisation->details.organisationName, "臺北市政府");
    EXPECT_EQ(back.organisation->details.identifier, "2.16.886.101.1");
    EXPECT_EQ(back.organisation->issuerKeyId, "D118");
    EXPECT_EQ(back.organisation->derBase64, "MIIB");
    EXPECT_EQ(back.mismatch->details.serial, "0B");
    EXPECT_EQ(back.approvedReviewId, "review-1");
    EXPECT_EQ(back.manager->nationalIdEnc, "enc");
    EXPECT_EQ(back.manager->nationalIdHash, "hash");
    EXPECT_EQ(back.citizen->serial, "0D");
    EXPECT_EQ(back.citizen->notAfter, 200);
    ASSERT_TRUE(back.receipt);
    EXPECT_EQ(back.receipt->number, "R2026120700001");
    EXPECT_EQ(back.receipt->receivedAt, 300);
    ASSERT_EQ(back.grants.size(), 2u);
    EXPECT_EQ(back.grants[0].functions, (std::vector<std::string> { "insure", "query" }));
    EXPECT_EQ(back.grants[1].agencyName, "學校");
    EXPECT_EQ(back.staffId, "staff-1");
    EXPECT_TRUE(back.staffLoginTaken);
}

TEST(FlowStateCodecTest, AFreshStateHasNothingButItsClient)
{
    FlowState state;
    state.client = "::1";
    auto back = decodeFlowState(encodeFlowState(state));
    EXPECT_EQ(back.client, "::1");
    EXPECT_FALSE(back.termsAccepted || back.organisation || back.manager || back.citizen
        || back.receipt || back.staffLoginTaken);
    EXPECT_TRUE(decodeFlowState("").client.empty());
}

TEST(FlowStateCodecTest, StatesStoredBeforeTheyWereTypedStillRead)
{
    // The shape flows in progress were stored with by the untyped portal.
    auto back = decodeFlowState(
        R"({"client":"10.0.0.1","terms":true,"org":{"ca":"gca","serial":"1F","issuer":"CN=GCA",)"
        R"("issuerKeyId":"AB","der":"MIIC","identifier":"2.16.886.101.9"},"taken":true})");
    EXPECT_TRUE(back.termsAccepted);
    ASSERT_TRUE(back.organisation);
    EXPECT_EQ(back.organisation->details.serial, "1F");
    EXPECT_EQ(back.organisation->issuerKeyId, "AB");
    EXPECT_TRUE(back.staffLoginTaken);
}

TEST(FlowStateCodecTest, MalformedStoredTextIsAnInternalError)
{
    try {
        decodeFlowState("{not json");
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::InternalError);
    }
}

} // namespace
} // namespace certgate::core
