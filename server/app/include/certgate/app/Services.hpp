#pragma once

#include <certgate/app/Config.hpp>
#include <certgate/app/Trust.hpp>
#include <certgate/core/Admin.hpp>
#include <certgate/core/AuditLog.hpp>
#include <certgate/core/BusinessCalendar.hpp>
#include <certgate/core/CardStatistics.hpp>
#include <certgate/core/Dashboard.hpp>
#include <certgate/core/PiiProtector.hpp>
#include <certgate/core/Portal.hpp>
#include <certgate/core/Storage.hpp>
#include <certgate/db/DatabaseConfig.hpp>

#include <memory>

namespace certgate::app {

/// Where the configuration puts the records (database.*).
db::DatabaseConfig databaseSettings(const Config& config);

/// The composition root: every adapter wired to the core from one configuration.
class Services {
public:
    /// `migrate`: apply missing migrations first (serve does; other commands too, as the
    /// database must match the program).
    explicit Services(Config config, bool withTrust = true);
    ~Services();

    const Config& config() const { return config_; }
    const core::Clock& clock() const { return *clock_; }
    core::Storage& storage() { return *storage_; }
    const Trust& trust() const { return *trust_; }
    Trust& trust() { return *trust_; }
    core::AuditLog& audit() { return *audit_; }
    core::PiiProtector& pii() { return *pii_; }
    core::Portal& portal() { return *portal_; }
    core::Admin& admin() { return *admin_; }
    const core::BusinessCalendar& calendar() const { return *calendar_; }
    /// This instance's card counts not yet stored (the housekeeper flushes them).
    core::CardStatistics& cardStatistics() { return *statistics_; }
    core::Dashboard& dashboard() { return *dashboard_; }
    core::KeyRing& piiKeys() { return *piiKeys_; }
    core::KeyRing& auditKeys() { return *auditKeys_; }
    /// Re-reads both key rings' files (a key added by `certgate keys rotate`); throws when one
    /// cannot be read, keeping the rings as they were.
    void reloadKeys();

private:
    Config config_;
    std::unique_ptr<core::Clock> clock_;
    std::unique_ptr<core::Storage> storage_;
    std::unique_ptr<core::CardStatistics> statistics_;
    std::unique_ptr<Trust> trust_;
    std::shared_ptr<core::KeyRing> piiKeys_;
    std::shared_ptr<core::KeyRing> auditKeys_;
    std::unique_ptr<core::PiiProtector> pii_;
    std::unique_ptr<core::AuditLog> audit_;
    std::unique_ptr<core::BusinessCalendar> calendar_;
    std::unique_ptr<core::Portal> portal_;
    std::unique_ptr<core::Admin> admin_;
    std::unique_ptr<core::Dashboard> dashboard_;
};

/// Applies the migrations in config.migrations to the configured database; returns how many.
int applyMigrations(const Config& config);

} // namespace certgate::app
