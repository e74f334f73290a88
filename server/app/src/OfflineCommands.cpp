// certgate inspect-cert / verify-token (SPEC §8): the server's judgement of a certificate or a
// token, offline, as JSON on stdout.
#include "Commands.hpp"

#include <certgate/app/Config.hpp>
#include <certgate/app/Trust.hpp>
#include <certgate/core/AuthToken.hpp>
#include <certgate/core/Error.hpp>

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

std::string readFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw UsageError("cannot read " + path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

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
    auto contents = readFile(file);
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
    auto text
        = file == "-" ? std::string(std::istreambuf_iterator<char>(std::cin), {}) : readFile(file);
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
        out->set("message", std::string(info.messageZh));
        out->set("messageEn", std::string(info.messageEn));
        out->set("detail", e.detail());
        print(out);
        return 1;
    }
}

} // namespace certgate::app
