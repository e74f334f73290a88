// assessTrust: whether a CA profile can accept any card now, and why not.
#include "Asn1Text.hpp"

#include <certgate/core/Error.hpp>
#include <certgate/x509/CaCertificates.hpp>

#include <algorithm>
#include <set>

namespace certgate::x509 {

namespace {

constexpr std::int64_t kSoon = 90 * 86400;

using Entry = ProfileTrust::Entry;

bool contains(const std::vector<std::string>& list, const std::string& item)
{
    return std::find(list.begin(), list.end(), item) != list.end();
}

void addFile(ProfileTrust& out, const core::CaProfile& profile, const core::Bytes& contents,
    const std::string& file, bool anchor)
{
    std::vector<CaCertificate> certificates;
    try {
        certificates = readCaCertificates(contents);
    } catch (const core::Error&) {
        out.problems.push_back("the file " + file + " holds no readable certificate");
        return;
    }
    for (auto& certificate : certificates) {
        Entry entry;
        entry.file = file;
        if (anchor)
            entry.role = "anchor";
        else if (certificate.selfIssued && !certificate.selfSigned)
            entry.role = "link";
        else if (contains(profile.issuerKeyIds, certificate.keyId))
            entry.role = "issuing-ca";
        else
            entry.role = "intermediate";
        entry.certificate = std::move(certificate);
        out.certificates.push_back(std::move(entry));
    }
}

// A path of current certificates from `index` to a current anchor of the profile.
bool chains(const std::vector<Entry>& entries, std::size_t index, std::set<std::size_t>& seen)
{
    const auto& entry = entries[index];
    if (!entry.current)
        return false;
    if (entry.role == "anchor")
        return true;
    if (!seen.insert(index).second)
        return false;
    for (std::size_t i = 0; i < entries.size(); ++i)
        if (i != index && issuedBy(entry.certificate, entries[i].certificate)
            && chains(entries, i, seen))
            return true;
    return false;
}

std::string asn1Day(std::int64_t seconds)
{
    return asn1::isoTime(seconds).substr(0, 10);
}

std::string fileName(const std::vector<std::string>& paths, std::size_t i, const char* kind)
{
    return i < paths.size() ? paths[i] : std::string(kind) + " #" + std::to_string(i + 1);
}

} // namespace

ProfileTrust assessTrust(const core::CaProfile& profile, std::int64_t at)
{
    ProfileTrust out;
    out.profileId = profile.id;
    for (std::size_t i = 0; i < profile.trustAnchors.size(); ++i)
        addFile(out, profile, profile.trustAnchors[i],
            fileName(profile.trustAnchorPaths, i, "trust anchor"), true);
    for (std::size_t i = 0; i < profile.intermediates.size(); ++i)
        addFile(out, profile, profile.intermediates[i],
            fileName(profile.intermediatePaths, i, "intermediate"), false);
    for (auto& entry : out.certificates) {
        entry.current = entry.certificate.currentAt(at);
        entry.expiresSoon = entry.current && entry.certificate.notAfter - at < kSoon;
        if (entry.expiresSoon)
            out.warnings.push_back("the certificate " + entry.certificate.subject + " (key id "
                + entry.certificate.keyId + ") expires within 90 days");
    }
    for (std::size_t i = 0; i < out.certificates.size(); ++i) {
        std::set<std::size_t> seen;
        out.certificates[i].chains = chains(out.certificates, i, seen);
    }
    // An anchor may itself be an issuing CA (a pinned intermediate).
    out.acceptsCards
        = std::any_of(out.certificates.begin(), out.certificates.end(), [&](const Entry& e) {
              return (e.role == "issuing-ca" && e.chains)
                  || (e.role == "anchor" && e.current
                      && contains(profile.issuerKeyIds, e.certificate.keyId));
          });

    auto held = [&](auto&& match) {
        return std::any_of(out.certificates.begin(), out.certificates.end(),
            [&](const Entry& e) { return match(e.certificate); });
    };
    if (std::none_of(out.certificates.begin(), out.certificates.end(),
            [](const Entry& e) { return e.role == "anchor" && e.current; }))
        out.problems.push_back("no pinned trust anchor is current");
    for (const auto& keyId : profile.issuerKeyIds)
        if (!held([&](const CaCertificate& c) { return c.keyId == keyId; }))
            out.problems.push_back("issuerKeyIds lists " + keyId
                + ", but the profile holds no CA certificate with that key identifier");
    for (const auto& entry : out.certificates) {
        if (entry.role != "issuing-ca" || entry.chains)
            continue;
        const auto what = "the issuing CA " + entry.certificate.subject + " (key id "
            + entry.certificate.keyId + ") ";
        if (entry.current)
            out.problems.push_back(
                what + "does not chain to a pinned anchor through current certificates");
        else
            out.warnings.push_back(what + "is outside its validity ("
                + asn1Day(entry.certificate.notBefore) + " .. "
                + asn1Day(entry.certificate.notAfter) + "): cards it issued are refused");
    }
    const bool anyIssuing = std::any_of(out.certificates.begin(), out.certificates.end(),
        [](const Entry& e) { return e.role == "issuing-ca"; });
    for (const auto& expected : profile.expectedIssuingCas) {
        // Known by key id or fingerprint; an entry that names neither is held by any
        // issuing-CA certificate of the profile.
        const bool identified = !expected.keyId.empty() || !expected.sha256.empty();
        if (identified ? !held([&](const CaCertificate& c) {
                return (!expected.keyId.empty() && c.keyId == expected.keyId)
                    || (!expected.sha256.empty() && c.sha256 == expected.sha256);
            })
                       : !anyIssuing)
            out.missing.push_back(expected);
    }
    if (!out.acceptsCards) {
        std::string text = "accepts no card: no current issuing-CA certificate listed in "
                           "issuerKeyIds chains to a pinned anchor";
        for (const auto& expected : out.missing)
            text += "; missing " + expected.name
                + (expected.keyId.empty() ? "" : " (key id " + expected.keyId + ")")
                + (expected.url.empty() ? "" : ", published at " + expected.url);
        out.problems.push_back(text + " (add it: certgate ca import FILE --apply)");
    }
    return out;
}

} // namespace certgate::x509
