#include <certgate/ca/common/OrganisationRules.hpp>
#include <certgate/ca/common/Validators.hpp>

namespace certgate::ca::common {
namespace {

// Longer values are not identifiers; refusing them early keeps logs and checks bounded.
constexpr std::size_t kMaxIdentifierLength = 256;

bool startsWith(const std::string& text, std::string_view prefix)
{
    return text.size() >= prefix.size() && text.compare(0, prefix.size(), prefix) == 0;
}

std::string readSource(const IdentifierSource& source, const OrganisationRules& rules,
    const plugin::CertificateView& certificate)
{
    switch (source.type) {
    case IdentifierSource::Type::Sda: {
        auto values = certificate.attributeValues(source.argument);
        return values.empty() ? std::string {} : values.front();
    }
    case IdentifierSource::Type::Subject:
        return certificate.subjectValue(source.argument);
    case IdentifierSource::Type::SdaOidUnder:
        for (const auto& attribute : certificate.subjectDirectoryAttributes) {
            if (attribute.oid == rules.subjectType.attributeOid())
                continue;
            for (const auto& value : attribute.values)
                if (isOidUnder(value, source.argument))
                    return value;
        }
        return {};
    }
    return {};
}

} // namespace

IdentifierSource IdentifierSource::parse(const std::string& text)
{
    IdentifierSource source;
    std::string_view prefix;
    if (startsWith(text, "sda:")) {
        source.type = Type::Sda;
        prefix = "sda:";
    } else if (startsWith(text, "subject:")) {
        source.type = Type::Subject;
        prefix = "subject:";
    } else if (startsWith(text, "sda-oid-under:")) {
        source.type = Type::SdaOidUnder;
        prefix = "sda-oid-under:";
    } else {
        refuse(code::ProfileInvalid, "rule identifierSources: unknown source '" + text + "'");
    }
    source.argument = text.substr(prefix.size());
    bool needsOid = source.type != Type::Subject;
    if (source.argument.empty() || (needsOid && !isValidOid(source.argument)))
        refuse(code::ProfileInvalid, "rule identifierSources: bad argument in '" + text + "'");
    return source;
}

std::string IdentifierSource::toString() const
{
    switch (type) {
    case Type::Sda:
        return "sda:" + argument;
    case Type::Subject:
        return "subject:" + argument;
    case Type::SdaOidUnder:
        return "sda-oid-under:" + argument;
    }
    return argument;
}

IdentifierFormat IdentifierFormat::parse(const std::string& text)
{
    IdentifierFormat format;
    if (text == "ubn") {
        format.type = Type::Ubn;
    } else if (text == "institution-code") {
        format.type = Type::InstitutionCode;
    } else if (startsWith(text, "oid-under:")) {
        format.type = Type::OidUnder;
        format.arc = text.substr(std::string_view("oid-under:").size());
        if (!isValidOid(format.arc))
            refuse(
                code::ProfileInvalid, "rule identifierFormat: '" + format.arc + "' is not an OID");
    } else {
        refuse(code::ProfileInvalid, "rule identifierFormat: unknown format '" + text + "'");
    }
    return format;
}

std::optional<std::string> IdentifierFormat::check(std::string_view value) const
{
    switch (type) {
    case Type::Ubn:
        if (!isValidUbn(value))
            return "not a unified business number (8 digits with a valid check digit)";
        return std::nullopt;
    case Type::InstitutionCode:
        if (!isValidInstitutionCode(value))
            return "not an institution code (10 characters, digits or capital letters)";
        return std::nullopt;
    case Type::OidUnder:
        if (!isOidUnder(value, arc))
            return "not an OID under " + arc;
        return std::nullopt;
    }
    return "unsupported";
}

OrganisationRules OrganisationRules::fromProfile(const plugin::ProfileView& profile)
{
    OrganisationRules rules;
    rules.subjectType = SubjectTypeRules::fromProfile(profile);
    requiredRule(profile, "organisationNameFrom");
    rules.organisationNameFrom = profile.ruleList("organisationNameFrom");
    rules.identifierType = requiredRule(profile, "identifierType");
    requiredRule(profile, "identifierSources");
    for (const auto& text : profile.ruleList("identifierSources"))
        rules.identifierSources.push_back(IdentifierSource::parse(text));
    auto crossCheck = profile.rule("identifierCrossCheck", "false");
    if (crossCheck != "true" && crossCheck != "false")
        refuse(code::ProfileInvalid, "rule identifierCrossCheck must be \"true\" or \"false\"");
    rules.identifierCrossCheck = crossCheck == "true";
    rules.identifierFormat = IdentifierFormat::parse(requiredRule(profile, "identifierFormat"));
    rules.cardRankOid = profile.rule("cardRankOid");
    if (!rules.cardRankOid.empty() && !isValidOid(rules.cardRankOid))
        refuse(code::ProfileInvalid, "rule cardRankOid: '" + rules.cardRankOid + "' is not an OID");
    return rules;
}

plugin::Identity extractOrganisationIdentity(
    const OrganisationRules& rules, const plugin::CertificateView& certificate)
{
    plugin::Identity identity;
    identity.kind = plugin::CardKind::Organisation;
    identity.extra["subjectType"]
        = rules.subjectType.check(certificate, plugin::CardKind::Organisation);

    for (const auto& name : rules.organisationNameFrom) {
        identity.organisationName = lastSubjectValue(certificate, name);
        if (!identity.organisationName.empty())
            break;
    }
    if (identity.organisationName.empty())
        refuse(code::CertMalformed, "certificate subject has no organisation name");

    std::string firstSource;
    for (const auto& source : rules.identifierSources) {
        auto value = readSource(source, rules, certificate);
        if (value.empty())
            continue;
        if (identity.identifier.empty()) {
            identity.identifier = std::move(value);
            firstSource = source.toString();
            if (!rules.identifierCrossCheck)
                break;
        } else if (value != identity.identifier) {
            // MOEACA carries the UBN twice (SDA and subject serialNumber); copies that
            // disagree mean the certificate cannot be trusted to name one organisation.
            refuse(code::CertMalformed,
                "organisation identifier differs between " + firstSource + " and "
                    + source.toString());
        }
    }
    if (identity.identifier.empty())
        refuse(code::CertMalformed, "certificate carries no organisation identifier");
    if (identity.identifier.size() > kMaxIdentifierLength)
        refuse(code::CertMalformed, "organisation identifier is too long");
    if (auto reason = rules.identifierFormat.check(identity.identifier))
        refuse(code::CertMalformed, "organisation identifier from " + firstSource + ": " + *reason);
    identity.identifierType = rules.identifierType;

    auto serial = normaliseSerial(certificate.serialHex);
    if (!serial)
        refuse(code::CertMalformed, "certificate serial is not hex");
    identity.certificateSerial = *serial;
    identity.issuer = certificate.issuerString;

    if (!rules.cardRankOid.empty()) {
        auto ranks = certificate.attributeValues(rules.cardRankOid);
        if (!ranks.empty())
            identity.extra["cardRank"] = ranks.front();
    }
    return identity;
}

} // namespace certgate::ca::common
