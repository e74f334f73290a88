#include <certgate/core/Error.hpp>
#include <certgate/core/FlowState.hpp>

#include <gtest/gtest.h>

namespace certgate::core {
namespace {

TEST(FlowStateTest, AFlowNeverTakesUpAnotherFunctionsState)
{
    FlowState state;
    state.of<StaffLoginState>().staffId = "staff-1";
    try {
        state.of<RegistrationChangeState>();
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::InternalError);
    }
    EXPECT_EQ(state.find<StaffLoginState>()->staffId, "staff-1");
}

TEST(FlowStateTest, AFunctionsStateIsMadeOnFirstUseAndFoundAfter)
{
    FlowState state;
    EXPECT_EQ(state.find<OperatorLoginState>(), nullptr);
    state.of<OperatorLoginState>().grants.push_back({ "A0001", "內政部", { "insure" } });
    ASSERT_NE(state.find<OperatorLoginState>(), nullptr);
    EXPECT_EQ(state.of<OperatorLoginState>().grants.size(), 1u);
}

} // namespace
} // namespace certgate::core
