#include <certgate/app/TrustStatus.hpp>
#include <certgate/core/Clock.hpp>
#include <certgate/x509/OpenSslCertificateValidator.hpp>

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/JSON/Array.h>
#include <Poco/Timestamp.h>

#include <algorithm>
#include <sstream>

namespace certgate::app {

namespace {

std::string iso(std::int64_t seconds)
{
    return Poco::DateTimeFormatter::format(
        Poco::Timestamp::fromEpochTime(static_cast<std::time_t>(seconds)),
        Poco::DateTimeFormat::ISO8601_FORMAT);
}

std::string day(std::int64_t seconds)
{
    return iso(seconds).substr(0, 10);
}

Poco::JSON::Array::Ptr strings(const std::vector<std::string>& items)
{
    Poco::JSON::Array::Ptr out = new Poco::JSON::Array;
    for (const auto& item : items)
        out->add(item);
    return out;
}

} // namespace

bool TrustReport::allAcceptCards() const
{
    return errors.empty() && std::all_of(profiles.begin(), profiles.end(), [](const Profile& p) {
        return p.trust.acceptsCards;
    });
}

TrustReport trustStatus(const pluginhost::LoadedProfiles& loaded, std::int64_t at)
{
    TrustReport report;
    report.at = at;
    for (const auto& error : loaded.errors)
        report.errors.push_back(error.message);
    for (const auto& profile : loaded.profiles) {
        TrustReport::Profile p;
        p.id = profile.id;
        p.nameZh = profile.displayNameZh;
        p.nameEn = profile.displayNameEn;
        p.test = profile.test;
        p.revocation = core::toString(profile.revocation.mode);
        p.failOpen = profile.revocation.failOpen;
        p.trust = x509::assessTrust(profile, at);
        report.profiles.push_back(std::move(p));
    }
    return report;
}

TrustReport trustStatus(const std::string& profilesDir, std::int64_t at)
{
    auto loaded = pluginhost::ProfileLoader::loadFolder(profilesDir);
    auto report = trustStatus(loaded, at);
    try {
        // What the server would refuse at start (two profiles claiming one key, ...).
        core::ManualClock clock(at);
        x509::OpenSslCertificateValidator validator(loaded.profiles, clock);
    } catch (const std::exception& e) {
        report.errors.push_back(e.what());
    }
    return report;
}

Poco::JSON::Object::Ptr trustStatusJson(const TrustReport& report)
{
    Poco::JSON::Object::Ptr out = new Poco::JSON::Object;
    out->set("at", iso(report.at));
    out->set("acceptsCards", report.allAcceptCards());
    Poco::JSON::Array::Ptr profiles = new Poco::JSON::Array;
    for (const auto& p : report.profiles) {
        Poco::JSON::Object::Ptr j = new Poco::JSON::Object;
        j->set("id", p.id);
        j->set("name", p.nameZh);
        j->set("nameEn", p.nameEn);
        j->set("test", p.test);
        j->set("revocation", p.revocation);
        j->set("failOpen", p.failOpen);
        j->set("acceptsCards", p.trust.acceptsCards);
        Poco::JSON::Array::Ptr certificates = new Poco::JSON::Array;
        for (const auto& e : p.trust.certificates) {
            Poco::JSON::Object::Ptr c = new Poco::JSON::Object;
            c->set("role", e.role);
            c->set("subject", e.certificate.subject);
            c->set("keyId", e.certificate.keyId);
            c->set("authorityKeyId", e.certificate.authorityKeyId);
            c->set("sha256", e.certificate.sha256);
            c->set("notBefore", iso(e.certificate.notBefore));
            c->set("notAfter", iso(e.certificate.notAfter));
            c->set("current", e.current);
            c->set("chains", e.chains);
            c->set("expiresSoon", e.expiresSoon);
            c->set("file", e.file);
            certificates->add(c);
        }
        j->set("certificates", certificates);
        j->set("problems", strings(p.trust.problems));
        j->set("warnings", strings(p.trust.warnings));
        Poco::JSON::Array::Ptr missing = new Poco::JSON::Array;
        for (const auto& m : p.trust.missing) {
            Poco::JSON::Object::Ptr c = new Poco::JSON::Object;
            c->set("name", m.name);
            c->set("keyId", m.keyId);
            c->set("sha256", m.sha256);
            c->set("url", m.url);
            c->set("note", m.note);
            missing->add(c);
        }
        j->set("missing", missing);
        profiles->add(j);
    }
    out->set("profiles", profiles);
    out->set("errors", strings(report.errors));
    return out;
}

std::string trustStatusText(const TrustReport& report)
{
    std::ostringstream out;
    for (const auto& p : report.profiles) {
        out << p.id << "  " << p.nameZh << " / " << p.nameEn << (p.test ? "  [TEST PKI]" : "")
            << "\n  " << (p.trust.acceptsCards ? "accepts cards" : "ACCEPTS NO CARD")
            << "; revocation " << p.revocation << (p.failOpen ? " (fails open)" : "") << "\n";
        for (const auto& e : p.trust.certificates)
            out << "  " << e.role << "  " << e.certificate.subject << "  key id "
                << e.certificate.keyId << "  " << day(e.certificate.notBefore) << " .. "
                << day(e.certificate.notAfter)
                << (!e.current                               ? "  EXPIRED OR NOT YET VALID"
                           : e.role != "anchor" && !e.chains ? "  DOES NOT CHAIN"
                                                             : "")
                << (e.expiresSoon ? "  expires within 90 days" : "") << "\n";
        for (const auto& m : p.trust.missing)
            out << "  missing  " << m.name << (m.keyId.empty() ? "" : "  key id " + m.keyId)
                << (m.sha256.empty() ? "" : "  published sha256 " + m.sha256)
                << (m.url.empty() ? "" : "  " + m.url) << "\n";
        for (const auto& problem : p.trust.problems)
            out << "  problem: " << problem << "\n";
        for (const auto& warning : p.trust.warnings)
            out << "  warning: " << warning << "\n";
        out << "\n";
    }
    for (const auto& error : report.errors)
        out << "error: " << error << "\n";
    return out.str();
}

} // namespace certgate::app
