#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace certgate::core {

/// A bureau section and the regions it serves (manual §四: 承保第一科 / 承保第二科).
struct SectionContact {
    std::string nameZh;
    std::string nameEn;
    std::string phone; ///< main line, e.g. "(02)27013411"
    std::string extension; ///< e.g. "5312"
    std::vector<std::string> regions;
};

/// One function of the agency-operations system an operator can be granted (功能選單).
struct FunctionDef {
    std::string id;
    std::string labelZh;
    std::string labelEn;
};

/// Requests per minute (fixed windows held in the database, so they hold across instances).
/// A client is the peer address, or the address a trusted proxy names. Past a limit the answer
/// is 429 RATE_LIMITED with Retry-After until the window ends (`portal.rateLimits`).
struct RateLimitSettings {
    int flowsPerClient = 60; ///< POST /api/v1/flows
    int noncesPerClient = 120; ///< challenges
    int cardStepsPerClient = 60; ///< organisation, manager and citizen card posts
    int cardStepsPerFlow = 10;
    int cardStepsPerCertificate = 20; ///< by the certificate a token carries
    int staffLoginsPerClient = 10; ///< citizen card posts of staff-login flows
    /// Identical refusals from one client in one window are audited once, then every Nth
    /// again with the count so far, so a flood cannot grow the audit log without bound.
    int auditRepeatedRefusalEvery = 100;
};

/// HiPKI Local Server (MOICA's 跨平台網頁元件) as a second signer (docs/token-hipki.md). Its
/// signatures bind no browser origin, so a deployment opts in (`portal.hipki`).
struct HipkiSettings {
    bool enabled = false; ///< off: HiPKI tokens are refused with SIGNER_NOT_ALLOWED
    /// A HiPKI signature is accepted only this soon after its nonce was issued (the relay
    /// window), however long the nonce itself lives.
    std::int64_t maxNonceAgeSeconds = 120;
    /// Where the pages find HiPKI Local Server on the user's PC (its origin, loopback only):
    /// HiPKI's own port unless a test runs its double elsewhere.
    std::string localServer = "http://localhost:61161";
};

struct PortalSettings {
    /// The portal's origin exactly as browsers send it; the only origin signatures are checked
    /// against (SPEC §5).
    std::string origin;
    std::int64_t nonceLifetimeSeconds = 300;
    std::int64_t flowIdleSeconds = 1200;
    std::int64_t flowMaxSeconds = 3600;
    std::int64_t staffSessionSeconds = 8 * 3600;
    std::string agencyCodePattern = "^[0-9A-Z]{5}$";
    std::vector<SectionContact> sections;
    SectionContact fallbackSection; ///< for a region no section lists
    std::vector<FunctionDef> functions;
    int receiptQueriesPerMinute = 20;
    RateLimitSettings rateLimits;
    HipkiSettings hipki;
    /// TESTING ONLY (testing.pauseInsideConfirmMs, a loud warning at start): Portal::confirm
    /// sleeps this long inside its transaction, after the registration's first rows are
    /// written, so a crash test can kill the server there. 0 (the default) in production.
    std::int64_t testPauseInsideConfirmMs = 0;
};

} // namespace certgate::core
