#include "FileOffsetClock.hpp"
#include "KeyFiles.hpp"

#include <certgate/app/Services.hpp>
#include <certgate/db/Migrator.hpp>
#include <certgate/db/SociStorage.hpp>

#include <Poco/Logger.h>

namespace certgate::app {

db::DatabaseConfig databaseSettings(const Config& config)
{
    db::DatabaseConfig settings;
    settings.backend = config.databaseBackend;
    settings.connection = config.databaseConnection;
    settings.poolSize = static_cast<std::size_t>(config.databasePoolSize);
    settings.connectTimeoutSeconds = config.databaseConnectTimeoutSeconds;
    settings.busyTimeoutMs = config.databaseBusyTimeoutMs;
    return settings;
}

std::shared_ptr<core::KeyRing> keyRing(
    const std::vector<core::RingKey>& keys, const std::string& file)
{
    if (file.empty())
        return std::make_shared<core::KeyRing>(keys);
    return std::make_shared<core::KeyRing>(keys, [file] { return readKeyFiles(file); });
}

int applyMigrations(const Config& config)
{
    core::SystemClock clock;
    return static_cast<int>(
        db::Migrator(databaseSettings(config), config.migrations, clock).migrate().size());
}

Services::Services(Config config, bool withTrust)
    : config_(std::move(config))
{
    auto& log = Poco::Logger::get("certgate");
    if (!config_.clockOffsetFile.empty()) {
        log.warning("TESTING ONLY: the clock follows the offset in %s (testing.clockOffsetFile); "
                    "never set this in "
                    "production",
            config_.clockOffsetFile);
        clock_ = std::make_unique<FileOffsetClock>(config_.clockOffsetFile);
    } else {
        clock_ = std::make_unique<core::SystemClock>();
    }
    if (config_.portal.testPauseInsideConfirmMs > 0)
        log.warning("TESTING ONLY: every registration confirm pauses %Ld ms inside its database "
                    "transaction (testing.pauseInsideConfirmMs); never set this in production",
            static_cast<Poco::Int64>(config_.portal.testPauseInsideConfirmMs));
    // Several instances starting at once: the migrator's lock lets one apply, the others find
    // the schema done (and say nothing here).
    if (const int applied = applyMigrations(config_); applied > 0)
        log.information("database: %d migration(s) applied", applied);
    storage_ = std::make_unique<db::SociStorage>(databaseSettings(config_));
    statistics_ = std::make_unique<core::CardStatistics>(*clock_);
    dashboard_ = std::make_unique<core::Dashboard>(*storage_, *statistics_, *clock_);
    if (withTrust)
        trust_ = std::make_unique<Trust>(
            config_.caProfiles, config_.plugins, *clock_, statistics_.get());
    piiKeys_ = keyRing(config_.piiKeys, config_.piiKeyFile);
    auditKeys_ = keyRing(config_.auditKeys, config_.auditKeyFile);
    pii_ = std::make_unique<core::PiiProtector>(piiKeys_);
    audit_ = std::make_unique<core::AuditLog>(*storage_, *clock_, auditKeys_);
    calendar_ = std::make_unique<core::BusinessCalendar>(config_.holidays, config_.workingWeekends);
    if (withTrust) {
        portal_ = std::make_unique<core::Portal>(*storage_, trust_->verifier(), trust_->plugins(),
            *audit_, *pii_, *clock_, config_.portal);
        admin_ = std::make_unique<core::Admin>(
            *storage_, trust_->plugins(), *audit_, *pii_, *calendar_, *clock_, config_.portal);
    }
}

Services::~Services() = default;

void Services::reloadKeys()
{
    piiKeys_->reload();
    auditKeys_->reload();
}

} // namespace certgate::app
