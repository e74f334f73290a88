#include "PortalTestSupport.hpp"

#include <Poco/JSON/Parser.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <sstream>
#include <stdexcept>

namespace certgate::test {

Json body(const HttpResponse& response)
{
    try {
        return parseJsonObject(response.body);
    } catch (...) {
        return new Poco::JSON::Object;
    }
}

std::string text(const Json& o, const std::string& key)
{
    if (!o || !o->has(key) || o->isNull(key))
        return {};
    return o->get(key).convert<std::string>();
}

Json object(const Json& o, const std::string& key)
{
    if (!o || !o->has(key))
        return new Poco::JSON::Object;
    auto inner = o->getObject(key);
    return inner ? inner : Json(new Poco::JSON::Object);
}

Poco::JSON::Array::Ptr array(const Json& o, const std::string& key)
{
    if (!o || !o->has(key))
        return new Poco::JSON::Array;
    auto inner = o->getArray(key);
    return inner ? inner : Poco::JSON::Array::Ptr(new Poco::JSON::Array);
}

std::vector<std::string> strings(const Json& o, const std::string& key)
{
    std::vector<std::string> out;
    auto list = array(o, key);
    for (std::size_t i = 0; i < list->size(); ++i)
        out.push_back(list->getElement<std::string>(static_cast<unsigned>(i)));
    return out;
}

std::string stringify(const Json& o)
{
    std::ostringstream out;
    o->stringify(out);
    return out.str();
}

::testing::AssertionResult refused(
    const HttpResponse& response, int status, const std::string& code, const std::string& field)
{
    auto json = body(response);
    auto failure = [&](const std::string& what) {
        return ::testing::AssertionFailure()
            << what << " (expected " << status << " " << code
            << (field.empty() ? "" : " field " + field) << "); got " << response.status << " "
            << response.body;
    };
    if (response.status != status)
        return failure("wrong HTTP status");
    if (text(json, "error") != code)
        return failure("wrong error code");
    if (text(json, "message").empty() || text(json, "messageEn").empty())
        return failure("no zh-TW or English message");
    if (!field.empty() && text(json, "field") != field)
        return failure("wrong field");
    return ::testing::AssertionSuccess();
}

::testing::AssertionResult answered(const HttpResponse& response, int status)
{
    if (response.status == status)
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
        << "expected " << status << ", got " << response.status << " " << response.body;
}

const HttpResponse& require(const HttpResponse& response, int status, const std::string& what)
{
    if (response.status != status)
        throw std::runtime_error(what + ": expected HTTP " + std::to_string(status) + ", got "
            + std::to_string(response.status) + " " + response.body);
    return response;
}

std::string setCookie(const HttpResponse& response, const std::string& name)
{
    for (auto [it, end] = response.headers.equal_range("set-cookie"); it != end; ++it)
        if (it->second.rfind(name + "=", 0) == 0)
            return it->second;
    return {};
}

// ---------------------------------------------------------------------------------------------
// National IDs

namespace {
int letterCode(char letter)
{
    // A..Z as the household registration assigns them (I, O, W, Y, Z were added later).
    static constexpr std::array<int, 26> codes { 10, 11, 12, 13, 14, 15, 16, 17, 34, 18, 19, 20, 21,
        22, 35, 23, 24, 25, 26, 27, 28, 29, 32, 30, 31, 33 };
    return codes.at(static_cast<std::size_t>(letter - 'A'));
}
} // namespace

bool nationalIdChecksumOk(const std::string& id)
{
    if (id.size() != 10 || id[0] < 'A' || id[0] > 'Z')
        return false;
    for (std::size_t i = 1; i < 10; ++i)
        if (id[i] < '0' || id[i] > '9')
            return false;
    int code = letterCode(id[0]);
    int sum = code / 10 + (code % 10) * 9;
    for (std::size_t i = 1; i <= 8; ++i)
        sum += (id[i] - '0') * static_cast<int>(9 - i);
    sum += id[9] - '0';
    return sum % 10 == 0;
}

std::string nationalIdEndingWith(
    char letter, char gender, const std::string& lastFour, const std::string& avoid)
{
    for (int middle = 0; middle < 10000; ++middle) {
        char digits[5];
        std::snprintf(digits, sizeof digits, "%04d", middle);
        std::string id = std::string(1, letter) + gender + digits + lastFour;
        if (id != avoid && nationalIdChecksumOk(id))
            return id;
    }
    throw std::runtime_error("no national ID ends in " + lastFour);
}

// ---------------------------------------------------------------------------------------------
// Calendar

std::int64_t unixNow()
{
    return std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string isoUtc(std::int64_t at)
{
    auto t = static_cast<std::time_t>(at);
    std::tm utc {};
    gmtime_r(&t, &utc);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return buffer;
}

namespace {
constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kTaipei = 8 * 3600;

std::chrono::sys_days taipeiDay(std::int64_t at)
{
    return std::chrono::sys_days(std::chrono::days((at + kTaipei) / kDay));
}
} // namespace

std::set<std::string> holidaysFromConf()
{
    auto conf = parseJsonObject(readTextFile(sourceDir() + "/conf/holidays.json"));
    std::set<std::string> out;
    for (const auto& d : strings(conf, "holidays"))
        out.insert(d);
    return out;
}

std::string taipeiDate(std::int64_t at)
{
    std::chrono::year_month_day ymd(taipeiDay(at));
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
        static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    return buffer;
}

std::int64_t taipeiMidnight(int year, unsigned month, unsigned day)
{
    std::chrono::sys_days days = std::chrono::year_month_day(
        std::chrono::year(year), std::chrono::month(month), std::chrono::day(day));
    return static_cast<std::int64_t>(days.time_since_epoch().count()) * kDay - kTaipei;
}

std::int64_t expectedNextBusinessDayStart(std::int64_t at, const std::set<std::string>& holidays)
{
    auto day = taipeiDay(at);
    for (int i = 1; i < 60; ++i) {
        auto candidate = day + std::chrono::days(i);
        std::chrono::weekday weekday(candidate);
        std::int64_t midnight
            = static_cast<std::int64_t>(candidate.time_since_epoch().count()) * kDay - kTaipei;
        if (weekday == std::chrono::Saturday || weekday == std::chrono::Sunday)
            continue;
        if (holidays.contains(taipeiDate(midnight)))
            continue;
        return midnight;
    }
    throw std::runtime_error("no business day within 60 days");
}

// ---------------------------------------------------------------------------------------------
// Admin session

AdminSession::AdminSession(std::string base, std::string cookie, std::string csrf)
    : base_(std::move(base))
    , cookie_(std::move(cookie))
    , csrf_(std::move(csrf))
{
}

HttpResponse AdminSession::get(const std::string& path, bool withCookie) const
{
    std::map<std::string, std::string> headers;
    if (withCookie)
        headers["Cookie"] = "cg_staff=" + cookie_;
    return httpRequest("GET", base_ + "/admin/api/v1" + path, "", headers);
}

HttpResponse AdminSession::post(
    const std::string& path, const std::string& body, bool withCsrf, bool withCookie) const
{
    std::map<std::string, std::string> headers { { "Content-Type", "application/json" } };
    if (withCookie)
        headers["Cookie"] = "cg_staff=" + cookie_;
    if (withCsrf)
        headers["X-CSRF-Token"] = csrf_;
    return httpRequest("POST", base_ + "/admin/api/v1" + path, body, headers);
}

// ---------------------------------------------------------------------------------------------
// Fixture

PortalTest::PortalTest()
    : PortalTest(defaultServerUrl(GetParam()))
{
}

PortalTest::PortalTest(const std::string& serverUrl)
    : database_(GetParam(), serverUrl)
    , scratch_("certgate-portal-test")
    , clockFile_(scratch_.file("clock-offset"))
{
    writeTextFile(clockFile_, "0\n");
    server_ = std::make_unique<ServerInstance>(database_, options());
}

ServerInstance::Options PortalTest::options() const
{
    ServerInstance::Options options;
    options.clockOffsetFile = clockFile_;
    return options;
}

void PortalTest::SetUp()
{
    editConfig(*server_, [this](Json& config) { configure(config); });
    server_->start();
}

void setConfigValue(Json& config, const std::string& section, const std::string& key,
    const Poco::Dynamic::Var& value)
{
    Json object = config->has(section) ? config->getObject(section) : Json(new Poco::JSON::Object);
    object->set(key, value);
    config->set(section, object);
}

void PortalTest::editConfig(const ServerInstance& server, const std::function<void(Json&)>& edit)
{
    auto config = parseJsonObject(readTextFile(server.configFile()));
    edit(config);
    std::ostringstream out;
    config->stringify(out, 2);
    writeTextFile(server.configFile(), out.str());
}

int PortalTest::count(const std::string& fromWhere) const
{
    auto value = database_.scalar("SELECT COUNT(*) " + fromWhere);
    return value.empty() ? 0 : std::stoi(value);
}

void PortalTest::setClockOffset(std::int64_t seconds)
{
    offset_ = seconds;
    // Written to a new file and renamed, so the server never reads half a number; the
    // server re-reads the file when its modification time changes.
    auto temporary = clockFile_ + ".new";
    writeTextFile(temporary, std::to_string(seconds) + "\n");
    if (std::rename(temporary.c_str(), clockFile_.c_str()) != 0)
        throw std::runtime_error("cannot replace " + clockFile_);
    // Two writes within one tick of the file system's coarse clock would share a time stamp;
    // give every write its own.
    static int writes = 0;
    std::filesystem::last_write_time(clockFile_,
        std::filesystem::file_time_type::clock::now() + std::chrono::milliseconds(++writes));
}

void PortalTest::setServerTime(std::int64_t at)
{
    setClockOffset(at - unixNow());
}

FlowClient PortalTest::client() const
{
    return client(*server_);
}

FlowClient PortalTest::client(const ServerInstance& server) const
{
    return FlowClient(server.url(), server.origin());
}

FlowClient PortalTest::resume(const FlowClient& flow, const ServerInstance& server) const
{
    auto resumed = client(server);
    resumed.setSessionCookie(flow.sessionCookie());
    resumed.setCsrfToken(flow.csrfToken());
    // FlowClient learns the flow id from an answer carrying the flow (and adds no id of its
    // own while it has none, so the path is the flow's).
    require(resumed.request("GET", flow.flowId(), "", false), 200, "resume flow");
    return resumed;
}

FlowClient PortalTest::startFlow(const std::string& type) const
{
    auto flow = client();
    require(flow.start(type), 201, "start " + type);
    return flow;
}

FlowClient PortalTest::registerAgency(const std::string& agency, const std::string& orgCard,
    const std::string& managerCard, const Contact& contact) const
{
    auto flow = startFlow("first-registration");
    require(flow.acceptTerms(), 200, "terms");
    require(flow.organisationCard(agency, orgCard), 200, "organisation card " + orgCard);
    require(flow.managerCard(card(managerCard).nationalId, managerCard), 200,
        "manager card " + managerCard);
    require(flow.confirm(contact.name, contact.email, contact.phone, contact.extension), 200,
        "confirm");
    if (flow.step() != "done")
        throw std::runtime_error("first registration of " + agency + " did not end done");
    return flow;
}

FlowClient PortalTest::authorise(
    const std::string& agency, const std::string& orgCard, const std::string& managerCard) const
{
    auto flow = startFlow("authorisation");
    require(flow.organisationCard(agency, orgCard), 200, "authorisation: organisation card");
    require(flow.managerCard(card(managerCard).nationalId, managerCard), 200,
        "authorisation: manager card");
    if (flow.step() != "operators")
        throw std::runtime_error("authorisation did not reach the operator list");
    return flow;
}

AdminSession PortalTest::staffSession(const std::string& cardName) const
{
    auto flow = startFlow("staff-login");
    require(flow.citizenCard(card(cardName).nationalId, cardName), 200, "staff login card");
    auto session = require(flow.request("POST", "/staff-session", "{}"), 200, "staff session");
    auto cookie = setCookie(session, "cg_staff");
    auto value = cookie.substr(9, cookie.find(';') - 9);
    return AdminSession(server_->url(), value, text(body(session), "csrfToken"));
}

std::string PortalTest::certificateBase64(const std::string& cardName)
{
    auto pem = readTextFile(card(cardName).signCert);
    auto begin = pem.find("-----BEGIN CERTIFICATE-----");
    auto end = pem.find("-----END CERTIFICATE-----");
    if (begin == std::string::npos || end == std::string::npos)
        throw std::runtime_error("no certificate in " + card(cardName).signCert);
    std::string out;
    for (auto i = pem.find('\n', begin) + 1; i < end; ++i)
        if (pem[i] != '\n' && pem[i] != '\r')
            out.push_back(pem[i]);
    return out;
}

} // namespace certgate::test
