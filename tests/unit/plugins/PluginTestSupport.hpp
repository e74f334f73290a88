#pragma once

#include <certgate/plugin/PluginError.hpp>
#include <certgate/plugin/Types.hpp>

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace certgate::test {

inline constexpr const char* kSubjectType = "2.16.886.1.100.2.1";
inline constexpr const char* kCardRank = "2.16.886.1.100.2.2";
inline constexpr const char* kIdLast4 = "2.16.886.1.100.2.51";
inline constexpr const char* kUbn = "2.16.886.1.100.2.101";
inline constexpr const char* kOrgOid = "2.16.886.1.100.2.102";
inline constexpr const char* kInstitutionCode = "2.16.886.1.100.2.103";
inline constexpr const char* kCitizenType = "2.16.886.1.100.3.1.1";
inline constexpr const char* kAlienType = "2.16.886.1.100.3.1.9";
inline constexpr const char* kHealthProfessionalType = "2.16.886.1.100.3.1.7";
inline constexpr const char* kAgencyType = "2.16.886.1.100.3.2.1.1";
inline constexpr const char* kCompanyType = "2.16.886.1.100.3.2.2.1.1";
inline constexpr const char* kSchoolType = "2.16.886.1.100.3.2.11";
inline constexpr const char* kHealthInstitutionType = "2.16.886.1.100.3.2.21";
inline constexpr const char* kServerType = "2.16.886.1.100.3.3.1";

/// Builds CertificateViews as the host's x509 adapter would fill them.
class CertificateBuilder {
public:
    CertificateBuilder(std::string issuerOu = "內政部憑證管理中心")
    {
        view_.serialHex = "28785E821EA0940F5A3D9A2E462DB6D7";
        view_.issuer = { { "2.5.4.6", "C", "TW" }, { "2.5.4.10", "O", "行政院" },
            { "2.5.4.11", "OU", issuerOu } };
        view_.issuerString = "OU=" + issuerOu + ",O=行政院,C=TW";
        view_.hasKeyUsage = true;
        view_.keyUsage = plugin::DigitalSignature;
        view_.policies = { "2.16.886.101.0.3.3" };
        view_.publicKeyAlgorithm = "RSA";
        view_.publicKeyBits = 2048;
    }
    CertificateBuilder& rdn(const std::string& shortName, const std::string& value)
    {
        static const std::map<std::string, std::string> oids { { "C", "2.5.4.6" },
            { "O", "2.5.4.10" }, { "OU", "2.5.4.11" }, { "CN", "2.5.4.3" },
            { "serialNumber", "2.5.4.5" }, { "L", "2.5.4.7" } };
        view_.subject.push_back({ oids.at(shortName), shortName, value });
        return *this;
    }
    CertificateBuilder& sda(const std::string& oid, std::vector<std::string> values)
    {
        view_.subjectDirectoryAttributes.push_back({ oid, std::move(values) });
        return *this;
    }
    CertificateBuilder& serial(const std::string& hex)
    {
        view_.serialHex = hex;
        return *this;
    }
    plugin::CertificateView build() const { return view_; }

private:
    plugin::CertificateView view_;
};

// The identity rules of the production profiles (ca-profiles/*.json); the contract test in
// tests/unit/plugin-host checks the plugins against the files themselves.
inline plugin::ProfileView moicaProfile()
{
    return { "moica", plugin::CardKind::Citizen,
        { { "subjectTypeOid", { kSubjectType } },
            { "acceptedSubjectTypes", { kCitizenType, kAlienType } },
            { "serverSubjectTypes", { kServerType } }, { "nameFrom", { "CN" } },
            { "subjectSerialNumberFrom", { "serialNumber" } },
            { "subjectSerialNumberPattern", { "^[0-9]{16}$" } }, { "idLast4Oid", { kIdLast4 } },
            { "idLast4Pattern", { "^[0-9]{4}$" } } } };
}

inline plugin::ProfileView gcaProfile()
{
    return { "gca", plugin::CardKind::Organisation,
        { { "subjectTypeOid", { kSubjectType } },
            { "acceptedSubjectTypes", { kAgencyType, "2.16.886.1.100.3.2.1.2" } },
            { "serverSubjectTypes", { kServerType } }, { "organisationNameFrom", { "OU", "O" } },
            { "identifierType", { "agency-oid" } },
            { "identifierSources",
                { std::string("sda:") + kOrgOid, "sda-oid-under:2.16.886.101" } },
            { "identifierFormat", { "oid-under:2.16.886.101" } } } };
}

inline plugin::ProfileView xcaProfile()
{
    return { "xca", plugin::CardKind::Organisation,
        { { "subjectTypeOid", { kSubjectType } }, { "acceptedSubjectTypes", {} },
            { "serverSubjectTypes", { kServerType } }, { "organisationNameFrom", { "O" } },
            { "identifierType", { "org-oid" } },
            { "identifierSources",
                { std::string("sda:") + kOrgOid, "sda-oid-under:2.16.886.111" } },
            { "identifierFormat", { "oid-under:2.16.886.111" } } } };
}

inline plugin::ProfileView moeacaProfile()
{
    return { "moeaca", plugin::CardKind::Organisation,
        { { "subjectTypeOid", { kSubjectType } },
            { "acceptedSubjectTypes",
                { kCompanyType, "2.16.886.1.100.3.2.3.3.1", "2.16.886.1.100.3.2.3.1" } },
            { "serverSubjectTypes", { kServerType } }, { "organisationNameFrom", { "O" } },
            { "identifierType", { "ubn" } },
            { "identifierSources", { std::string("sda:") + kUbn, "subject:serialNumber" } },
            { "identifierCrossCheck", { "true" } }, { "identifierFormat", { "ubn" } },
            { "cardRankOid", { kCardRank } } } };
}

inline plugin::ProfileView hcaProfile()
{
    return { "hca", plugin::CardKind::Organisation,
        { { "subjectTypeOid", { kSubjectType } },
            { "acceptedSubjectTypes", { kHealthInstitutionType } },
            { "serverSubjectTypes", { kServerType } }, { "organisationNameFrom", { "O" } },
            { "identifierType", { "institution-code" } },
            { "identifierSources",
                { "subject:serialNumber", std::string("sda:") + kInstitutionCode } },
            { "identifierFormat", { "institution-code" } } } };
}

/// The error code of the PluginError `call` throws, or "no error".
template <typename Call> std::string errorCodeOf(Call&& call)
{
    try {
        call();
    } catch (const plugin::PluginError& e) {
        return e.code();
    }
    return "no error";
}

/// The detail of the PluginError `call` throws, or "no error".
template <typename Call> std::string errorDetailOf(Call&& call)
{
    try {
        call();
    } catch (const plugin::PluginError& e) {
        return e.what();
    }
    return "no error";
}

} // namespace certgate::test
