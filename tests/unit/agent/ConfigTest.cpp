#include <certgate/agent/Config.hpp>

#include <gtest/gtest.h>

using namespace certgate::agent;

TEST(ConfigTest, DefaultsAreTheDocumentedOnes)
{
    AgentConfig config;
    EXPECT_EQ(config.port, 27161);
    EXPECT_EQ(config.module, "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so");
    EXPECT_TRUE(config.allowedOrigins.empty());
    EXPECT_EQ(config.logLevel, "information");
}

TEST(ConfigTest, ParsesEveryDocumentedKey)
{
    auto config = parseConfig(R"({"port":0,"module":"/usr/lib/softhsm/libsofthsm2.so",
        "allowedOrigins":["https://portal.certgate.test:8443","HTTPS://Example.GOV.tw:443/"],
        "logLevel":"debug","busyTimeoutMs":250})");
    EXPECT_EQ(config.port, 0);
    EXPECT_EQ(config.module, "/usr/lib/softhsm/libsofthsm2.so");
    ASSERT_EQ(config.allowedOrigins.size(), 2u);
    EXPECT_EQ(config.allowedOrigins[0], "https://portal.certgate.test:8443");
    EXPECT_EQ(config.allowedOrigins[1], "https://example.gov.tw");
    EXPECT_EQ(config.logLevel, "debug");
    EXPECT_EQ(config.busyTimeout.count(), 250);
}

TEST(ConfigTest, KeysLeftOutKeepTheirDefaults)
{
    auto config = parseConfig(R"({"allowedOrigins":["https://a.test"]})");
    EXPECT_EQ(config.port, 27161);
    EXPECT_EQ(config.module, AgentConfig {}.module);
}

TEST(ConfigTest, AnUnknownKeyIsRefusedRatherThanIgnored)
{
    EXPECT_THROW(parseConfig(R"({"allowedOrigin":["https://a.test"]})"), std::invalid_argument);
}

TEST(ConfigTest, BadValuesAreRefused)
{
    EXPECT_THROW(parseConfig(R"({"port":70000})"), std::invalid_argument);
    EXPECT_THROW(parseConfig(R"({"port":"27161"})"), std::invalid_argument);
    EXPECT_THROW(parseConfig(R"({"module":""})"), std::invalid_argument);
    EXPECT_THROW(parseConfig(R"({"allowedOrigins":"https://a.test"})"), std::invalid_argument);
    EXPECT_THROW(
        parseConfig(R"({"allowedOrigins":["portal.certgate.test"]})"), std::invalid_argument);
    EXPECT_THROW(parseConfig(R"({"logLevel":"loud"})"), std::invalid_argument);
    EXPECT_THROW(parseConfig("not json"), std::invalid_argument);
    EXPECT_THROW(parseConfig("[1,2]"), std::invalid_argument);
}

TEST(ConfigTest, ABindAddressCannotBeConfigured)
{
    EXPECT_THROW(parseConfig(R"({"bind":"0.0.0.0"})"), std::invalid_argument);
    EXPECT_THROW(parseConfig(R"({"host":"0.0.0.0"})"), std::invalid_argument);
}

TEST(ConfigTest, TheExampleConfigurationParses)
{
    auto config = loadConfigFile(std::string(CERTGATE_SOURCE_DIR) + "/conf/agent.example.json");
    EXPECT_EQ(config.port, 27161);
    EXPECT_FALSE(config.allowedOrigins.empty());
}

TEST(ConfigTest, OriginsAreNormalised)
{
    EXPECT_EQ(normaliseOrigin("https://Portal.Example.gov.tw"), "https://portal.example.gov.tw");
    EXPECT_EQ(normaliseOrigin("http://localhost:80"), "http://localhost");
    EXPECT_EQ(normaliseOrigin("https://a.test:8443/"), "https://a.test:8443");
    EXPECT_EQ(normaliseOrigin("http://[::1]:8080"), "http://[::1]:8080");
    EXPECT_THROW(normaliseOrigin("https://a.test/path"), std::invalid_argument);
    EXPECT_THROW(normaliseOrigin("ftp://a.test"), std::invalid_argument);
    EXPECT_THROW(normaliseOrigin("https://a.test:0"), std::invalid_argument);
    EXPECT_THROW(normaliseOrigin("https://user@a.test"), std::invalid_argument);
    EXPECT_THROW(normaliseOrigin("null"), std::invalid_argument);
}

TEST(ConfigTest, TheOriginPolicyMatchesExactlyWhatTheBrowserSends)
{
    OriginPolicy policy({ "https://portal.certgate.test:8443" });
    EXPECT_TRUE(policy.allows("https://portal.certgate.test:8443"));
    EXPECT_FALSE(policy.allows("https://portal.certgate.test"));
    EXPECT_FALSE(policy.allows("http://portal.certgate.test:8443"));
    EXPECT_FALSE(policy.allows("https://portal.certgate.test:8443.evil.test"));
    EXPECT_FALSE(policy.allows("https://evil.test"));
    EXPECT_FALSE(policy.allows("null"));
    EXPECT_FALSE(policy.allows(""));
}
