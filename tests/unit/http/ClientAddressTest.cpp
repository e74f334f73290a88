// The client's address behind a reverse proxy (Context::client): X-Forwarded-For counts only on
// a connection from a trusted proxy, and then only its last entry of its last line — what the
// proxy itself wrote (nginx replaces the header, HAProxy adds a line of its own at the end).
#include "Router.hpp"

#include <gtest/gtest.h>

namespace certgate::http {
namespace {

std::string clientOf(const std::string& peer, const net::Headers& headers)
{
    static const std::vector<std::string> trusted { "127.0.0.1", "10.0.0.5" };
    net::Request request;
    request.method = "GET";
    request.target = "/";
    request.peer = peer;
    request.headers = headers;
    net::Response response;
    return Context(request, response, &trusted).client();
}

TEST(ClientAddressTest, AnUntrustedPeerIsTheClientWhateverItForwards)
{
    EXPECT_EQ(clientOf("192.0.2.7", { { "X-Forwarded-For", "203.0.113.9" } }), "192.0.2.7");
    EXPECT_EQ(clientOf("192.0.2.7", {}), "192.0.2.7");
}

TEST(ClientAddressTest, BehindATrustedProxyTheClientIsTheLastEntryOfTheLastLine)
{
    EXPECT_EQ(clientOf("127.0.0.1", { { "X-Forwarded-For", "198.51.100.4" } }), "198.51.100.4");
    EXPECT_EQ(clientOf("127.0.0.1", { { "X-Forwarded-For", "203.0.113.9,  198.51.100.4 " } }),
        "198.51.100.4");
    // The client's own line first, the proxy's added after it.
    EXPECT_EQ(clientOf("10.0.0.5",
                  { { "X-Forwarded-For", "203.0.113.9" }, { "x-forwarded-for", "198.51.100.4" } }),
        "198.51.100.4");
}

TEST(ClientAddressTest, ATrustedProxyThatNamesNoClientIsItself)
{
    EXPECT_EQ(clientOf("127.0.0.1", {}), "127.0.0.1");
    EXPECT_EQ(clientOf("127.0.0.1", { { "X-Forwarded-For", " " } }), "127.0.0.1");
}

} // namespace
} // namespace certgate::http
