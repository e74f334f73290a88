// Backups and a restore drill (issue 18 item 3): `certgate backup` copies the database while the
// server serves a continuous load of audited writes; `certgate restore` puts the copy back. Every
// write acknowledged before the backup began is in it, none acknowledged after it ended, and the
// audit chain of the restored records verifies. On every backend (SQLite's online backup API,
// PostgreSQL's pg_dump / pg_restore, mariadb-dump and the mariadb client).
#include "PortalTestSupport.hpp"

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

using namespace certgate::test;

namespace {

class BackupTest : public PortalTest { };

/// Flows started and their terms accepted (an audited write each), one after the other, until
/// stopped; the ids whose terms answer 200 are the acknowledged writes.
class Writer {
public:
    explicit Writer(std::function<FlowClient()> client)
        : client_(std::move(client))
        , thread_([this] { run(); })
    {
    }
    ~Writer() { stop(); }
    void stop()
    {
        stopping_ = true;
        if (thread_.joinable())
            thread_.join();
    }
    std::vector<std::string> acknowledged()
    {
        std::lock_guard lock(mutex_);
        return acknowledged_;
    }

private:
    void run()
    {
        while (!stopping_) {
            auto flow = client_();
            if (flow.start("first-registration").status != 201)
                continue;
            if (flow.acceptTerms().status == 200) {
                std::lock_guard lock(mutex_);
                acknowledged_.push_back(flow.flowId());
            }
        }
    }

    std::function<FlowClient()> client_;
    std::atomic<bool> stopping_ = false;
    std::mutex mutex_;
    std::vector<std::string> acknowledged_;
    std::thread thread_;
};

TEST_P(BackupTest, ABackupTakenMidLoadRestoresEveryWriteAcknowledgedBeforeIt)
{
    const auto file = scratch_.file("certgate.backup");
    Writer writer([this] { return client(); });
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    const auto before = writer.acknowledged();
    auto backup = server().cli({ "backup", "--to", file });
    ASSERT_EQ(backup.exitCode, 0) << backup.output;
    const auto afterBackup = writer.acknowledged().size();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    writer.stop();
    const auto all = writer.acknowledged();
    ASSERT_GT(before.size(), 3u) << "the load was running when the backup began";
    ASSERT_GT(all.size(), afterBackup) << "and went on after it";
    EXPECT_NE(backup.output.find("\"method\""), std::string::npos) << backup.output;

    // A backup never overwrites.
    auto again = server().cli({ "backup", "--to", file });
    EXPECT_NE(again.exitCode, 0);
    EXPECT_NE(again.output.find("exists already"), std::string::npos) << again.output;

    // The drill: the servers stopped, the backup put back.
    server().stop();
    auto refused = server().cli({ "restore", "--from", file });
    EXPECT_EQ(refused.exitCode, 2) << "restore asks for --yes: " << refused.output;
    auto restored = server().cli({ "restore", "--from", file, "--yes" });
    ASSERT_EQ(restored.exitCode, 0) << restored.output;
    EXPECT_NE(restored.output.find("\"auditOk\": true"), std::string::npos) << restored.output;

    for (const auto& id : before)
        EXPECT_EQ(count("FROM flows WHERE id = '" + id + "' AND step = 'organisation'"), 1) << id;
    for (std::size_t i = afterBackup; i < all.size(); ++i)
        EXPECT_EQ(count("FROM flows WHERE id = '" + all[i] + "'"), 0)
            << all[i] << " was acknowledged after the backup ended";
    EXPECT_EQ(count("FROM audit_events WHERE action = 'database.restore'"), 1);
    auto verify = server().cli({ "audit", "verify" });
    EXPECT_EQ(verify.exitCode, 0) << verify.output;

    // The restored database serves.
    server().start();
    EXPECT_TRUE(answered(client().start("query-serial"), 201));
}

TEST_P(BackupTest, AFileThatIsNotABackupIsRefusedAndChangesNothing)
{
    const auto file = scratch_.file("not-a-backup");
    writeTextFile(file, "hello");
    auto flows = count("FROM flows");
    auto before = count("FROM audit_events");
    server().stop();
    auto restored = server().cli({ "restore", "--from", file, "--yes" });
    EXPECT_NE(restored.exitCode, 0) << restored.output;
    EXPECT_EQ(count("FROM flows"), flows);
    EXPECT_EQ(count("FROM audit_events"), before);
}

} // namespace

CERTGATE_SERVER_ON_ALL_BACKENDS(BackupTest);
