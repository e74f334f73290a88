#include "RecordCodec.hpp"

#include <certgate/core/Error.hpp>

#include <gtest/gtest.h>

namespace certgate::db {
namespace {

using core::CheckedCard;
using core::Error;
using core::ErrorCode;
using core::FlowState;
using core::OperatorLoginState;
using core::ReceiptView;
using core::RegistrationChangeState;
using core::StaffLoginState;

CheckedCard card(const std::string& serial)
{
    CheckedCard c;
    c.details = { "gca", "政府憑證管理中心", "GCA", "organisation", "CN=GCA", "CN=臺北市政府",
        serial, 100, 200, "", "", "", "臺北市政府", "2.16.886.101.1", "oid" };
    c.issuerKeyId = "D118";
    c.derBase64 = "MIIB";
    return c;
}

FlowState withCards()
{
    FlowState state;
    state.client = "127.0.0.1";
    state.cards.organisation = card("0A");
    state.cards.manager = card("0C");
    state.cards.manager->nationalIdEnc = "enc";
    state.cards.manager->nationalIdHash = "hash";
    state.cards.citizen = card("0D").details;
    return state;
}

TEST(FlowStateCodecTest, TheCardsAndARegistrationChangesOwnStateSurviveTheRoundTrip)
{
    auto state = withCards();
    auto& change = state.of<RegistrationChangeState>();
    change.termsAccepted = true;
    change.mismatch = card("0B");
    change.approvedReviewId = "review-1";
    change.receipt = ReceiptView { "R2026120700001", "first-registration", "done", 300 };

    auto back = decodeFlowState(encodeFlowState(state));
    EXPECT_EQ(back.client, "127.0.0.1");
    const auto& cards = back.cards;
    ASSERT_TRUE(cards.organisation && cards.manager && cards.citizen);
    EXPECT_EQ(cards.organisation->details.serial, "0A");
    EXPECT_EQ(cards.organisation->details.organisationName, "臺北市政府");
    EXPECT_EQ(cards.organisation->details.identifier, "2.16.886.101.1");
    EXPECT_EQ(cards.organisation->issuerKeyId, "D118");
    EXPECT_EQ(cards.organisation->derBase64, "MIIB");
    EXPECT_EQ(cards.manager->nationalIdEnc, "enc");
    EXPECT_EQ(cards.manager->nationalIdHash, "hash");
    EXPECT_EQ(cards.citizen->serial, "0D");
    EXPECT_EQ(cards.citizen->notAfter, 200);
    const auto* own = back.find<RegistrationChangeState>();
    ASSERT_NE(own, nullptr);
    EXPECT_TRUE(own->termsAccepted);
    ASSERT_TRUE(own->mismatch);
    EXPECT_EQ(own->mismatch->details.serial, "0B");
    EXPECT_EQ(own->approvedReviewId, "review-1");
    ASSERT_TRUE(own->receipt);
    EXPECT_EQ(own->receipt->number, "R2026120700001");
    EXPECT_EQ(own->receipt->receivedAt, 300);
    EXPECT_EQ(back.find<OperatorLoginState>(), nullptr);
    EXPECT_TRUE(back == state) << "every field survives, not only those checked above";
}

TEST(FlowStateCodecTest, AnOperatorLoginsGrantsSurviveTheRoundTrip)
{
    auto state = withCards();
    state.of<OperatorLoginState>().grants
        = { { "A0001", "內政部", { "insure", "query" } }, { "B0001", "學校", {} } };

    auto back = decodeFlowState(encodeFlowState(state));
    const auto* own = back.find<OperatorLoginState>();
    ASSERT_NE(own, nullptr);
    ASSERT_EQ(own->grants.size(), 2u);
    EXPECT_EQ(own->grants[0].functions, (std::vector<std::string> { "insure", "query" }));
    EXPECT_EQ(own->grants[1].agencyName, "學校");
    EXPECT_EQ(back.find<RegistrationChangeState>(), nullptr);
}

TEST(FlowStateCodecTest, AStaffLoginSurvivesTheRoundTrip)
{
    FlowState state;
    state.of<StaffLoginState>() = { "staff-1", true };

    auto back = decodeFlowState(encodeFlowState(state));
    const auto* own = back.find<StaffLoginState>();
    ASSERT_NE(own, nullptr);
    EXPECT_EQ(own->staffId, "staff-1");
    EXPECT_TRUE(own->taken);
}

TEST(FlowStateCodecTest, AFreshStateHasNothingButItsClient)
{
    FlowState state;
    state.client = "::1";
    auto back = decodeFlowState(encodeFlowState(state));
    EXPECT_EQ(back.client, "::1");
    EXPECT_FALSE(back.cards.organisation || back.cards.manager || back.cards.citizen);
    EXPECT_TRUE(std::holds_alternative<std::monostate>(back.own));
    EXPECT_TRUE(decodeFlowState("").client.empty());
}

TEST(FlowStateCodecTest, StatesStoredBeforeTheyWereTypedStillRead)
{
    // The shape flows in progress were stored with by the untyped portal.
    auto back = decodeFlowState(
        R"({"client":"10.0.0.1","terms":true,"org":{"ca":"gca","serial":"1F","issuer":"CN=GCA",)"
        R"("issuerKeyId":"AB","der":"MIIC","identifier":"2.16.886.101.9"}})");
    ASSERT_TRUE(back.cards.organisation);
    EXPECT_EQ(back.cards.organisation->details.serial, "1F");
    EXPECT_EQ(back.cards.organisation->issuerKeyId, "AB");
    ASSERT_NE(back.find<RegistrationChangeState>(), nullptr);
    EXPECT_TRUE(back.find<RegistrationChangeState>()->termsAccepted);
    auto staff = decodeFlowState(R"({"client":"10.0.0.1","staffId":"s-9","taken":true})");
    ASSERT_NE(staff.find<StaffLoginState>(), nullptr);
    EXPECT_TRUE(staff.find<StaffLoginState>()->taken);
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
} // namespace certgate::db
