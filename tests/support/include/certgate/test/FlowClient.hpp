#pragma once

#include <certgate/test/HttpClient.hpp>
#include <certgate/test/TestPki.hpp>

#include <Poco/JSON/Object.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace certgate::test {

/// The server refused a challenge a card step needed: its answer.
struct ChallengeRefused : std::runtime_error {
    explicit ChallengeRefused(HttpResponse refusal)
        : std::runtime_error(
            "challenge refused: " + std::to_string(refusal.status) + " " + refusal.body)
        , response(std::move(refusal))
    {
    }
    HttpResponse response;
};

/// A browser's side of one portal flow over real HTTP: keeps the flow's session cookie and
/// the newest CSRF token, and signs challenges with test cards (CardSigner) for the origin
/// the server expects.
class FlowClient {
public:
    FlowClient(std::string baseUrl, std::string origin);

    /// POST /api/v1/flows; returns the response (201 expected).
    HttpResponse start(const std::string& type);
    HttpResponse acceptTerms();
    /// POST .../challenge; returns the nonce (throws ChallengeRefused when the server refuses).
    std::string challenge(const std::string& purpose);
    /// A whole card step with a fresh challenge: organisation-card / manager-card / citizen-card.
    HttpResponse organisationCard(const std::string& agencyCode, const std::string& cardName);
    HttpResponse managerCard(const std::string& nationalId, const std::string& cardName);
    HttpResponse citizenCard(const std::string& nationalId, const std::string& cardName);
    /// A card step with a given nonce and token JSON (for refusals).
    HttpResponse cardStep(const std::string& step, Poco::JSON::Object::Ptr fields,
        const std::string& nonce, const std::string& tokenJson);
    HttpResponse reviewApplication(const std::string& name, const std::string& phone);
    HttpResponse confirm(const std::string& name, const std::string& email,
        const std::string& phone, const std::string& extension = "");
    HttpResponse addOperator(const std::string& serial, const std::string& name,
        const std::string& nationalId, const std::vector<std::string>& functions,
        const std::string& certificateBase64 = "");
    HttpResponse updateOperator(const std::string& id, const std::string& serial,
        const std::string& name, const std::string& nationalId,
        const std::vector<std::string>& functions);
    HttpResponse deleteOperator(const std::string& id);
    HttpResponse get();

    /// Raw request on this flow with its cookie and CSRF token.
    HttpResponse request(const std::string& method, const std::string& path,
        const std::string& body, bool withCsrf = true, bool withCookie = true);

    const std::string& flowId() const { return flowId_; }
    const std::string& csrfToken() const { return csrf_; }
    const std::string& sessionCookie() const { return cookie_; }
    void setSessionCookie(const std::string& value) { cookie_ = value; }
    void setCsrfToken(const std::string& value) { csrf_ = value; }
    const std::string& origin() const { return origin_; }
    /// The newest response body, parsed.
    Poco::JSON::Object::Ptr last() const { return last_; }
    std::string step() const;

private:
    HttpResponse remember(HttpResponse response);
    HttpResponse signedStep(const std::string& step, const std::string& purpose,
        Poco::JSON::Object::Ptr fields, const std::string& cardName);

    std::string base_;
    std::string origin_;
    std::string flowId_;
    std::string cookie_;
    std::string csrf_;
    Poco::JSON::Object::Ptr last_;
};

Poco::JSON::Object::Ptr parseJsonObject(const std::string& text);
std::string errorCode(const HttpResponse& response);

} // namespace certgate::test
