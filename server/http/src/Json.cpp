#include "Json.hpp"

#include "Api.hpp"

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Timestamp.h>

namespace certgate::http {

std::string isoTime(std::int64_t seconds)
{
    return Poco::DateTimeFormatter::format(
        Poco::Timestamp::fromEpochTime(static_cast<std::time_t>(seconds)),
        Poco::DateTimeFormat::ISO8601_FORMAT);
}

JsonArray stringsToJson(const std::vector<std::string>& strings)
{
    JsonArray array = new Poco::JSON::Array;
    for (const auto& s : strings)
        array->add(s);
    return array;
}

JsonObject errorToJson(const core::Error& error)
{
    const auto& info = core::errorInfo(error.code());
    JsonObject o = new Poco::JSON::Object;
    o->set("error", std::string(info.name));
    o->set("message", error.messageZh());
    o->set("messageEn", error.messageEn());
    if (!error.field().empty())
        o->set("field", error.field());
    for (const auto& [key, value] : error.facts())
        o->set(key, value);
    return o;
}

JsonObject objectOf(std::initializer_list<JsonField> fields)
{
    JsonObject o = new Poco::JSON::Object;
    for (const auto& [name, value] : fields)
        o->set(name, value);
    return o;
}

JsonObject cardToJson(const core::CardDetails& card)
{
    auto o = objectOf({ { "ca", card.ca }, { "caName", card.caNameZh },
        { "caNameEn", card.caNameEn }, { "kind", card.kind }, { "issuer", card.issuer },
        { "subject", card.subject }, { "serial", card.serial },
        { "notBefore", isoTime(card.notBefore) }, { "notAfter", isoTime(card.notAfter) } });
    if (card.kind == "citizen") {
        o->set("name", card.name);
        o->set("idLast4", card.idLast4);
        o->set("subjectSerialNumber", card.subjectSerialNumber);
    } else {
        o->set("organisationName", card.organisationName);
        o->set("identifier", card.identifier);
        o->set("identifierType", card.identifierType);
    }
    return o;
}

JsonObject receiptToJson(const core::ReceiptView& receipt)
{
    return objectOf({ { "number", receipt.number }, { "kind", receipt.kind },
        { "status", receipt.status }, { "receivedAt", isoTime(receipt.receivedAt) } });
}

JsonObject sectionToJson(const core::SectionContact& section)
{
    return objectOf(
        { { "name", section.nameZh }, { "nameEn", section.nameEn }, { "phone", section.phone },
            { "extension", section.extension }, { "regions", stringsToJson(section.regions) } });
}

namespace {

JsonObject operatorToJson(const core::OperatorView& op)
{
    return objectOf(
        { { "id", op.id }, { "serial", op.serial }, { "issuer", op.issuer }, { "name", op.name },
            { "nationalId", op.nationalIdMasked }, { "functions", stringsToJson(op.functions) },
            { "createdAt", isoTime(op.createdAt) }, { "updatedAt", isoTime(op.updatedAt) } });
}

JsonObject grantToJson(const core::AgencyGrant& grant)
{
    return objectOf({ { "agencyCode", grant.agencyCode }, { "agencyName", grant.agencyName },
        { "functions", stringsToJson(grant.functions) } });
}

} // namespace

JsonObject flowViewToJson(const core::FlowView& view)
{
    auto o = objectOf({ { "id", view.id }, { "type", view.type }, { "step", view.step },
        { "termsAccepted", view.termsAccepted }, { "expiresAt", isoTime(view.expiresAt) } });
    if (!view.agencyCode.empty()) {
        o->set("agencyCode", view.agencyCode);
        o->set("agencyName", view.agencyName);
    }
    if (view.organisation)
        o->set("organisation", cardToJson(*view.organisation));
    if (view.manager)
        o->set("manager", cardToJson(*view.manager));
    if (view.citizen)
        o->set("citizen", cardToJson(*view.citizen));
    if (const auto& c = view.contact)
        o->set("contact",
            objectOf({ { "name", c->name }, { "email", c->email }, { "phone", c->phone },
                { "extension", c->extension } }));
    if (view.receipt)
        o->set("receipt", receiptToJson(*view.receipt));
    if (!view.managerName.empty())
        o->set("managerName", view.managerName);
    if (view.step == "operators")
        o->set("operators", arrayOf(view.operators, operatorToJson));
    if (!view.grants.empty())
        o->set("grants", arrayOf(view.grants, grantToJson));
    if (view.section)
        o->set("section", sectionToJson(*view.section));
    return o;
}

JsonObject certificateRefToJson(const core::CertificateRef& ref)
{
    return objectOf({ { "ca", ref.ca }, { "issuer", ref.issuer }, { "serial", ref.serial },
        { "subject", ref.subject }, { "notBefore", isoTime(ref.notBefore) },
        { "notAfter", isoTime(ref.notAfter) } });
}

JsonObject reviewToJson(const core::Review& review)
{
    auto o = objectOf({ { "id", review.id }, { "agencyCode", review.agencyCode },
        { "flowType", review.flowType }, { "applicantName", review.applicantName },
        { "applicantPhone", review.applicantPhone }, { "presentedCa", review.presentedCa },
        { "presentedIdentifier", review.presentedIdentifier },
        { "presentedOrganisationName", review.presentedOrganisationName },
        { "expectedIdentifier", review.expectedIdentifier },
        { "presentedCertificate", certificateRefToJson(review.presentedCert) },
        { "status", core::toString(review.status) }, { "createdAt", isoTime(review.createdAt) },
        { "note", review.note } });
    if (review.decidedAt)
        o->set("decidedAt", isoTime(*review.decidedAt));
    if (!review.decidedBy.empty())
        o->set("decidedBy", review.decidedBy);
    if (review.effectiveFrom)
        o->set("effectiveFrom", isoTime(*review.effectiveFrom));
    return o;
}

JsonObject agencyToJson(const core::Agency& agency)
{
    return objectOf({ { "code", agency.code }, { "name", agency.name }, { "region", agency.region },
        { "expectedCa", agency.expectedCa }, { "expectedIdentifier", agency.expectedIdentifier },
        { "updatedAt", isoTime(agency.updatedAt) } });
}

JsonObject auditToJson(const core::AuditEvent& event)
{
    return objectOf({ { "seq", event.seq }, { "at", isoTime(event.at) }, { "actor", event.actor },
        { "action", event.action }, { "outcome", event.outcome }, { "errorCode", event.errorCode },
        { "agencyCode", event.agencyCode }, { "subject", event.subject },
        { "details", event.details }, { "hash", event.hash } });
}

JsonObject staffToJson(const core::Staff& staff)
{
    return objectOf({ { "id", staff.id }, { "name", staff.name }, { "issuer", staff.certIssuer },
        { "serial", staff.certSerial }, { "role", staff.role },
        { "createdAt", isoTime(staff.createdAt) }, { "disabled", staff.disabledAt.has_value() } });
}

Poco::JSON::Object::Ptr profileTrust(const Poco::JSON::Object::Ptr& status, const std::string& id)
{
    if (!status)
        return nullptr;
    auto profiles = status->getArray("profiles");
    for (std::size_t i = 0; profiles && i < profiles->size(); ++i) {
        auto profile = profiles->getObject(static_cast<unsigned>(i));
        if (profile && profile->getValue<std::string>("id") == id)
            return profile;
    }
    return nullptr;
}

bool trustAcceptsCards(const ServerOptions& options)
{
    if (!options.trustStatus)
        return true;
    auto status = options.trustStatus();
    return status && status->optValue("acceptsCards", false);
}

} // namespace certgate::http
