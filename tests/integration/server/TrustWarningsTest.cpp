// No silent refusals (issue 13): started on the shipped production profiles, the server says
// at once which CA profiles can accept no card — GCA, XCA and HCA, whose issuing-CA
// certificates are not shipped — and not MOICA or MOEACA, whose are.

#include "PortalTestSupport.hpp"

namespace certgate::test {
namespace {

TEST(TrustWarningsTest, AtStartTheServerNamesEachProfileThatCanAcceptNoCard)
{
    ScratchDatabase database(Backend::Sqlite);
    ServerInstance::Options options;
    options.caProfiles = std::string(CERTGATE_SOURCE_DIR) + "/ca-profiles";
    ServerInstance server(database, options);
    server.start();
    require(httpRequest("GET", server.url() + "/api/v1/health"), 200, "health");
    auto log = server.output();
    for (const auto* id : { "gca", "xca", "hca" })
        EXPECT_NE(log.find(std::string("CA profile ") + id + " accepts no card"), std::string::npos)
            << id << "\n"
            << log;
    for (const auto* id : { "moica", "moeaca" })
        EXPECT_EQ(log.find(std::string("CA profile ") + id + " accepts no card"), std::string::npos)
            << id << "\n"
            << log;
}

} // namespace
} // namespace certgate::test
