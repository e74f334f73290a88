#include <certgate/core/Crypto.hpp>
#include <certgate/core/Error.hpp>
#include <certgate/core/Portal.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Logger.h>

#include <algorithm>
#include <chrono>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

namespace certgate::core {

using JsonObject = Poco::JSON::Object::Ptr;

struct Portal::Loaded {
    Flow flow;
    JsonObject state;
};

namespace {

constexpr std::size_t kMaxNameLength = 60;
constexpr std::size_t kMaxEmailLength = 254;

// Steps (Flow::step).
constexpr const char* kTerms = "terms";
constexpr const char* kOrganisation = "organisation";
constexpr const char* kReview = "review";
constexpr const char* kReviewSubmitted = "review-submitted";
constexpr const char* kManager = "manager";
constexpr const char* kCitizen = "citizen";
constexpr const char* kConfirm = "confirm";
constexpr const char* kOperators = "operators";
constexpr const char* kDone = "done";

bool isRegistrationChange(const std::string& type)
{
    return type == flow::FirstRegistration || type == flow::ReplaceOrganisation
        || type == flow::ReplaceManager || type == flow::ReplaceBoth;
}
/// Functions that present a NEW organisation card, which must match master data.
bool presentsNewOrganisation(const std::string& type)
{
    return type == flow::FirstRegistration || type == flow::ReplaceOrganisation
        || type == flow::ReplaceBoth;
}
bool presentsNewManager(const std::string& type)
{
    return type == flow::FirstRegistration || type == flow::ReplaceManager
        || type == flow::ReplaceBoth;
}

std::string firstStep(const std::string& type)
{
    if (isRegistrationChange(type))
        return kTerms;
    if (type == flow::Authorisation || type == flow::QueryOid)
        return kOrganisation;
    return kCitizen;
}

ReceiptKind receiptKindFor(const std::string& type)
{
    if (type == flow::ReplaceOrganisation)
        return ReceiptKind::ReplaceOrganisation;
    if (type == flow::ReplaceManager)
        return ReceiptKind::ReplaceManager;
    if (type == flow::ReplaceBoth)
        return ReceiptKind::ReplaceBoth;
    return ReceiptKind::FirstRegistration;
}

std::string str(const JsonObject& object, const std::string& key)
{
    if (!object || !object->has(key) || object->isNull(key))
        return {};
    return object->getValue<std::string>(key);
}
std::int64_t num(const JsonObject& object, const std::string& key)
{
    if (!object || !object->has(key) || object->isNull(key))
        return 0;
    return object->getValue<std::int64_t>(key);
}
bool flag(const JsonObject& object, const std::string& key)
{
    return object && object->has(key) && !object->isNull(key) && object->getValue<bool>(key);
}

std::string toJson(const JsonObject& object)
{
    std::ostringstream out;
    object->stringify(out);
    return out.str();
}

JsonObject parseState(const std::string& text)
{
    if (text.empty())
        return new Poco::JSON::Object;
    Poco::JSON::Parser parser;
    return parser.parse(text).extract<JsonObject>();
}

JsonObject cardToJson(const CardDetails& card)
{
    JsonObject o = new Poco::JSON::Object;
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

CardDetails cardFromJson(const JsonObject& o)
{
    CardDetails card;
    card.ca = str(o, "ca");
    card.caNameZh = str(o, "caNameZh");
    card.caNameEn = str(o, "caNameEn");
    card.kind = str(o, "kind");
    card.issuer = str(o, "issuer");
    card.subject = str(o, "subject");
    card.serial = str(o, "serial");
    card.notBefore = num(o, "notBefore");
    card.notAfter = num(o, "notAfter");
    card.name = str(o, "name");
    card.idLast4 = str(o, "idLast4");
    card.subjectSerialNumber = str(o, "subjectSerialNumber");
    card.organisationName = str(o, "organisationName");
    card.identifier = str(o, "identifier");
    card.identifierType = str(o, "identifierType");
    return card;
}

CertificateRef refFromJson(const JsonObject& o)
{
    CertificateRef ref;
    ref.ca = str(o, "ca");
    ref.issuer = str(o, "issuer");
    ref.issuerKeyId = str(o, "issuerKeyId");
    ref.serial = str(o, "serial");
    ref.subject = str(o, "subject");
    ref.notBefore = num(o, "notBefore");
    ref.notAfter = num(o, "notAfter");
    ref.derBase64 = str(o, "der");
    return ref;
}

bool sameCertificate(const CertificateRef& a, const std::string& issuer, const std::string& serial)
{
    return a.issuer == issuer && a.serial == serial;
}

std::string trimmed(const std::string& text)
{
    auto begin = text.find_first_not_of(" \t\r\n");
    if (begin == std::string::npos)
        return {};
    auto end = text.find_last_not_of(" \t\r\n");
    return text.substr(begin, end - begin + 1);
}

std::string upper(std::string text)
{
    std::transform(text.begin(), text.end(), text.begin(),
        [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return text;
}

/// Required free text: trimmed, non-empty, bounded, without control characters.
std::string requireText(const std::string& value, const std::string& field, std::size_t maxLength)
{
    auto text = trimmed(value);
    if (text.empty())
        throw Error(ErrorCode::InvalidInput, field + " is required", field);
    if (text.size() > maxLength * 3) // UTF-8: up to three bytes a CJK character
        throw Error(ErrorCode::InvalidInput, field + " is too long", field);
    for (char c : text)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F)
            throw Error(ErrorCode::InvalidInput, field + " has control characters", field);
    return text;
}

void requirePattern(const std::string& value, const std::regex& pattern, const std::string& field)
{
    if (!std::regex_match(value, pattern))
        throw Error(ErrorCode::InvalidInput, field + " is malformed", field);
}

const std::regex kEmail(R"(^[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}$)");
const std::regex kPhone(R"(^[0-9()+\- ]{6,20}$)");
const std::regex kExtension(R"(^[0-9]{0,8}$)");

std::string normaliseRegion(std::string region)
{
    // 台 and 臺 are both in everyday use for the same place names.
    const std::string tai = "台";
    const std::string formal = "臺";
    for (auto pos = region.find(tai); pos != std::string::npos;
         pos = region.find(tai, pos + formal.size()))
        region.replace(pos, tai.size(), formal);
    return region;
}

std::string receiptNumber(const std::string& date, std::int64_t counter)
{
    std::string compact;
    for (char c : date)
        if (c != '-')
            compact.push_back(c);
    auto digits = std::to_string(counter);
    return "R" + compact + std::string(digits.size() < 5 ? 5 - digits.size() : 0, '0') + digits;
}

std::string normaliseSerial(const std::string& serial)
{
    std::string out;
    for (char c : serial) {
        if (c == ' ' || c == ':' || c == '-')
            continue;
        out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
    auto first = out.find_first_not_of('0');
    return first == std::string::npos ? (out.empty() ? out : "0") : out.substr(first);
}

std::string functionsJson(const std::vector<std::string>& functions)
{
    Poco::JSON::Array array;
    for (const auto& f : functions)
        array.add(f);
    std::ostringstream out;
    array.stringify(out);
    return out.str();
}

} // namespace

namespace {

JsonObject receiptToJson(const Receipt& receipt)
{
    JsonObject r = new Poco::JSON::Object;
    r->set("number", receipt.number);
    r->set("kind", toString(receipt.kind));
    r->set("status", toString(receipt.status));
    r->set("receivedAt", receipt.receivedAt);
    return r;
}

/// Where the certificate carries the last four characters of the national ID (SPEC §3.1),
/// the typed ID (checksum already checked) must end with them.
void checkLastFour(
    const std::string& nationalId, const std::string& idLast4, const std::string& whose)
{
    if (!idLast4.empty()
        && (nationalId.size() < 4 || nationalId.substr(nationalId.size() - 4) != idLast4))
        throw Error(ErrorCode::IdMismatch, "last four digits differ from " + whose, "nationalId");
}

} // namespace

Portal::Portal(Storage& storage, const CardVerifier& verifier, const CaRegistry& registry,
    const AuditLog& audit, const PiiProtector& pii, const Clock& clock, PortalSettings settings)
    : storage_(storage)
    , verifier_(verifier)
    , registry_(registry)
    , audit_(audit)
    , pii_(pii)
    , clock_(clock)
    , settings_(std::move(settings))
{
}

SectionContact Portal::sectionFor(const std::string& region) const
{
    auto normalised = normaliseRegion(region);
    for (const auto& section : settings_.sections)
        for (const auto& served : section.regions)
            if (!served.empty() && normalised.find(normaliseRegion(served)) != std::string::npos)
                return section;
    return settings_.fallbackSection;
}

// ---------------------------------------------------------------------------------------------
// Flow records, sessions and CSRF

FlowResult Portal::startFlow(const std::string& type, const std::string& client)
{
    if (!flow::isKnown(type))
        throw Error(ErrorCode::InvalidInput, "unknown flow type", "type");
    auto now = clock_.now();
    Loaded loaded;
    loaded.flow.id = randomId();
    loaded.flow.type = type;
    loaded.flow.step = firstStep(type);
    loaded.flow.createdAt = now;
    loaded.flow.version = 0;
    loaded.state = new Poco::JSON::Object;
    loaded.state->set("client", client.substr(0, 64));
    auto sessionToken = randomToken();
    loaded.flow.sessionHash = sha256Hex(sessionToken);
    loaded.flow.csrfToken = randomToken();
    loaded.flow.expiresAt
        = std::min(now + settings_.flowIdleSeconds, now + settings_.flowMaxSeconds);
    loaded.flow.state = toJson(loaded.state);
    storage_.insertFlow(loaded.flow);
    FlowResult result;
    result.view = render(loaded);
    result.sessionToken = sessionToken;
    result.csrfToken = loaded.flow.csrfToken;
    return result;
}

Portal::Loaded Portal::load(const FlowRequest& request, bool stateChanging)
{
    auto stored = storage_.findFlow(request.flowId);
    if (!stored)
        throw Error(ErrorCode::FlowUnknown, "no such flow");
    // The session id is compared by hash, in constant time; a client-chosen id never matches
    // a flow (no fixation) and an old id stops matching after each card step.
    if (request.sessionToken.empty()
        || !equalConstantTime(sha256Hex(request.sessionToken), stored->sessionHash))
        throw Error(ErrorCode::SessionInvalid, "session does not own this flow");
    if (stored->expiresAt <= clock_.now())
        throw Error(ErrorCode::FlowExpired, "flow expired");
    if (stateChanging && !equalConstantTime(request.csrfToken, stored->csrfToken))
        throw Error(ErrorCode::CsrfInvalid, "missing or wrong CSRF token");
    Loaded loaded { *stored, parseState(stored->state) };
    return loaded;
}

FlowResult Portal::write(Storage& storage, Loaded& loaded, bool rotateSession)
{
    auto now = clock_.now();
    FlowResult result;
    if (rotateSession) {
        result.sessionToken = randomToken();
        loaded.flow.sessionHash = sha256Hex(result.sessionToken);
        loaded.flow.csrfToken = randomToken();
    }
    loaded.flow.state = toJson(loaded.state);
    loaded.flow.expiresAt = std::min(
        now + settings_.flowIdleSeconds, loaded.flow.createdAt + settings_.flowMaxSeconds);
    loaded.flow.version += 1;
    if (!storage.updateFlow(loaded.flow))
        throw Error(ErrorCode::FlowStep, "the flow was changed by another request");
    result.csrfToken = loaded.flow.csrfToken;
    return result;
}

FlowResult Portal::save(Loaded& loaded, bool rotateSession)
{
    auto result = write(storage_, loaded, rotateSession);
    result.view = render(loaded);
    return result;
}

FlowResult Portal::saveAudited(Loaded& loaded, bool rotateSession, const AuditLog::Entry& entry)
{
    FlowResult result;
    storage_.transaction([&](Storage& tx) {
        result = write(tx, loaded, rotateSession);
        audit_.append(tx, entry);
    });
    result.view = render(loaded);
    return result;
}

FlowResult Portal::saveAfterStored(Loaded& loaded)
{
    try {
        return save(loaded, false);
    } catch (const Error& e) {
        if (e.code() != ErrorCode::FlowStep)
            throw;
    }
    // Another request of this flow (another operator change) updated it meanwhile; it moved
    // the expiry on as well. The change of this request is stored: answer with the flow as
    // it is now rather than a refusal.
    auto current = storage_.findFlow(loaded.flow.id);
    if (!current)
        throw Error(ErrorCode::FlowUnknown, "the flow is gone");
    Loaded fresh { *current, parseState(current->state) };
    FlowResult result;
    result.csrfToken = fresh.flow.csrfToken;
    result.view = render(fresh);
    return result;
}

FlowView Portal::view(const FlowRequest& request)
{
    return render(load(request, false));
}

FlowView Portal::render(const Loaded& loaded)
{
    FlowView view;
    const auto& state = loaded.state;
    view.id = loaded.flow.id;
    view.type = loaded.flow.type;
    view.step = loaded.flow.step;
    view.expiresAt = loaded.flow.expiresAt;
    view.termsAccepted = flag(state, "terms");
    view.agencyCode = loaded.flow.agencyCode;
    if (!view.agencyCode.empty()) {
        if (auto agency = storage_.findAgency(view.agencyCode)) {
            view.agencyName = agency->name;
            view.section = sectionFor(agency->region);
        }
    }
    if (state->has("org"))
        view.organisation = cardFromJson(state->getObject("org"));
    else if (state->has("mismatch"))
        view.organisation = cardFromJson(state->getObject("mismatch"));
    if (state->has("manager"))
        view.manager = cardFromJson(state->getObject("manager"));
    if (state->has("citizen"))
        view.citizen = cardFromJson(state->getObject("citizen"));
    if (state->has("receipt")) {
        auto r = state->getObject("receipt");
        view.receipt = ReceiptView { str(r, "number"), str(r, "kind"), str(r, "status"),
            num(r, "receivedAt") };
    }
    if (state->has("grants")) {
        auto grants = state->getArray("grants");
        for (std::size_t i = 0; i < grants->size(); ++i) {
            auto g = grants->getObject(static_cast<unsigned>(i));
            AgencyGrant grant { str(g, "agencyCode"), str(g, "agencyName"), {} };
            auto functions = g->getArray("functions");
            for (std::size_t j = 0; j < functions->size(); ++j)
                grant.functions.push_back(
                    functions->getElement<std::string>(static_cast<unsigned>(j)));
            view.grants.push_back(std::move(grant));
        }
    }
    bool managerKnown
        = loaded.flow.type == flow::Authorisation || loaded.flow.type == flow::ReplaceOrganisation;
    if (!view.agencyCode.empty() && (managerKnown || loaded.flow.step == kOperators)) {
        if (auto registration = storage_.findRegistration(view.agencyCode)) {
            if (auto manager = storage_.findManager(registration->managerId)) {
                view.contact = ContactDetails { manager->name, manager->email, manager->phone,
                    manager->extension };
                view.managerName = manager->name;
            }
        }
    }
    if (loaded.flow.step == kOperators) {
        // The list is the manager's to see only while both cards are still the registered
        // ones: a replaced manager's open flow closes for reading too.
        requireCurrentCards(storage_, loaded, true, true);
        view.operators = operatorViews(view.agencyCode);
    }
    return view;
}

template <typename Work>
auto Portal::audited(const FlowRequest& request, const std::string& action, Work&& work,
    const std::string* agency) -> decltype(work())
{
    try {
        return work();
    } catch (const Error& e) {
        if (isServerFailure(e.code()))
            throw;
        std::string concerned = agency ? *agency : std::string {};
        if (concerned.empty())
            if (auto stored = storage_.findFlow(request.flowId))
                concerned = stored->agencyCode;
        refuse(action, e, concerned);
        throw;
    }
}

void Portal::refuse(const std::string& action, const Error& error, const std::string& agencyCode)
{
    // Every refusal is audited (issue 5 item 6); infrastructure failures are logged by the
    // HTTP layer instead, so a broken database does not loop here.
    if (isServerFailure(error.code()))
        return;
    AuditLog::Entry entry;
    entry.actor = agencyCode.empty() ? "anonymous" : "agency:" + agencyCode;
    entry.action = action;
    entry.outcome = "refused";
    entry.errorCode = std::string(toString(error.code()));
    entry.agencyCode = agencyCode;
    Poco::JSON::Object details;
    if (!error.field().empty())
        details.set("field", error.field());
    std::ostringstream out;
    details.stringify(out);
    entry.details = out.str();
    try {
        audit_.append(entry);
        error.markAudited();
    } catch (...) {
        // The refusal itself is what the user needs to see; a failed audit write of a
        // refusal must not replace it with an internal error.
    }
}

IssuedNonce Portal::challenge(const FlowRequest& request, const std::string& purposeName)
{
    return audited(request, "flow.challenge", [&]() -> IssuedNonce {
        auto loaded = load(request, true);
        if (purposeName != purpose::Organisation && purposeName != purpose::Manager
            && purposeName != purpose::Citizen)
            throw Error(ErrorCode::InvalidInput, "unknown challenge purpose", "purpose");
        auto now = clock_.now();
        Nonce nonce;
        nonce.value = encodeBase64(randomBytes(32));
        nonce.flowId = loaded.flow.id;
        nonce.purpose = purposeName;
        nonce.createdAt = now;
        nonce.expiresAt = now + settings_.nonceLifetimeSeconds;
        storage_.insertNonce(nonce);
        return { nonce.value, settings_.origin, nonce.expiresAt };
    });
}

VerifiedCard Portal::verifyCard(const Flow& flow, const std::string& purposeName,
    const std::string& nonce, const std::string& tokenJson, plugin::CardKind kind)
{
    // SPEC §5 order: token format, then the nonce, then the certificate and signature.
    auto token = parseAuthToken(tokenJson);
    switch (storage_.consumeNonce(nonce, flow.id, purposeName, clock_.now())) {
    case NonceOutcome::Consumed:
        break;
    case NonceOutcome::Unknown:
        throw Error(ErrorCode::NonceUnknown);
    case NonceOutcome::Expired:
        throw Error(ErrorCode::NonceExpired);
    case NonceOutcome::Replayed:
        throw Error(ErrorCode::NonceReplayed);
    }
    return verifier_.verify(token, settings_.origin, nonce, kind);
}

const plugin::CaPlugin& Portal::citizenPlugin() const
{
    for (const auto& loaded : registry_.list()) {
        if (loaded.loaded && loaded.profile && loaded.profile->kind == plugin::CardKind::Citizen)
            if (const auto* p = registry_.find(loaded.id))
                return *p;
    }
    throw Error(ErrorCode::InternalError, "no citizen-card plugin is loaded");
}

void Portal::checkNationalId(const std::string& nationalId) const
{
    if (citizenPlugin().checkFormat(plugin::format::NationalId, nationalId))
        throw Error(ErrorCode::IdMismatch, "national ID fails its checksum", "nationalId");
}

namespace {

CardDetails describe(const VerifiedCard& card, const CaRegistry& registry)
{
    CardDetails details;
    details.ca = card.ca;
    if (const auto* profile = registry.profile(card.ca)) {
        details.caNameZh = profile->displayNameZh;
        details.caNameEn = profile->displayNameEn;
    }
    details.kind = plugin::toString(card.kind);
    details.issuer = card.certificate.issuerString;
    details.subject = card.certificate.subjectString;
    details.serial = card.certificate.serialHex;
    details.notBefore = card.certificate.notBefore;
    details.notAfter = card.certificate.notAfter;
    details.name = card.identity.name;
    details.idLast4 = card.identity.idLast4;
    details.subjectSerialNumber = card.identity.subjectSerialNumber;
    details.organisationName = card.identity.organisationName;
    details.identifier = card.identity.identifier;
    details.identifierType = card.identity.identifierType;
    return details;
}

JsonObject storedCard(const VerifiedCard& card, const CaRegistry& registry)
{
    auto o = cardToJson(describe(card, registry));
    o->set("issuerKeyId", card.certificate.authorityKeyId);
    o->set("der", encodeBase64(card.certificate.der));
    return o;
}

} // namespace

void Portal::requireCurrentCards(
    Storage& storage, const Loaded& loaded, bool organisation, bool manager)
{
    // A flow acts on the cards it checked; another flow may have replaced one of them since
    // (SPEC §3.3): the old manager's open operator list closes, a stale replacement stops.
    auto registration = storage.findRegistration(loaded.flow.agencyCode);
    if (!registration)
        throw Error(ErrorCode::NotRegistered);
    if (organisation) {
        auto checked = loaded.state->getObject("org");
        auto current = storage.findOrgCertificate(registration->orgCertificateId);
        if (!checked || !current
            || !sameCertificate(current->cert, str(checked, "issuer"), str(checked, "serial")))
            throw Error(ErrorCode::NotRegisteredCard,
                "the organisation card this flow checked is no longer the registered one");
    }
    if (manager) {
        auto checked = loaded.state->getObject("manager");
        auto current = storage.findManager(registration->managerId);
        if (!checked || !current
            || !sameCertificate(current->cert, str(checked, "issuer"), str(checked, "serial")))
            throw Error(ErrorCode::NotRegisteredCard,
                "the manager card this flow checked is no longer the registered one");
    }
}

Registration Portal::requireRegistration(const std::string& agencyCode)
{
    auto registration = storage_.findRegistration(agencyCode);
    if (!registration)
        throw Error(ErrorCode::NotRegistered);
    return *registration;
}

void Portal::checkAgencyOpen(const Agency& agency, const std::string& type)
{
    // The manual: "申請資料審核通過前,於憑證註冊步驟皆會出現上圖訊息" — the registration steps
    // (first registration and the replacements). Authorisation of an agency that is already
    // registered keeps working while one of its replacements is under review, so its
    // operators are not locked out; the OID query needs no registration at all.
    if (!isRegistrationChange(type))
        return;
    auto now = clock_.now();
    for (const auto& review : storage_.listAgencyReviews(agency.code)) {
        bool pending = review.status == ReviewStatus::Pending;
        bool notYetEffective = review.status == ReviewStatus::Approved && review.effectiveFrom
            && *review.effectiveFrom > now;
        if (pending || notYetEffective) {
            auto section = sectionFor(agency.region);
            Error error(ErrorCode::ReviewPending, "review " + review.id + " is open");
            error.withFact("sectionZh", section.nameZh).withFact("sectionEn", section.nameEn);
            error.withFact("phone", section.phone).withFact("extension", section.extension);
            if (notYetEffective)
                error.withFact("effectiveFrom", std::to_string(*review.effectiveFrom));
            throw error;
        }
    }
}

bool Portal::identifierMatches(
    const Agency& agency, const VerifiedCard& card, std::string* approvedReviewId)
{
    if (card.ca == agency.expectedCa && card.identity.identifier == agency.expectedIdentifier)
        return true;
    auto now = clock_.now();
    for (const auto& review : storage_.listAgencyReviews(agency.code)) {
        if (review.status == ReviewStatus::Approved && review.effectiveFrom
            && *review.effectiveFrom <= now && review.presentedCa == card.ca
            && review.presentedIdentifier == card.identity.identifier) {
            *approvedReviewId = review.id;
            return true;
        }
    }
    return false;
}

// ---------------------------------------------------------------------------------------------
// Steps

FlowResult Portal::acceptTerms(const FlowRequest& request)
{
    return audited(request, "flow.terms", [&] {
        auto loaded = load(request, true);
        if (loaded.flow.step != kTerms)
            throw Error(ErrorCode::FlowStep, "terms are not the current step");
        loaded.state->set("terms", true);
        loaded.flow.step = kOrganisation;
        return saveAudited(loaded, false,
            { "anonymous", "flow.terms", "ok", "", "", loaded.flow.type,
                R"({"flow":")" + loaded.flow.id + "\"}" });
    });
}

FlowResult Portal::organisationCard(const FlowRequest& request, const std::string& agencyCodeInput,
    const std::string& nonce, const std::string& tokenJson)
{
    // The agency a refusal concerns: known once the typed code names one, before the flow
    // record holds it (a card refused for agency X belongs in X's audit trail).
    std::string agencyTried;
    auto step = [&] {
        auto loaded = load(request, true);
        const auto& type = loaded.flow.type;
        if (loaded.flow.step == kTerms)
            throw Error(ErrorCode::TermsNotAccepted);
        if (loaded.flow.step != kOrganisation)
            throw Error(ErrorCode::FlowStep, "the organisation card is not the current step");
        auto agencyCode = upper(trimmed(agencyCodeInput));
        if (!std::regex_match(agencyCode, std::regex(settings_.agencyCodePattern)))
            throw Error(ErrorCode::AgencyCodeFormat,
                "agency code does not match the configured pattern", "agencyCode");
        auto agency = storage_.findAgency(agencyCode);
        if (!agency)
            throw Error(ErrorCode::AgencyUnknown, "", "agencyCode");
        agencyTried = agencyCode;
        loaded.flow.agencyCode = agencyCode;
        checkAgencyOpen(*agency, type);
        std::optional<Registration> registration = storage_.findRegistration(agencyCode);
        if (type == flow::FirstRegistration && registration)
            throw Error(ErrorCode::AlreadyRegistered);
        if (type != flow::FirstRegistration && type != flow::QueryOid && !registration)
            throw Error(ErrorCode::NotRegistered);

        auto card = verifyCard(
            loaded.flow, purpose::Organisation, nonce, tokenJson, plugin::CardKind::Organisation);

        if (presentsNewOrganisation(type)) {
            std::string approvedReview;
            if (!identifierMatches(*agency, card, &approvedReview)) {
                // 申請資料比對不符: keep the card and ask for the applicant's contact (manual
                // 圖3-6). The flow moves on to the review step, so this is an answer with a new
                // session like any card step, carrying OID_MISMATCH as its notice.
                loaded.state->set("mismatch", storedCard(card, registry_));
                loaded.flow.step = kReview;
                auto result = save(loaded, true);
                auto section = sectionFor(agency->region);
                Error notice(ErrorCode::OidMismatch,
                    "card identifier " + card.identity.identifier + " expected "
                        + agency->expectedIdentifier);
                notice.withFact("sectionZh", section.nameZh).withFact("sectionEn", section.nameEn);
                notice.withFact("phone", section.phone).withFact("extension", section.extension);
                refuse("flow.organisation-card", notice, agencyCode);
                result.notice = notice;
                return result;
            }
            if (!approvedReview.empty())
                loaded.state->set("approvedReview", approvedReview);
        } else if (type != flow::QueryOid) {
            auto current = storage_.findOrgCertificate(registration->orgCertificateId);
            if (!current
                || !sameCertificate(
                    current->cert, card.certificate.issuerString, card.certificate.serialHex))
                throw Error(
                    ErrorCode::NotRegisteredCard, "organisation card is not the registered one");
        }
        loaded.state->set("org", storedCard(card, registry_));
        loaded.state->remove("mismatch");
        loaded.flow.step = type == flow::QueryOid ? kDone : kManager;
        // Who presented which card for which agency, in which function (SPEC §3.6 audit).
        AuditLog::Entry entry { "agency:" + agencyCode,
            type == flow::QueryOid ? "query.organisation-oid" : "flow.organisation-card", "ok", "",
            agencyCode, card.certificate.serialHex, R"({"flow":")" + type + "\"}" };
        return saveAudited(loaded, true, entry);
    };
    return audited(request, "flow.organisation-card", step, &agencyTried);
}

FlowResult Portal::reviewApplication(
    const FlowRequest& request, const std::string& applicantName, const std::string& applicantPhone)
{
    return audited(request, "review.apply", [&] {
        auto loaded = load(request, true);
        if (loaded.flow.step != kReview || !loaded.state->has("mismatch"))
            throw Error(ErrorCode::FlowStep, "no mismatch awaits a review application");
        auto name = requireText(applicantName, "applicantName", kMaxNameLength);
        auto phone = requireText(applicantPhone, "applicantPhone", 20);
        requirePattern(phone, kPhone, "applicantPhone");
        auto agency = storage_.findAgency(loaded.flow.agencyCode);
        if (!agency)
            throw Error(ErrorCode::AgencyUnknown);
        auto presented = loaded.state->getObject("mismatch");
        auto now = clock_.now();
        Receipt receipt;
        Review review;
        FlowResult result;
        storage_.transaction([&](Storage& tx) {
            // As in confirm: claim the flow first, write its end state in the same transaction.
            write(tx, loaded, false);
            receipt.id = randomId();
            receipt.agencyCode = agency->code;
            receipt.kind = ReceiptKind::ReviewApplication;
            receipt.status = ReceiptStatus::UnderReview;
            receipt.receivedAt = now;
            auto date = BusinessCalendar::taipeiDate(now);
            receipt.number = receiptNumber(date, tx.nextCounter("receipt:" + date));
            review.id = randomId();
            review.agencyCode = agency->code;
            review.receiptId = receipt.id;
            review.flowType = loaded.flow.type;
            review.applicantName = name;
            review.applicantPhone = phone;
            review.presentedCa = str(presented, "ca");
            review.presentedIdentifier = str(presented, "identifier");
            review.presentedOrganisationName = str(presented, "organisationName");
            review.expectedIdentifier = agency->expectedIdentifier;
            review.presentedCert = refFromJson(presented);
            review.status = ReviewStatus::Pending;
            review.createdAt = now;
            receipt.reviewId = review.id;
            tx.insertReceipt(receipt);
            tx.insertReview(review);
            audit_.append(tx,
                { "agency:" + agency->code, "review.apply", "ok", "", agency->code, receipt.number,
                    R"({"review":")" + review.id + R"(","presentedIdentifier":")"
                        + review.presentedIdentifier + "\"}" });
            loaded.state->set("receipt", receiptToJson(receipt));
            loaded.flow.step = kReviewSubmitted;
            result = write(tx, loaded, true);
        });
        result.view = render(loaded);
        return result;
    });
}

FlowResult Portal::managerCard(const FlowRequest& request, const std::string& nationalIdInput,
    const std::string& nonce, const std::string& tokenJson)
{
    return audited(request, "flow.manager-card", [&] {
        auto loaded = load(request, true);
        const auto& type = loaded.flow.type;
        if (loaded.flow.step != kManager)
            throw Error(ErrorCode::FlowStep, "the manager card is not the current step");
        auto nationalId = upper(trimmed(nationalIdInput));
        checkNationalId(nationalId);
        auto card = verifyCard(
            loaded.flow, purpose::Manager, nonce, tokenJson, plugin::CardKind::Citizen);
        checkLastFour(nationalId, card.identity.idLast4, "the card");
        auto idHash = pii_.hash(nationalId);
        if (!presentsNewManager(type)) {
            auto registration = requireRegistration(loaded.flow.agencyCode);
            auto manager = storage_.findManager(registration.managerId);
            if (!manager
                || !sameCertificate(
                    manager->cert, card.certificate.issuerString, card.certificate.serialHex))
                throw Error(ErrorCode::NotRegisteredCard, "manager card is not the registered one");
            if (!equalConstantTime(manager->nationalIdHash, idHash))
                throw Error(ErrorCode::IdMismatch,
                    "national ID differs from the registered manager's", "nationalId");
        }
        auto stored = storedCard(card, registry_);
        stored->set("nationalIdEnc", pii_.encrypt(nationalId));
        stored->set("nationalIdHash", idHash);
        loaded.state->set("manager", stored);
        loaded.flow.step = type == flow::Authorisation ? kOperators : kConfirm;
        return saveAudited(loaded, true,
            { "agency:" + loaded.flow.agencyCode, "flow.manager-card", "ok", "",
                loaded.flow.agencyCode, card.certificate.serialHex,
                R"({"flow":")" + type + "\"}" });
    });
}

FlowResult Portal::citizenCard(const FlowRequest& request, const std::string& nationalIdInput,
    const std::string& nonce, const std::string& tokenJson)
{
    return audited(request, "flow.citizen-card", [&] {
        auto loaded = load(request, true);
        const auto& type = loaded.flow.type;
        if (loaded.flow.step != kCitizen)
            throw Error(ErrorCode::FlowStep, "the citizen card is not the current step");
        std::string nationalId;
        if (type == flow::QuerySerial) {
            nationalId = upper(trimmed(nationalIdInput));
            checkNationalId(nationalId);
        }
        auto card = verifyCard(
            loaded.flow, purpose::Citizen, nonce, tokenJson, plugin::CardKind::Citizen);
        if (!nationalId.empty())
            checkLastFour(nationalId, card.identity.idLast4, "the card");
        const auto& issuer = card.certificate.issuerString;
        const auto& serial = card.certificate.serialHex;
        std::string action;
        std::string actor = "citizen:" + serial;
        if (type == flow::OperatorLogin) {
            auto operators = storage_.findOperatorsByCertificate(issuer, serial);
            if (operators.empty())
                throw Error(ErrorCode::NotRegisteredCard, "no agency authorised this certificate")
                    .withFact("operatorLogin", "true");
            Poco::JSON::Array::Ptr grants = new Poco::JSON::Array;
            for (const auto& op : operators) {
                JsonObject g = new Poco::JSON::Object;
                g->set("agencyCode", op.agencyCode);
                auto agency = storage_.findAgency(op.agencyCode);
                g->set("agencyName", agency ? agency->name : std::string {});
                Poco::JSON::Array::Ptr functions = new Poco::JSON::Array;
                for (const auto& f : op.functions)
                    functions->add(f);
                g->set("functions", functions);
                grants->add(g);
            }
            loaded.state->set("grants", grants);
            action = "operator.login";
        } else if (type == flow::StaffLogin) {
            auto staff = storage_.findStaffByCertificate(issuer, serial);
            if (!staff || staff->disabledAt)
                throw Error(ErrorCode::StaffNotAllowed);
            loaded.state->set("staffId", staff->id);
            actor = "staff:" + staff->id;
            action = "staff.login";
        } else {
            action = "query.citizen-serial";
        }
        loaded.state->set("citizen", cardToJson(describe(card, registry_)));
        loaded.flow.step = kDone;
        return saveAudited(loaded, true, { actor, action, "ok", "", "", serial, "{}" });
    });
}

FlowResult Portal::confirm(const FlowRequest& request, const ContactDetails& input)
{
    return audited(request, "registration.confirm", [&] {
        auto loaded = load(request, true);
        const auto& type = loaded.flow.type;
        if (loaded.flow.step != kConfirm || !isRegistrationChange(type))
            throw Error(ErrorCode::FlowStep, "nothing to confirm");
        ContactDetails contact;
        contact.name = requireText(input.name, "name", kMaxNameLength);
        contact.email = requireText(input.email, "email", kMaxEmailLength);
        requirePattern(contact.email, kEmail, "email");
        contact.phone = requireText(input.phone, "phone", 20);
        requirePattern(contact.phone, kPhone, "phone");
        contact.extension = trimmed(input.extension);
        requirePattern(contact.extension, kExtension, "extension");

        auto org = loaded.state->getObject("org");
        auto mgr = loaded.state->getObject("manager");
        const auto& agencyCode = loaded.flow.agencyCode;
        auto now = clock_.now();
        Receipt receipt;
        FlowResult result;
        storage_.transaction([&](Storage& tx) {
            // The flow first: a second confirm of it (a double click, another instance) waits
            // here until this transaction ends, then finds the flow moved on and writes
            // nothing. Its end state is written below, in this same transaction.
            write(tx, loaded, false);
            // Then the agency: two flows of one agency (two people, two instances) change its
            // registration one after the other, each seeing what the other wrote.
            tx.lockAgency(agencyCode);
            auto registration = tx.findRegistration(agencyCode);
            if (type == flow::FirstRegistration && registration)
                throw Error(ErrorCode::AlreadyRegistered);
            if (type != flow::FirstRegistration && !registration)
                throw Error(ErrorCode::NotRegistered);
            if (registration)
                requireCurrentCards(
                    tx, loaded, !presentsNewOrganisation(type), !presentsNewManager(type));
            Registration next
                = registration.value_or(Registration { agencyCode, "", "", now, now });
            next.updatedAt = now;

            if (presentsNewOrganisation(type)) {
                OrganisationCertificate certificate;
                certificate.id = randomId();
                certificate.agencyCode = agencyCode;
                certificate.cert = refFromJson(org);
                certificate.identifier = str(org, "identifier");
                certificate.identifierType = str(org, "identifierType");
                certificate.organisationName = str(org, "organisationName");
                certificate.registeredAt = now;
                if (registration)
                    tx.markOrgCertificateReplaced(registration->orgCertificateId, now);
                tx.insertOrgCertificate(certificate);
                next.orgCertificateId = certificate.id;
                if (loaded.state->has("approvedReview")) {
                    // An approved review makes the presented identifier the agency's master data.
                    auto agency = tx.findAgency(agencyCode);
                    if (agency) {
                        auto previous = agency->expectedIdentifier;
                        agency->expectedCa = certificate.cert.ca;
                        agency->expectedIdentifier = certificate.identifier;
                        agency->updatedAt = now;
                        tx.upsertAgency(*agency);
                        audit_.append(tx,
                            { "agency:" + agencyCode, "agency.identifier-updated", "ok", "",
                                agencyCode, str(loaded.state, "approvedReview"),
                                R"({"from":")" + previous + R"(","to":")" + certificate.identifier
                                    + "\"}" });
                    }
                }
            }
            if (presentsNewManager(type)) {
                Manager manager;
                manager.id = randomId();
                manager.agencyCode = agencyCode;
                manager.name = contact.name;
                manager.email = contact.email;
                manager.phone = contact.phone;
                manager.extension = contact.extension;
                manager.nationalIdEnc = str(mgr, "nationalIdEnc");
                manager.nationalIdHash = str(mgr, "nationalIdHash");
                manager.cert = refFromJson(mgr);
                manager.registeredAt = now;
                if (registration)
                    tx.markManagerReplaced(registration->managerId, now);
                tx.insertManager(manager);
                next.managerId = manager.id;
            } else {
                auto manager = tx.findManager(next.managerId);
                if (!manager)
                    throw Error(ErrorCode::InternalError, "registered manager record missing");
                manager->name = contact.name;
                manager->email = contact.email;
                manager->phone = contact.phone;
                manager->extension = contact.extension;
                tx.updateManagerContact(*manager);
            }
            if (registration)
                tx.updateRegistration(next);
            else
                tx.insertRegistration(next);
            if (settings_.testPauseInsideConfirmMs > 0) {
                // TESTING ONLY: hold the transaction open with half the rows written, so a
                // crash test can kill the server here (issue 5 item 8).
                Poco::Logger::get("certgate.core")
                    .warning(
                        "TESTING ONLY: confirm of %s paused inside its transaction", agencyCode);
                std::this_thread::sleep_for(
                    std::chrono::milliseconds(settings_.testPauseInsideConfirmMs));
            }

            receipt.id = randomId();
            receipt.agencyCode = agencyCode;
            receipt.kind = receiptKindFor(type);
            receipt.status = ReceiptStatus::Done;
            receipt.receivedAt = now;
            auto date = BusinessCalendar::taipeiDate(now);
            receipt.number = receiptNumber(date, tx.nextCounter("receipt:" + date));
            tx.insertReceipt(receipt);
            audit_.append(tx,
                { "agency:" + agencyCode, std::string("registration.") + type, "ok", "", agencyCode,
                    receipt.number,
                    R"({"organisationSerial":")" + str(org, "serial") + R"(","managerSerial":")"
                        + str(mgr, "serial") + "\"}" });
            loaded.state->set("receipt", receiptToJson(receipt));
            loaded.flow.step = kDone;
            result = write(tx, loaded, false);
        });
        result.view = render(loaded);
        return result;
    });
}

// ---------------------------------------------------------------------------------------------
// Operators (授權指派)

std::vector<OperatorView> Portal::operatorViews(const std::string& agencyCode)
{
    std::vector<OperatorView> views;
    for (const auto& op : storage_.listOperators(agencyCode)) {
        OperatorView view;
        view.id = op.id;
        view.serial = op.certSerial;
        view.issuer = op.certIssuer;
        view.name = op.name;
        std::string nationalId;
        try {
            nationalId = pii_.decrypt(op.nationalIdEnc);
            view.nationalIdMasked = PiiProtector::mask(nationalId);
        } catch (const Error&) {
            view.nationalIdMasked = "**********";
        }
        wipe(nationalId);
        view.functions = op.functions;
        view.createdAt = op.createdAt;
        view.updatedAt = op.updatedAt;
        views.push_back(std::move(view));
    }
    return views;
}

void Portal::validateOperator(
    const Loaded& loaded, const OperatorInput& input, const std::string& excludeId, Operator& out)
{
    const auto& citizen = citizenPlugin();
    out.name = requireText(input.name, "name", kMaxNameLength);
    auto nationalId = upper(trimmed(input.nationalId));
    if (citizen.checkFormat(plugin::format::NationalId, nationalId))
        throw Error(ErrorCode::IdMismatch, "national ID fails its checksum", "nationalId");
    if (citizen.checkFormat(plugin::format::CertificateSerial, input.serial))
        throw Error(ErrorCode::SerialFormat, "", "serial");
    out.certSerial = normaliseSerial(input.serial);
    if (input.functions.empty())
        throw Error(ErrorCode::NoFunctions, "", "functions");
    std::set<std::string> known;
    for (const auto& f : settings_.functions)
        known.insert(f.id);
    std::set<std::string> chosen;
    for (const auto& f : input.functions) {
        if (!known.contains(f))
            throw Error(
                ErrorCode::InvalidInput, "unknown function " + f.substr(0, 40), "functions");
        chosen.insert(f);
    }
    out.functions.assign(chosen.begin(), chosen.end());

    // The certificate is bound by issuer + serial. A card read through the agent gives both;
    // a typed serial is taken as issued by the citizen CA that issued the manager's card
    // (all MOICA generations share one issuer name).
    auto mgr = loaded.state->getObject("manager");
    out.certIssuer = str(mgr, "issuer");
    out.certIssuerKeyId.clear();
    if (!input.certificateBase64.empty()) {
        auto der = decodeBase64Strict(input.certificateBase64);
        if (!der)
            throw Error(
                ErrorCode::CertMalformed, "operator certificate is not base64", "certificate");
        ValidationOptions options;
        options.at = clock_.now();
        options.checkRevocation = false;
        auto inspection = verifier_.inspect(*der, options);
        if (!inspection.identity || inspection.identity->kind != plugin::CardKind::Citizen)
            throw Error(ErrorCode::WrongCardKind, "operator certificate is not a citizen card",
                "certificate");
        if (inspection.certificate.serialHex != out.certSerial)
            throw Error(
                ErrorCode::SerialFormat, "serial differs from the certificate read", "serial");
        checkLastFour(nationalId, inspection.identity->idLast4, "the operator's card");
        out.certIssuer = inspection.certificate.issuerString;
        out.certIssuerKeyId = inspection.certificate.authorityKeyId;
    }
    for (const auto& existing : storage_.listOperators(loaded.flow.agencyCode))
        if (existing.id != excludeId && existing.certIssuer == out.certIssuer
            && existing.certSerial == out.certSerial)
            throw Error(ErrorCode::DuplicateOperator, "", "serial");
    out.nationalIdEnc = pii_.encrypt(nationalId);
    out.nationalIdHash = pii_.hash(nationalId);
    wipe(nationalId);
}

FlowResult Portal::addOperator(const FlowRequest& request, const OperatorInput& input)
{
    return audited(request, "operator.add", [&] {
        auto loaded = load(request, true);
        if (loaded.flow.type != flow::Authorisation || loaded.flow.step != kOperators)
            throw Error(
                ErrorCode::FlowStep, "operators need the organisation and manager cards first");
        Operator op;
        validateOperator(loaded, input, "", op);
        op.id = randomId();
        op.agencyCode = loaded.flow.agencyCode;
        op.createdAt = op.updatedAt = clock_.now();
        storage_.transaction([&](Storage& tx) {
            tx.lockAgency(loaded.flow.agencyCode);
            requireCurrentCards(tx, loaded, true, true);
            tx.insertOperator(op);
            audit_.append(tx,
                { "manager:" + str(loaded.state->getObject("manager"), "serial"), "operator.add",
                    "ok", "", op.agencyCode, op.id,
                    R"({"serial":")" + op.certSerial + R"(","functions":)"
                        + functionsJson(op.functions) + "}" });
        });
        return saveAfterStored(loaded);
    });
}

FlowResult Portal::updateOperator(
    const FlowRequest& request, const std::string& operatorId, const OperatorInput& input)
{
    return audited(request, "operator.update", [&] {
        auto loaded = load(request, true);
        if (loaded.flow.type != flow::Authorisation || loaded.flow.step != kOperators)
            throw Error(
                ErrorCode::FlowStep, "operators need the organisation and manager cards first");
        auto existing = storage_.findOperator(operatorId);
        if (!existing || existing->agencyCode != loaded.flow.agencyCode || existing->deletedAt)
            throw Error(ErrorCode::NotFound, "no such operator in this agency");
        Operator op = *existing;
        validateOperator(loaded, input, operatorId, op);
        op.updatedAt = clock_.now();
        storage_.transaction([&](Storage& tx) {
            tx.lockAgency(loaded.flow.agencyCode);
            requireCurrentCards(tx, loaded, true, true);
            tx.updateOperator(op);
            audit_.append(tx,
                { "manager:" + str(loaded.state->getObject("manager"), "serial"), "operator.update",
                    "ok", "", op.agencyCode, op.id,
                    R"({"fromSerial":")" + existing->certSerial + R"(","serial":")" + op.certSerial
                        + R"(","functions":)" + functionsJson(op.functions) + "}" });
        });
        return saveAfterStored(loaded);
    });
}

FlowResult Portal::deleteOperator(const FlowRequest& request, const std::string& operatorId)
{
    return audited(request, "operator.delete", [&] {
        auto loaded = load(request, true);
        if (loaded.flow.type != flow::Authorisation || loaded.flow.step != kOperators)
            throw Error(
                ErrorCode::FlowStep, "operators need the organisation and manager cards first");
        auto existing = storage_.findOperator(operatorId);
        if (!existing || existing->agencyCode != loaded.flow.agencyCode || existing->deletedAt)
            throw Error(ErrorCode::NotFound, "no such operator in this agency");
        storage_.transaction([&](Storage& tx) {
            tx.lockAgency(loaded.flow.agencyCode);
            requireCurrentCards(tx, loaded, true, true);
            tx.markOperatorDeleted(operatorId, clock_.now());
            audit_.append(tx,
                { "manager:" + str(loaded.state->getObject("manager"), "serial"), "operator.delete",
                    "ok", "", existing->agencyCode, operatorId,
                    R"({"serial":")" + existing->certSerial + "\"}" });
        });
        return saveAfterStored(loaded);
    });
}

// ---------------------------------------------------------------------------------------------
// Queries and staff login

ReceiptsAnswer Portal::receipts(const std::string& agencyCodeInput, const std::string& client)
{
    auto now = clock_.now();
    auto window = now - now % 60;
    if (storage_.hitRateLimit("receipts:" + client, window) > settings_.receiptQueriesPerMinute)
        throw Error(ErrorCode::RateLimited);
    auto agencyCode = upper(trimmed(agencyCodeInput));
    if (!std::regex_match(agencyCode, std::regex(settings_.agencyCodePattern)))
        throw Error(ErrorCode::AgencyCodeFormat, "", "agencyCode");
    auto agency = storage_.findAgency(agencyCode);
    if (!agency)
        throw Error(ErrorCode::AgencyUnknown, "", "agencyCode");
    ReceiptsAnswer answer { agency->code, agency->name, {} };
    for (const auto& receipt : storage_.listReceipts(agencyCode))
        answer.receipts.push_back({ receipt.number, toString(receipt.kind),
            toString(receipt.status), receipt.receivedAt });
    return answer;
}

std::optional<Staff> Portal::takeStaffLogin(const FlowRequest& request)
{
    return audited(request, "staff.session", [&]() -> std::optional<Staff> {
        auto loaded = load(request, true);
        if (loaded.flow.type != flow::StaffLogin || loaded.flow.step != kDone
            || !loaded.state->has("staffId") || flag(loaded.state, "taken"))
            throw Error(ErrorCode::StaffNotAllowed, "no completed staff login in this flow");
        loaded.state->set("taken", true);
        save(loaded, true);
        return storage_.findStaff(str(loaded.state, "staffId"));
    });
}

} // namespace certgate::core
