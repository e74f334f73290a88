#include <certgate/core/AuditLog.hpp>
#include <certgate/db/Migrator.hpp>
#include <certgate/db/SociStorage.hpp>
#include <certgate/test/ServerInstance.hpp>
#include <certgate/test/TestPki.hpp>

#include <gtest/gtest.h>

namespace certgate::core {
namespace {

class AuditLogTest : public ::testing::Test {
protected:
    AuditLogTest()
        : database_(test::Backend::Sqlite)
        , config_ { "sqlite3", database_.connection(), 2 }
    {
        db::Migrator(config_, test::sourceDir() + "/sql", clock_).migrate();
        storage_ = std::make_unique<db::SociStorage>(config_);
        audit_ = std::make_unique<AuditLog>(*storage_, clock_, std::vector<std::uint8_t>(32, 9));
    }

    void appendSome(int count)
    {
        for (int i = 0; i < count; ++i) {
            clock_.advance(1);
            audit_->append({ "staff:1", "test.action", "ok", "", "A0001",
                "subject " + std::to_string(i), "{}" });
        }
    }

    ManualClock clock_ { 1795741200 };
    test::ScratchDatabase database_;
    db::DatabaseConfig config_;
    std::unique_ptr<db::SociStorage> storage_;
    std::unique_ptr<AuditLog> audit_;
};

TEST_F(AuditLogTest, AnUntouchedChainVerifies)
{
    appendSome(5);
    auto result = audit_->verify();
    EXPECT_TRUE(result.ok) << result.problem;
    EXPECT_EQ(result.checked, 5);
}

TEST_F(AuditLogTest, RowsLinkToTheirPredecessor)
{
    appendSome(3);
    auto events = storage_->listAuditEvents(1, 10);
    ASSERT_EQ(events.size(), 3u);
    EXPECT_EQ(events[0].prevHash, "");
    EXPECT_EQ(events[1].prevHash, events[0].hash);
    EXPECT_EQ(events[2].prevHash, events[1].hash);
}

TEST_F(AuditLogTest, AnEditedRowIsFound)
{
    appendSome(4);
    database_.scalar("UPDATE audit_events SET subject = 'forged' WHERE seq = 2");
    auto result = audit_->verify();
    EXPECT_FALSE(result.ok);
    EXPECT_EQ(result.firstBadSeq, 2);
}

TEST_F(AuditLogTest, ADeletedRowIsFound)
{
    appendSome(4);
    database_.scalar("DELETE FROM audit_events WHERE seq = 3");
    auto result = audit_->verify();
    EXPECT_FALSE(result.ok);
    EXPECT_EQ(result.firstBadSeq, 3);
}

TEST_F(AuditLogTest, ARowForgedWithoutTheKeyIsFound)
{
    appendSome(2);
    AuditLog forger(*storage_, clock_, std::vector<std::uint8_t>(32, 1));
    forger.append({ "staff:evil", "test.action", "ok", "", "", "inserted", "{}" });
    auto result = audit_->verify();
    EXPECT_FALSE(result.ok);
    EXPECT_EQ(result.firstBadSeq, 3);
}

TEST_F(AuditLogTest, RowsOfAnOlderAuditKeyVerifyBesideTheNewOnesByTheIdTheyRecord)
{
    appendSome(2);
    auto ring = std::make_shared<KeyRing>(std::vector<RingKey> {
        { "1", std::vector<std::uint8_t>(32, 9) }, { "2", std::vector<std::uint8_t>(32, 5) } });
    audit_ = std::make_unique<AuditLog>(*storage_, clock_, ring);
    appendSome(2);
    auto events = storage_->listAuditEvents(1, 10);
    ASSERT_EQ(events.size(), 4u);
    EXPECT_EQ(events[1].keyId, "1");
    EXPECT_EQ(events[2].keyId, "2");
    EXPECT_EQ(events[2].prevHash, events[1].hash) << "one chain across the keys";
    auto result = audit_->verify();
    EXPECT_TRUE(result.ok) << result.problem;
    EXPECT_EQ(result.checked, 4);

    database_.scalar("UPDATE audit_events SET key_id = '1' WHERE seq = 3");
    EXPECT_EQ(audit_->verify().firstBadSeq, 3) << "the key id is hashed";
    database_.scalar("UPDATE audit_events SET key_id = '2' WHERE seq = 3");
    EXPECT_TRUE(audit_->verify().ok);
    AuditLog withoutKey2(*storage_, clock_, std::vector<std::uint8_t>(32, 9));
    auto lacking = withoutKey2.verify();
    EXPECT_FALSE(lacking.ok);
    EXPECT_EQ(lacking.firstBadSeq, 3);
    EXPECT_NE(lacking.problem.find("lacks"), std::string::npos) << lacking.problem;
}

TEST_F(AuditLogTest, AShortKeyIsRefused)
{
    EXPECT_THROW(
        AuditLog(*storage_, clock_, std::vector<std::uint8_t>(8, 1)), std::invalid_argument);
}

} // namespace
} // namespace certgate::core
