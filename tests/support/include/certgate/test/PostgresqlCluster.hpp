#pragma once

#include <certgate/test/TempDir.hpp>

#include <string>

namespace certgate::test {

/// A PostgreSQL cluster of scripts/test-postgres.sh in a folder and on a free port of its own
/// (so no other test notices it), started by the constructor, stopped and removed at the end.
/// A primary may make its commits wait for a synchronous standby; a replica streams from a
/// primary (pg_basebackup -R).
class PostgresqlCluster {
public:
    struct Options {
        std::string folderPrefix = "certgate-pg";
        /// Primary: commits wait until the standby streaming under this name has them.
        std::string synchronousStandby;
        /// Replica: the primary it streams from (running) and the name it streams under.
        const PostgresqlCluster* primary = nullptr;
        std::string standbyName = "certgate_replica";
    };

    PostgresqlCluster();
    explicit PostgresqlCluster(Options options);
    ~PostgresqlCluster();
    PostgresqlCluster(const PostgresqlCluster&) = delete;
    PostgresqlCluster& operator=(const PostgresqlCluster&) = delete;

    /// test-postgres.sh start, stop, crash (immediate stop) or promote; throws on failure.
    void control(const std::string& command) const;
    /// A statement run as the superuser; its result, tuples only, without the last newline.
    std::string superuserSql(const std::string& statement) const;
    /// The connection string of the test database on this cluster alone.
    std::string url() const;
    const std::string& port() const { return port_; }
    std::string folder() const;

private:
    std::string script(const std::string& command, const std::string& argument = {}) const;

    Options options_;
    TempDir dir_;
    std::string port_;
};

} // namespace certgate::test
