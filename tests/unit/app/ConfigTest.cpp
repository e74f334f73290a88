// The server's configuration file: database settings reach the storage layer, and a value out
// of range is refused naming its key and the file.
#include <certgate/app/Config.hpp>
#include <certgate/test/TempDir.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace certgate::app {
namespace {

using ::testing::HasSubstr;

class ConfigTest : public ::testing::Test {
protected:
    /// A minimal valid configuration with `database` as its database section.
    std::string write(const std::string& database)
    {
        const auto file = dir_.file("certgate.json");
        std::ofstream(file) << R"({ "server": { "publicOrigin": "https://portal.example" },
            "security": { "piiKey": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
                          "auditKey": "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=" },
            "database": )" << database
                            << "}";
        return file;
    }
    std::string refusal(const std::string& database)
    {
        try {
            loadConfig(write(database));
        } catch (const std::runtime_error& e) {
            return e.what();
        }
        return {};
    }

    /// Beside the shipped portal texts (functions, sections, ...) it names by default.
    void SetUp() override
    {
        for (const auto& entry :
            std::filesystem::directory_iterator(std::string(CERTGATE_SOURCE_DIR) + "/conf"))
            if (entry.path().extension() == ".json"
                && entry.path().filename().string().rfind("certgate", 0) != 0)
                std::filesystem::copy_file(entry.path(), dir_.file(entry.path().filename()));
    }

    test::TempDir dir_ { "certgate-config" };
};

TEST_F(ConfigTest, DatabaseTimeoutsDefaultAndAreRead)
{
    const auto defaults = loadConfig(write(R"({ "backend": "sqlite3" })"));
    EXPECT_EQ(defaults.databaseBusyTimeoutMs, 5000);
    EXPECT_EQ(defaults.databaseConnectTimeoutSeconds, 5);

    const auto set = loadConfig(
        write(R"({ "backend": "sqlite3", "busyTimeoutMs": 750, "connectTimeoutSeconds": 0 })"));
    EXPECT_EQ(set.databaseBusyTimeoutMs, 750);
    EXPECT_EQ(set.databaseConnectTimeoutSeconds, 0);
}

TEST_F(ConfigTest, DatabaseTimeoutsOutOfRangeAreRefusedByName)
{
    const auto busy = refusal(R"({ "backend": "sqlite3", "busyTimeoutMs": 0 })");
    EXPECT_THAT(busy, HasSubstr("database.busyTimeoutMs must be 1 or more"));
    EXPECT_THAT(busy, HasSubstr("certgate.json"));
    EXPECT_THAT(refusal(R"({ "backend": "sqlite3", "connectTimeoutSeconds": -1 })"),
        HasSubstr("database.connectTimeoutSeconds must be 0"));
    EXPECT_THAT(refusal(R"({ "backend": "oracle" })"), HasSubstr("database.backend must be"));
}

} // namespace
} // namespace certgate::app
