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

JsonObject cardToJson(const core::CardDetails& card)
{
    JsonObject o = new Poco::JSON::Object;
    o->set("ca", card.ca);
    o->set("caName", card.caNameZh);
    o->set("caNameEn", card.caNameEn);
    o->set("kind", card.kind);
    o->set("issuer", card.issuer);
    o->set("subject", card.subject);
    o->set("serial", card.serial);
    o->set("notBefore", isoTime(card.notBefore));
    o->set("notAfter", isoTime(card.notAfter));
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
    JsonObject o = new Poco::JSON::Object;
    o->set("number", receipt.number);
    o->set("kind", receipt.kind);
    o->set("status", receipt.status);
    o->set("receivedAt", isoTime(receipt.receivedAt));
    return o;
}

JsonObject sectionToJson(const core::SectionContact& section)
{
    JsonObject o = new Poco::JSON::Object;
    o->set("name", section.nameZh);
    o->set("nameEn", section.nameEn);
    o->set("phone", section.phone);
    o->set("extension", section.extension);
    o->set("regions", stringsToJson(section.regions));
    return o;
}

JsonObject flowViewToJson(const core::FlowView& view)
{
    JsonObject o = new Poco::JSON::Object;
    o->set("id", view.id);
    o->set("type", view.type);
    o->set("step", view.step);
    o->set("termsAccepted", view.termsAccepted);
    o->set("expiresAt", isoTime(view.expiresAt));
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
    if (view.contact) {
        JsonObject c = new Poco::JSON::Object;
        c->set("name", view.contact->name);
        c->set("email", view.contact->email);
        c->set("phone", view.contact->phone);
        c->set("extension", view.contact->extension);
        o->set("contact", c);
    }
    if (view.receipt)
        o->set("receipt", receiptToJson(*view.receipt));
    if (!view.managerName.empty())
        o->set("managerName", view.managerName);
    if (view.step == "operators") {
        JsonArray operators = new Poco::JSON::Array;
        for (const auto& op : view.operators) {
            JsonObject j = new Poco::JSON::Object;
            j->set("id", op.id);
            j->set("serial", op.serial);
            j->set("issuer", op.issuer);
            j->set("name", op.name);
            j->set("nationalId", op.nationalIdMasked);
            j->set("functions", stringsToJson(op.functions));
            j->set("createdAt", isoTime(op.createdAt));
            j->set("updatedAt", isoTime(op.updatedAt));
            operators->add(j);
        }
        o->set("operators", operators);
    }
    if (!view.grants.empty()) {
        JsonArray grants = new Poco::JSON::Array;
        for (const auto& g : view.grants) {
            JsonObject j = new Poco::JSON::Object;
            j->set("agencyCode", g.agencyCode);
            j->set("agencyName", g.agencyName);
            j->set("functions", stringsToJson(g.functions));
            grants->add(j);
        }
        o->set("grants", grants);
    }
    if (view.section)
        o->set("section", sectionToJson(*view.section));
    return o;
}

JsonObject certificateRefToJson(const core::CertificateRef& ref)
{
    JsonObject o = new Poco::JSON::Object;
    o->set("ca", ref.ca);
    o->set("issuer", ref.issuer);
    o->set("serial", ref.serial);
    o->set("subject", ref.subject);
    o->set("notBefore", isoTime(ref.notBefore));
    o->set("notAfter", isoTime(ref.notAfter));
    return o;
}

JsonObject reviewToJson(const core::Review& review)
{
    JsonObject o = new Poco::JSON::Object;
    o->set("id", review.id);
    o->set("agencyCode", review.agencyCode);
    o->set("flowType", review.flowType);
    o->set("applicantName", review.applicantName);
    o->set("applicantPhone", review.applicantPhone);
    o->set("presentedCa", review.presentedCa);
    o->set("presentedIdentifier", review.presentedIdentifier);
    o->set("presentedOrganisationName", review.presentedOrganisationName);
    o->set("expectedIdentifier", review.expectedIdentifier);
    o->set("presentedCertificate", certificateRefToJson(review.presentedCert));
    o->set("status", core::toString(review.status));
    o->set("createdAt", isoTime(review.createdAt));
    if (review.decidedAt)
        o->set("decidedAt", isoTime(*review.decidedAt));
    if (!review.decidedBy.empty())
        o->set("decidedBy", review.decidedBy);
    o->set("note", review.note);
    if (review.effectiveFrom)
        o->set("effectiveFrom", isoTime(*review.effectiveFrom));
    return o;
}

JsonObject agencyToJson(const core::Agency& agency)
{
    JsonObject o = new Poco::JSON::Object;
    o->set("code", agency.code);
    o->set("name", agency.name);
    o->set("region", agency.region);
    o->set("expectedCa", agency.expectedCa);
    o->set("expectedIdentifier", agency.expectedIdentifier);
    o->set("updatedAt", isoTime(agency.updatedAt));
    return o;
}

JsonObject auditToJson(const core::AuditEvent& event)
{
    JsonObject o = new Poco::JSON::Object;
    o->set("seq", event.seq);
    o->set("at", isoTime(event.at));
    o->set("actor", event.actor);
    o->set("action", event.action);
    o->set("outcome", event.outcome);
    o->set("errorCode", event.errorCode);
    o->set("agencyCode", event.agencyCode);
    o->set("subject", event.subject);
    o->set("details", event.details);
    o->set("hash", event.hash);
    return o;
}

JsonObject staffToJson(const core::Staff& staff)
{
    JsonObject o = new Poco::JSON::Object;
    o->set("id", staff.id);
    o->set("name", staff.name);
    o->set("issuer", staff.certIssuer);
    o->set("serial", staff.certSerial);
    o->set("role", staff.role);
    o->set("createdAt", isoTime(staff.createdAt));
    o->set("disabled", staff.disabledAt.has_value());
    return o;
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
