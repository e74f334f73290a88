// Staff login (SPEC §3.6; the admin pages' door): only allow-listed staff cards become a
// staff session, a staff-login flow becomes one session once, logging out or being disabled
// ends it at once.
#include "PortalTestSupport.hpp"

namespace certgate::test {
namespace {

class StaffLoginTest : public PortalTest { };

TEST_P(StaffLoginTest, OnlyAllowListedStaffCardsBecomeAStaffSessionAndEachFlowOnlyOnce)
{
    auto citizen = startFlow("staff-login");
    EXPECT_TRUE(refused(citizen.citizenCard(card("moica-wang").nationalId, "moica-wang"), 403,
        "STAFF_NOT_ALLOWED"));
    EXPECT_TRUE(refused(citizen.request("POST", "/staff-session", "{}"), 403, "STAFF_NOT_ALLOWED"));
    // An organisation card is not a staff card either.
    auto org = startFlow("staff-login");
    EXPECT_TRUE(refused(org.citizenCard("", "gca-moi"), 422, "WRONG_CARD_KIND"));

    auto admin = staffSession();
    ASSERT_TRUE(answered(admin.get("/me")));
    EXPECT_EQ(text(object(body(admin.get("/me")), "staff"), "serial"), card("moica-lee").serial);

    auto twice = startFlow("staff-login");
    ASSERT_TRUE(answered(twice.citizenCard(card("moica-lee").nationalId, "moica-lee")));
    ASSERT_TRUE(answered(twice.request("POST", "/staff-session", "{}")));
    EXPECT_TRUE(refused(twice.request("POST", "/staff-session", "{}"), 401, "SESSION_INVALID"));

    // Logging out ends the session.
    ASSERT_TRUE(answered(admin.post("/logout", "{}"), 204));
    EXPECT_TRUE(refused(admin.get("/me"), 401, "SESSION_INVALID"));
}

TEST_P(StaffLoginTest, ADisabledStaffMemberIsRefusedAtOnce)
{
    auto admin = staffSession();
    ASSERT_TRUE(answered(admin.get("/me")));
    auto id = text(object(body(admin.get("/me")), "staff"), "id");

    auto disabled = server_->cli({ "staff", "disable", id });

    ASSERT_EQ(disabled.exitCode, 0) << disabled.output;
    EXPECT_TRUE(refused(admin.get("/me"), 403, "STAFF_NOT_ALLOWED")) << "the open session ends";
    auto again = startFlow("staff-login");
    EXPECT_TRUE(refused(again.citizenCard("", "moica-lee"), 403, "STAFF_NOT_ALLOWED"));
    EXPECT_EQ(count("FROM audit_events WHERE action = 'staff.disable' AND actor = 'cli' AND "
                    "subject = '"
                  + id + "'"),
        1);
}

TEST_P(StaffLoginTest, AnAdminDisablesAnotherStaffMemberOnTheAdminPagesButNotThemselves)
{
    const auto& colleague = card("moica-huang");
    auto added = server_->cli(
        { "staff", "add", "--certificate", colleague.signCert, "--role", "reviewer" });
    ASSERT_EQ(added.exitCode, 0) << added.output;
    auto theirs = staffSession("moica-huang");
    auto theirId = text(object(body(theirs.get("/me")), "staff"), "id");
    auto admin = staffSession();
    auto myId = text(object(body(admin.get("/me")), "staff"), "id");

    EXPECT_TRUE(
        refused(admin.post("/staff/" + theirId + "/disable", "{}", false), 403, "CSRF_INVALID"));
    EXPECT_TRUE(refused(theirs.post("/staff/" + myId + "/disable", "{}"), 403, "STAFF_NOT_ALLOWED"))
        << "a reviewer may not disable anyone";
    EXPECT_TRUE(refused(admin.post("/staff/" + myId + "/disable", "{}"), 422, "INVALID_INPUT"));
    ASSERT_TRUE(answered(admin.post("/staff/" + theirId + "/disable", "{}"), 204));

    EXPECT_TRUE(refused(theirs.get("/me"), 403, "STAFF_NOT_ALLOWED"));
    EXPECT_TRUE(answered(admin.get("/me")));
    EXPECT_EQ(count("FROM audit_events WHERE action = 'staff.disable' AND actor = 'staff:" + myId
                  + "' AND subject = '" + theirId + "'"),
        1);
}

CERTGATE_SERVER_ON_ALL_BACKENDS(StaffLoginTest);

} // namespace
} // namespace certgate::test
