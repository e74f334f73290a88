#pragma once
// What the server suites share: a fixture that runs one real `certgate serve` per test on
// SQLite, PostgreSQL or MariaDB (parameter), helpers that walk the portal's flows over real HTTP,
// an ops-staff admin session, the server's clock (testing.clockOffsetFile), and small
// independent reference implementations (national ID checksum, the bureau's business days)
// so that expectations are not computed by the code under test.

#include <certgate/test/FlowClient.hpp>
#include <certgate/test/ServerInstance.hpp>
#include <certgate/test/TempDir.hpp>
#include <certgate/test/TestPki.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <vector>

namespace certgate::test {

inline void PrintTo(Backend backend, std::ostream* out)
{
    *out << backendName(backend);
}

struct ServerBackendName {
    std::string operator()(const ::testing::TestParamInfo<Backend>& info) const
    {
        return backendName(info.param);
    }
};

using Json = Poco::JSON::Object::Ptr;

/// The parsed body of a response ({} when it is not a JSON object).
Json body(const HttpResponse& response);
std::string text(const Json& object, const std::string& key);
Json object(const Json& object, const std::string& key);
Poco::JSON::Array::Ptr array(const Json& object, const std::string& key);
std::vector<std::string> strings(const Json& object, const std::string& key);
std::string stringify(const Json& object);

/// A refusal as SPEC §5 shapes it: HTTP status, JSON error code, the zh-TW and English
/// messages, and (when given) the form field it concerns.
::testing::AssertionResult refused(const HttpResponse& response, int status,
    const std::string& code, const std::string& field = {});
/// A success with `status`; otherwise the body is in the message.
::testing::AssertionResult answered(const HttpResponse& response, int status = 200);
/// Throws (failing the test with the body) unless `response` has `status`: for the steps a
/// test walks through on its way to what it is about.
const HttpResponse& require(const HttpResponse& response, int status, const std::string& what);

/// The value of a Set-Cookie header for `name` ("" when none), with its attributes.
std::string setCookie(const HttpResponse& response, const std::string& name);

/// Sets config[section][key] = value, creating the section when the configuration lacks it.
void setConfigValue(Json& config, const std::string& section, const std::string& key,
    const Poco::Dynamic::Var& value);

/// Taiwanese national ID checksum, written here from the published rule (independent of the
/// MOICA plugin's validator).
bool nationalIdChecksumOk(const std::string& id);
/// A checksum-valid ID with the given letter and gender digit that ends in `lastFour`, other
/// than `avoid`.
std::string nationalIdEndingWith(
    char letter, char gender, const std::string& lastFour, const std::string& avoid = {});

/// The bureau's calendar as the test understands it: Asia/Taipei (UTC+8), Saturdays and
/// Sundays off, plus the dates of conf/holidays.json (read by the test itself).
std::set<std::string> holidaysFromConf();
std::string taipeiDate(std::int64_t at);
/// 00:00 Asia/Taipei of the first business day after the Taipei day of `at`.
std::int64_t expectedNextBusinessDayStart(std::int64_t at, const std::set<std::string>& holidays);
std::int64_t taipeiMidnight(int year, unsigned month, unsigned day);
std::int64_t unixNow();
/// "2026-11-30T16:00:00Z"
std::string isoUtc(std::int64_t at);

/// A staff member's admin session: cookie cg_staff (path /admin) and the session's CSRF token.
class AdminSession {
public:
    AdminSession() = default;
    AdminSession(std::string base, std::string cookie, std::string csrf);
    HttpResponse get(const std::string& path, bool withCookie = true) const;
    HttpResponse post(const std::string& path, const std::string& body, bool withCsrf = true,
        bool withCookie = true) const;
    const std::string& cookie() const { return cookie_; }
    const std::string& csrf() const { return csrf_; }

private:
    std::string base_;
    std::string cookie_;
    std::string csrf_;
};

struct Contact {
    std::string name = "王大明";
    std::string email = "wang@moi.gov.tw";
    std::string phone = "02-2356-5000";
    std::string extension = "1234";
};

/// One `certgate serve` on a scratch database of the parameter's backend, its clock movable
/// through testing.clockOffsetFile. The server starts in SetUp after configure() has had a
/// chance to change its configuration file.
class PortalTest : public ::testing::TestWithParam<Backend> {
protected:
    PortalTest();
    /// On the database server of `serverUrl` (not the test one; "" for SQLite).
    explicit PortalTest(const std::string& serverUrl);
    void SetUp() override;

    /// Override to change the configuration (JSON) before the server starts.
    virtual void configure(Json& config) { (void)config; }
    /// Rewrites `server`'s configuration file through `edit`.
    static void editConfig(const ServerInstance& server, const std::function<void(Json&)>& edit);

    ServerInstance::Options options() const;
    ServerInstance& server() { return *server_; }
    const ScratchDatabase& database() const { return database_; }
    std::string sql(const std::string& statement) const { return database_.scalar(statement); }
    int count(const std::string& fromWhere) const;

    /// The server's clock is the system clock shifted by this many seconds.
    void setClockOffset(std::int64_t seconds);
    /// Moves the server's clock so that it reads `at` now.
    void setServerTime(std::int64_t at);
    std::int64_t clockOffset() const { return offset_; }

    FlowClient client() const;
    FlowClient client(const ServerInstance& server) const;
    /// The same flow (id, session cookie, CSRF token) through another server, or through this
    /// one after a restart on a new port.
    FlowClient resume(const FlowClient& flow, const ServerInstance& server) const;
    /// A flow of `type`, started (201).
    FlowClient startFlow(const std::string& type) const;
    /// First registration, step by step, each step required to succeed; the flow ends done.
    FlowClient registerAgency(const std::string& agency, const std::string& orgCard,
        const std::string& managerCard, const Contact& contact = {}) const;
    /// An authorisation flow at the operator list (organisation + manager card).
    FlowClient authorise(const std::string& agency, const std::string& orgCard,
        const std::string& managerCard) const;
    /// The staff-login flow with `card` and the admin session made from it.
    AdminSession staffSession(const std::string& card = "moica-lee") const;

    static const TestCard& card(const std::string& name) { return TestPki::get().card(name); }
    /// base64 DER of a card's signing certificate.
    static std::string certificateBase64(const std::string& cardName);

    ScratchDatabase database_;
    TempDir scratch_;
    std::string clockFile_;
    std::int64_t offset_ = 0;
    std::unique_ptr<ServerInstance> server_;
};

} // namespace certgate::test

/// Runs a PortalTest suite on SQLite and PostgreSQL: Sqlite/... and Postgresql/... (CMake gives
/// the latter the `postgres` fixture).
#define CERTGATE_SERVER_ON_BOTH_BACKENDS(suite)                                                    \
    INSTANTIATE_TEST_SUITE_P(Sqlite, suite, ::testing::Values(::certgate::test::Backend::Sqlite),  \
        ::certgate::test::ServerBackendName {});                                                   \
    INSTANTIATE_TEST_SUITE_P(Postgresql, suite,                                                    \
        ::testing::Values(::certgate::test::Backend::Postgresql),                                  \
        ::certgate::test::ServerBackendName {})

/// CERTGATE_SERVER_ON_BOTH_BACKENDS, and Mariadb/... (CMake gives it the `mariadb` fixture).
#define CERTGATE_SERVER_ON_ALL_BACKENDS(suite)                                                     \
    CERTGATE_SERVER_ON_BOTH_BACKENDS(suite);                                                       \
    INSTANTIATE_TEST_SUITE_P(Mariadb, suite,                                                       \
        ::testing::Values(::certgate::test::Backend::Mariadb),                                     \
        ::certgate::test::ServerBackendName {})
