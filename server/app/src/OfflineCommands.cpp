// certgate inspect-cert / verify-token (SPEC §8): the server's judgement of a certificate or a
// token, offline, as JSON on stdout.
#include "CaImport.hpp"
#include "Commands.hpp"

#include <certgate/app/Config.hpp>
#include <certgate/app/Trust.hpp>
#include <certgate/core/AuthToken.hpp>
#include <certgate/core/Error.hpp>
#include <certgate/plugin/Version.hpp>

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/DateTimeParser.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/NumberParser.h>
#include <Poco/Timestamp.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

namespace certgate::app {

namespace {

using Object = Poco::JSON::Object::Ptr;

std::string upper(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(),
        [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return s;
}

Object identityJson(const plugin::Identity& identity)
{
    Object o = new Poco::JSON::Object;
    if (identity.kind == plugin::CardKind::Citizen) {
        o->set("name", identity.name);
        o->set("idLast4", identity.idLast4);
        o->set("subjectSerialNumber", identity.subjectSerialNumber);
    } else {
        o->set("organisationName", identity.organisationName);
        o->set("identifier", identity.identifier);
        o->set("identifierType", identity.identifierType);
    }
    o->set("certificateSerial", identity.certificateSerial);
    o->set("issuer", identity.issuer);
    return o;
}

std::string iso(std::int64_t seconds)
{
    return Poco::DateTimeFormatter::format(
        Poco::Timestamp::fromEpochTime(static_cast<std::time_t>(seconds)),
        Poco::DateTimeFormat::ISO8601_FORMAT);
}

void print(const Object& o)
{
    o->stringify(std::cout, 2);
    std::cout << std::endl;
}

struct TrustOptions {
    std::string profiles = defaultCaProfilesDir();
    std::string plugins = defaultPluginsDir();
    std::int64_t at = core::SystemClock().now();
};

bool takeTrustOption(Args& args, const std::string& arg, TrustOptions& options)
{
    if (arg == "--ca-profiles")
        options.profiles = args.value(arg);
    else if (arg == "--plugins")
        options.plugins = args.value(arg);
    else if (arg == "--at")
        options.at = parseTime(args.value(arg));
    else
        return false;
    return true;
}

// A CA certificate (a root, a link or an issuing CA) is not a card: say whose it is, which
// profiles hold it and whether it chains to a pinned anchor.
int inspectCaCertificate(const Trust& trust, const core::Bytes& der, std::int64_t at)
{
    const auto certificate = x509::readCaCertificates(der).at(0);
    const auto& loaded = trust.profiles();
    Object out = new Poco::JSON::Object;
    Object identity = new Poco::JSON::Object;
    auto view = trust.validator()->parse(der);
    std::string name = view.subjectValue("CN");
    if (name.empty())
        name = view.subjectValue("OU");
    if (name.empty())
        name = view.subjectValue("O");
    identity->set("name", name);
    std::string role = certificate.selfSigned ? "root"
        : certificate.selfIssued              ? "link"
                                              : "issuing-ca";
    identity->set("role", role);
    identity->set("keyId", certificate.keyId);
    identity->set("authorityKeyId", certificate.authorityKeyId);
    identity->set("sha256", certificate.sha256);
    Poco::JSON::Array::Ptr heldBy = new Poco::JSON::Array;
    std::string pathProfile;
    for (const auto& profile : loaded.profiles) {
        bool held = false;
        for (const auto* files : { &profile.trustAnchors, &profile.intermediates })
            for (const auto& contents : *files)
                for (const auto& c : x509::readCaCertificates(contents))
                    held = held || c.sha256 == certificate.sha256;
        if (held) {
            heldBy->add(profile.id);
            if (pathProfile.empty())
                pathProfile = profile.id;
        }
    }
    identity->set("heldBy", heldBy);
    auto naming
        = role == "issuing-ca" ? profilesNaming(loaded, certificate) : std::vector<std::string> {};
    if (!naming.empty())
        pathProfile = naming.front();
    out->set("ca", naming.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(upper(naming[0])));
    out->set("kind", "ca-certificate");
    out->set("identity", identity);
    out->set("subject", certificate.subject);
    out->set("issuer", certificate.issuer);
    out->set("serial", certificate.serial);
    out->set("notBefore", iso(certificate.notBefore));
    out->set("notAfter", iso(certificate.notAfter));
    Object chain = new Poco::JSON::Object;
    Poco::JSON::Array::Ptr path = new Poco::JSON::Array;
    std::string error;
    if (pathProfile.empty()) {
        error = "no CA profile holds or names this CA certificate";
    } else if (role == "root") {
        path->add(certificate.subject); // pinned: it is its own path
    } else {
        auto built = trust.validator()->buildPath(view, pathProfile);
        for (const auto& subject : built.subjects)
            path->add(subject);
        error = built.error.empty()
            ? ""
            : "no path to an anchor of profile '" + pathProfile + "': " + built.error;
    }
    if (error.empty() && !certificate.currentAt(at))
        error = "outside its validity at " + iso(at);
    chain->set("valid", error.empty());
    chain->set("path", path);
    chain->set(
        "error", error.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var("CERT_UNTRUSTED"));
    if (!error.empty())
        chain->set("detail", error);
    out->set("chain", chain);
    print(out);
    return error.empty() ? 0 : 1;
}

} // namespace

std::int64_t parseTime(const std::string& text)
{
    Poco::Int64 seconds = 0;
    if (Poco::NumberParser::tryParse64(text, seconds))
        return seconds;
    Poco::DateTime parsed;
    int tzd = 0;
    if (!Poco::DateTimeParser::tryParse(text, parsed, tzd))
        throw UsageError(
            "not a time: " + text + " (use ISO 8601, e.g. 2026-11-27T09:00:00Z, or Unix seconds)");
    return parsed.timestamp().epochTime() - tzd;
}

int inspectCert(Args args)
{
    TrustOptions options;
    std::string file;
    while (args.more()) {
        auto arg = args.next();
        if (!takeTrustOption(args, arg, options)) {
            if (arg.starts_with("--") || !file.empty())
                throw UsageError("unexpected argument " + arg);
            file = arg;
        }
    }
    if (file.empty())
        throw UsageError("inspect-cert needs a certificate file (PEM or DER)");
    auto contents = readArgumentFile(file);
    core::ManualClock clock(options.at);
    Trust trust(options.profiles, options.plugins, clock);
    Object out = new Poco::JSON::Object;
    core::Bytes der;
    try {
        der = x509::readCertificates(
            std::span(reinterpret_cast<const std::uint8_t*>(contents.data()), contents.size()))
                  .at(0);
    } catch (const core::Error& e) {
        out->set("error", "CERT_MALFORMED");
        out->set("detail", e.detail());
        print(out);
        return 1;
    }
    if (trust.validator()->parse(der).isCa)
        return inspectCaCertificate(trust, der, options.at);
    core::ValidationOptions validation;
    validation.at = options.at;
    validation.checkRevocation = true;
    core::CardVerifier::Inspection inspection;
    try {
        inspection = trust.verifier().inspect(der, validation);
    } catch (const core::Error& e) {
        out->set("error", std::string(core::toString(e.code())));
        out->set("detail", e.detail());
        print(out);
        return 1;
    }
    const auto& cert = inspection.certificate;
    out->set("ca",
        inspection.ca.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(upper(inspection.ca)));
    out->set("kind",
        inspection.kind ? Poco::Dynamic::Var(std::string(plugin::toString(*inspection.kind)))
                        : Poco::Dynamic::Var());
    out->set("identity",
        inspection.identity ? Poco::Dynamic::Var(identityJson(*inspection.identity))
                            : Poco::Dynamic::Var());
    if (!inspection.identityError.empty())
        out->set("identityError", inspection.identityError);
    out->set("subject", cert.subjectString);
    out->set("issuer", cert.issuerString);
    out->set("serial", cert.serialHex);
    out->set("notBefore", iso(cert.notBefore));
    out->set("notAfter", iso(cert.notAfter));
    // chain.valid covers path, validity at --at, key usage and policy; revocation apart.
    const auto& chain = inspection.chain;
    bool revocationError = chain.error
        && (*chain.error == core::ErrorCode::CertRevoked
            || *chain.error == core::ErrorCode::RevocationUnknown);
    Object chainJson = new Poco::JSON::Object;
    chainJson->set("valid", !chain.error || revocationError);
    Poco::JSON::Array::Ptr path = new Poco::JSON::Array;
    for (const auto& subject : chain.path)
        path->add(subject);
    chainJson->set("path", path);
    chainJson->set("error",
        chain.error && !revocationError
            ? Poco::Dynamic::Var(std::string(core::toString(*chain.error)))
            : Poco::Dynamic::Var());
    if (chain.error && !revocationError)
        chainJson->set("detail", chain.detail);
    if (!chain.missingIssuerKeyId.empty())
        chainJson->set("missingIssuerKeyId", chain.missingIssuerKeyId);
    out->set("chain", chainJson);
    Object revocation = new Poco::JSON::Object;
    revocation->set("status", core::toString(chain.revocation.status));
    revocation->set("method", chain.revocation.method);
    revocation->set("detail", chain.revocation.detail);
    if (chain.revocation.status == core::RevocationResult::Status::Revoked) {
        revocation->set("revokedAt", iso(chain.revocation.revokedAt));
        revocation->set("reason", chain.revocation.reason);
    }
    out->set("revocation", revocation);
    print(out);
    // Exit 0 only for a card the server would accept: chain valid, not revoked, revocation
    // known (or not checked), and an identity its plugin could read.
    return !chain.error && inspection.identity ? 0 : 1;
}

int verifyToken(Args args)
{
    TrustOptions options;
    std::string origin;
    std::string nonce;
    std::string file;
    std::optional<core::RevocationMode> revocation;
    while (args.more()) {
        auto arg = args.next();
        if (takeTrustOption(args, arg, options))
            continue;
        if (arg == "--origin")
            origin = args.value(arg);
        else if (arg == "--nonce")
            nonce = args.value(arg);
        else if (arg == "--revocation") {
            auto mode = args.value(arg);
            revocation = core::revocationModeFromString(mode);
            if (!revocation)
                throw UsageError("--revocation takes none, crl, ocsp or ocsp-then-crl");
        } else if (arg.starts_with("--") || !file.empty())
            throw UsageError("unexpected argument " + arg);
        else
            file = arg;
    }
    if (origin.empty() || nonce.empty() || file.empty())
        throw UsageError("verify-token needs --origin, --nonce and a token file");
    auto text = file == "-" ? std::string(std::istreambuf_iterator<char>(std::cin), {})
                            : readArgumentFile(file);
    core::ManualClock clock(options.at);
    Trust trust(options.profiles, options.plugins, clock);
    Object out = new Poco::JSON::Object;
    try {
        auto token = core::parseAuthToken(text);
        core::ValidationOptions validation;
        validation.at = options.at;
        validation.revocationOverride = revocation;
        auto card = trust.verifier().verify(token, origin, nonce, std::nullopt, &validation);
        out->set("ok", true);
        out->set("ca", upper(card.ca));
        out->set("kind", std::string(plugin::toString(card.kind)));
        out->set("identity", identityJson(card.identity));
        Poco::JSON::Array::Ptr path = new Poco::JSON::Array;
        for (const auto& subject : card.chain.path)
            path->add(subject);
        out->set("path", path);
        out->set("revocation", core::toString(card.chain.revocation.status));
        print(out);
        return 0;
    } catch (const core::Error& e) {
        const auto& info = core::errorInfo(e.code());
        out->set("ok", false);
        out->set("error", std::string(info.name));
        out->set("message", e.messageZh());
        out->set("messageEn", e.messageEn());
        out->set("detail", e.detail());
        print(out);
        return 1;
    }
}

int version()
{
    std::cout << "certgate " << CERTGATE_VERSION << " (plugin API " << plugin::kApiVersion << ")\n";
    core::SystemClock clock;
    Trust trust(defaultCaProfilesDir(), defaultPluginsDir(), clock);
    for (const auto& ca : trust.plugins().list())
        std::cout << "  " << ca.id << "  "
                  << (ca.loaded ? "plugin API " + std::to_string(plugin::kApiVersion)
                                : "not loaded: " + ca.error)
                  << "  " << ca.library << "\n";
    return 0;
}

} // namespace certgate::app
