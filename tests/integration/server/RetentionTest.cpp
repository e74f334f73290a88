// Retention (issue 18 item 5): expired flows, nonces and staff sessions are purged on the
// configured schedule and the purge is audited as counts; receipts, registrations and the audit
// chain are never purged by it.
#include "PortalTestSupport.hpp"

#include <chrono>
#include <thread>

using namespace certgate::test;

namespace {

class RetentionTest : public PortalTest {
protected:
    void configure(Json& config) override
    {
        setConfigValue(config, "retention", "purgeEverySeconds", 1);
        setConfigValue(config, "retention", "keepExpiredSeconds", 600);
    }
};

TEST_P(RetentionTest, ExpiredFlowsGoOnScheduleAuditedAsCountsAndReceiptsStay)
{
    registerAgency("A0001", "gca-moi", "moica-wang");
    for (int i = 0; i < 3; ++i)
        startFlow("query-serial");
    const auto flows = count("FROM flows");
    const auto receipts = count("FROM receipts");
    ASSERT_GE(flows, 4);
    ASSERT_EQ(receipts, 1);
    EXPECT_EQ(count("FROM audit_events WHERE action = 'retention.purge'"), 0)
        << "nothing expired yet: nothing purged, nothing audited";

    // Two hours on: every flow expired (idle 20 minutes at most) more than 600 s ago.
    setClockOffset(2 * 3600);
    for (int i = 0; i < 100 && count("FROM audit_events WHERE action = 'retention.purge'") == 0;
         ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));

    EXPECT_EQ(count("FROM flows"), 0);
    EXPECT_EQ(count("FROM audit_events WHERE action = 'retention.purge'"), 1);
    EXPECT_EQ(
        count("FROM audit_events WHERE action = 'retention.purge' AND details LIKE '%\"flows\":"
            + std::to_string(flows) + ",%'"),
        1);
    EXPECT_EQ(count("FROM receipts"), receipts);
    EXPECT_EQ(count("FROM registrations"), 1);
    auto verify = server().cli({ "audit", "verify" });
    EXPECT_EQ(verify.exitCode, 0) << verify.output;
}

} // namespace

CERTGATE_SERVER_ON_ALL_BACKENDS(RetentionTest);
