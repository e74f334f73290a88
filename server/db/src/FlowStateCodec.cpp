// core::FlowState as the flows table stores it: JSON, one flat object.

#include "RecordCodec.hpp"

#include <certgate/core/Error.hpp>

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <sstream>

namespace certgate::db {

using core::AgencyGrant;
using core::CardDetails;
using core::CheckedCard;
using core::Error;
using core::ErrorCode;
using core::FlowState;
using core::OperatorLoginState;
using core::ReceiptView;
using core::RegistrationChangeState;
using core::StaffLoginState;

namespace {

using Object = Poco::JSON::Object::Ptr;
using Array = Poco::JSON::Array::Ptr;

// The keys are those flows in progress were stored with before the state was typed.

std::string text(const Object& o, const std::string& key)
{
    return o && o->has(key) && !o->isNull(key) ? o->getValue<std::string>(key) : std::string {};
}
std::int64_t number(const Object& o, const std::string& key)
{
    return o && o->has(key) && !o->isNull(key) ? o->getValue<std::int64_t>(key) : 0;
}
bool flag(const Object& o, const std::string& key)
{
    return o && o->has(key) && !o->isNull(key) && o->getValue<bool>(key);
}
void setIfAny(Poco::JSON::Object& o, const std::string& key, const std::string& value)
{
    if (!value.empty())
        o.set(key, value);
}

Object encodeDetails(const CardDetails& card)
{
    Object o = new Poco::JSON::Object;
    o->set("ca", card.ca);
    o->set("caNameZh", card.caNameZh);
    o->set("caNameEn", card.caNameEn);
    o->set("kind", card.kind);
    o->set("issuer", card.issuer);
    o->set("subject", card.subject);
    o->set("serial", card.serial);
    o->set("notBefore", card.notBefore);
    o->set("notAfter", card.notAfter);
    o->set("name", card.name);
    o->set("idLast4", card.idLast4);
    o->set("subjectSerialNumber", card.subjectSerialNumber);
    o->set("organisationName", card.organisationName);
    o->set("identifier", card.identifier);
    o->set("identifierType", card.identifierType);
    return o;
}

CardDetails decodeDetails(const Object& o)
{
    return { text(o, "ca"), text(o, "caNameZh"), text(o, "caNameEn"), text(o, "kind"),
        text(o, "issuer"), text(o, "subject"), text(o, "serial"), number(o, "notBefore"),
        number(o, "notAfter"), text(o, "name"), text(o, "idLast4"), text(o, "subjectSerialNumber"),
        text(o, "organisationName"), text(o, "identifier"), text(o, "identifierType") };
}

Object encodeCard(const CheckedCard& card)
{
    auto o = encodeDetails(card.details);
    o->set("issuerKeyId", card.issuerKeyId);
    o->set("der", card.derBase64);
    setIfAny(*o, "nationalIdEnc", card.nationalIdEnc);
    setIfAny(*o, "nationalIdHash", card.nationalIdHash);
    return o;
}

std::optional<CheckedCard> decodeCard(const Object& state, const std::string& key)
{
    if (!state->has(key) || state->isNull(key))
        return std::nullopt;
    auto o = state->getObject(key);
    return CheckedCard { decodeDetails(o), text(o, "issuerKeyId"), text(o, "der"),
        text(o, "nationalIdEnc"), text(o, "nationalIdHash") };
}

Array encodeGrants(const std::vector<AgencyGrant>& grants)
{
    Array array = new Poco::JSON::Array;
    for (const auto& grant : grants) {
        Object g = new Poco::JSON::Object;
        g->set("agencyCode", grant.agencyCode);
        g->set("agencyName", grant.agencyName);
        Array functions = new Poco::JSON::Array;
        for (const auto& f : grant.functions)
            functions->add(f);
        g->set("functions", functions);
        array->add(g);
    }
    return array;
}

std::vector<AgencyGrant> decodeGrants(const Array& array)
{
    std::vector<AgencyGrant> grants;
    for (unsigned i = 0; array && i < array->size(); ++i) {
        auto g = array->getObject(i);
        AgencyGrant grant { text(g, "agencyCode"), text(g, "agencyName"), {} };
        auto functions = g->getArray("functions");
        for (unsigned j = 0; functions && j < functions->size(); ++j)
            grant.functions.push_back(functions->getElement<std::string>(j));
        grants.push_back(std::move(grant));
    }
    return grants;
}

} // namespace

std::string encodeFlowState(const FlowState& state)
{
    // One flat object, keys as before the state was typed; each function writes its own.
    Poco::JSON::Object o;
    o.set("client", state.client);
    if (state.cards.organisation)
        o.set("org", encodeCard(*state.cards.organisation));
    if (state.cards.manager)
        o.set("manager", encodeCard(*state.cards.manager));
    if (state.cards.citizen)
        o.set("citizen", encodeDetails(*state.cards.citizen));
    if (const auto* change = state.find<RegistrationChangeState>()) {
        if (change->termsAccepted)
            o.set("terms", true);
        if (change->mismatch)
            o.set("mismatch", encodeCard(*change->mismatch));
        if (!change->approvedReviewId.empty())
            o.set("approvedReview", change->approvedReviewId);
        if (const auto& receipt = change->receipt) {
            Object r = new Poco::JSON::Object;
            r->set("number", receipt->number);
            r->set("kind", receipt->kind);
            r->set("status", receipt->status);
            r->set("receivedAt", receipt->receivedAt);
            o.set("receipt", r);
        }
    }
    if (const auto* login = state.find<OperatorLoginState>(); login && !login->grants.empty())
        o.set("grants", encodeGrants(login->grants));
    if (const auto* staff = state.find<StaffLoginState>()) {
        setIfAny(o, "staffId", staff->staffId);
        if (staff->taken)
            o.set("taken", true);
    }
    std::ostringstream out;
    o.stringify(out);
    return out.str();
}

FlowState decodeFlowState(const std::string& stored)
{
    FlowState state;
    if (stored.empty())
        return state;
    try {
        Poco::JSON::Parser parser;
        auto o = parser.parse(stored).extract<Object>();
        state.client = text(o, "client");
        state.cards.organisation = decodeCard(o, "org");
        state.cards.manager = decodeCard(o, "manager");
        if (o->has("citizen"))
            state.cards.citizen = decodeDetails(o->getObject("citizen"));
        // Whose keys these are tells the function (only one function writes each).
        if (o->has("terms") || o->has("mismatch") || o->has("approvedReview")
            || o->has("receipt")) {
            auto& change = state.of<RegistrationChangeState>();
            change.termsAccepted = flag(o, "terms");
            change.mismatch = decodeCard(o, "mismatch");
            change.approvedReviewId = text(o, "approvedReview");
            if (o->has("receipt")) {
                auto r = o->getObject("receipt");
                change.receipt = ReceiptView { text(r, "number"), text(r, "kind"),
                    text(r, "status"), number(r, "receivedAt") };
            }
        } else if (o->has("grants")) {
            state.of<OperatorLoginState>().grants = decodeGrants(o->getArray("grants"));
        } else if (o->has("staffId") || o->has("taken")) {
            auto& staff = state.of<StaffLoginState>();
            staff.staffId = text(o, "staffId");
            staff.taken = flag(o, "taken");
        }
    } catch (const Poco::Exception& e) {
        throw Error(ErrorCode::InternalError, "stored flow state is malformed: " + e.displayText());
    }
    return state;
}

} // namespace certgate::db
