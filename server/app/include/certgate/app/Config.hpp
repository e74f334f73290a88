#pragma once

#include <certgate/core/KeyRing.hpp>
#include <certgate/core/Settings.hpp>
#include <certgate/net/Limits.hpp>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace certgate::app {

/// conf/certgate.json, with every relative path resolved against the file's folder.
struct Config {
    std::string file;

    // server
    std::string host = "0.0.0.0";
    std::uint16_t port = 8443;
    std::string tlsCertificate;
    std::string tlsPrivateKey;
    std::string webRoot;
    /// server.vendorRoot: the npm libraries the build vendored, served under /vendor/.
    std::string vendorRoot;
    /// server.connections: caps, deadlines, workers (server.maxThreads is the worker count).
    net::Limits connections;
    std::string tlsCiphers; ///< server.tls.ciphers; empty = the engine's default (intermediate)
    std::string tlsMinVersion = "TLSv1.2";
    std::string agentUrl = "http://127.0.0.1:27161";
    std::vector<std::string> trustedProxies;

    /// metrics.listen: "host:port" of the Prometheus listener (GET /metrics), apart from the
    /// public one; empty = none. metrics.allow: who may scrape it (empty = anyone who can
    /// reach the address).
    std::string metricsHost;
    std::uint16_t metricsPort = 0;
    std::vector<std::string> metricsAllow { "127.0.0.1", "::1" };

    // database
    /// "sqlite3" | "postgresql" | "mariadb" ("mysql" is read as "mariadb")
    std::string databaseBackend = "sqlite3";
    std::string databaseConnection;
    int databasePoolSize = 8;
    int databaseConnectTimeoutSeconds
        = 5; ///< PostgreSQL: connect_timeout unless the string sets one
    /// SQLite: how long a statement waits for a lock; MariaDB: innodb_lock_wait_timeout (s).
    int databaseBusyTimeoutMs = 5000;
    std::string migrations;

    // CAs
    std::string caProfiles;
    std::string plugins;

    // secrets: base64 of at least 32 bytes, from the file named (preferred) or inline. A file
    // is key 1 of a key ring whose other keys are the files beside it (KeyFiles.hpp); an
    // inline key is the ring's only key (no rotation).
    std::vector<core::RingKey> piiKeys;
    std::vector<core::RingKey> auditKeys;
    std::string piiKeyFile; ///< "" when inline
    std::string auditKeyFile;

    core::PortalSettings portal;
    std::set<std::string> holidays;
    std::set<std::string> workingWeekends;

    std::string logLevel = "information";
    std::string logFile; ///< empty = stderr
    std::string logFormat = "text"; ///< logging.format: "text" or "json" (JSON lines)
    /// The audit chain's head (SEQ:HASH) is logged this often when it has moved, so the
    /// service log keeps a copy outside the database for `audit verify --expect-head`; 0 = off.
    std::int64_t auditHeadLogSeconds = 300;
    /// retention: how often expired flows, nonces, staff sessions and rate-limit windows are
    /// purged, and how long after expiry they are kept (a late replay still reads
    /// NONCE_EXPIRED rather than NONCE_UNKNOWN). Receipts and the audit chain are never purged.
    std::int64_t purgeEverySeconds = 60;
    std::int64_t keepExpiredSeconds = 3600;
    /// How long the admin dashboard's per-minute card counts are kept (it shows the last day).
    std::int64_t keepCardStatisticsSeconds = 2 * 86400;

    /// Testing only (a loud warning at start): the clock is shifted by the number of seconds
    /// written in this file, re-read when it changes (e2e tests jump to the next business day).
    std::string clockOffsetFile;
};

/// Reads and checks the configuration; throws std::runtime_error naming the file and key.
Config loadConfig(const std::string& file);

/// Built-in locations relative to the running executable (build tree or installed tree).
std::string defaultCaProfilesDir();
std::string defaultPluginsDir();
std::string defaultMigrationsDir();
std::string defaultWebRoot();
std::string defaultVendorRoot();
std::string executableDir();

} // namespace certgate::app
