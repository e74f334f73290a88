#include "FlowEngine.hpp"

#include <certgate/core/BusinessCalendar.hpp>
#include <certgate/core/Crypto.hpp>
#include <certgate/core/TextRules.hpp>
#include <certgate/metrics/Metrics.hpp>

#include <algorithm>

namespace certgate::core {

namespace {

std::string receiptNumber(const std::string& date, std::int64_t counter)
{
    std::string compact;
    for (char c : date)
        if (c != '-')
            compact.push_back(c);
    auto digits = std::to_string(counter);
    return "R" + compact + std::string(digits.size() < 5 ? 5 - digits.size() : 0, '0') + digits;
}

/// A refusal's details: the field it names and how often it was repeated, as JSON (no
/// personal data).
std::string refusalDetails(const Error& error, std::int64_t repeats)
{
    std::string details;
    if (!error.field().empty()) {
        std::string field;
        for (char c : error.field())
            if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')
                field.push_back(c);
        details = R"("field":")" + field + "\"";
    }
    if (repeats > 1)
        details += (details.empty() ? "" : ",") + std::string(R"("repeatsThisMinute":)")
            + std::to_string(repeats);
    return "{" + details + "}";
}

constexpr std::int64_t kWindowSeconds = 60;

} // namespace

ReceiptView receiptView(const Receipt& receipt)
{
    return { receipt.number, toString(receipt.kind), toString(receipt.status), receipt.receivedAt };
}

bool sameCertificate(const CertificateRef& a, const std::string& issuer, const std::string& serial)
{
    return a.issuer == issuer && a.serial == serial;
}

CertificateRef certificateRef(const CheckedCard& card)
{
    CertificateRef ref;
    ref.ca = card.details.ca;
    ref.issuer = card.details.issuer;
    ref.issuerKeyId = card.issuerKeyId;
    ref.serial = card.details.serial;
    ref.subject = card.details.subject;
    ref.notBefore = card.details.notBefore;
    ref.notAfter = card.details.notAfter;
    ref.derBase64 = card.derBase64;
    return ref;
}

FlowEngine::FlowEngine(Storage& storage, const CardVerifier& verifier, const CaRegistry& registry,
    const AuditLog& audit, const PiiProtector& pii, const Clock& clock,
    const PortalSettings& settings)
    : storage_(storage)
    , verifier_(verifier)
    , registry_(registry)
    , audit_(audit)
    , pii_(pii)
    , clock_(clock)
    , settings_(settings)
    , agencyCodePattern_(settings.agencyCodePattern)
{
}

// ---------------------------------------------------------------------------------------------
// Flow records, sessions and CSRF

FlowResult FlowEngine::start(
    const std::string& type, const std::string& firstStep, const std::string& client)
{
    auto now = clock_.now();
    Loaded loaded;
    loaded.flow.id = randomId();
    loaded.flow.type = type;
    loaded.flow.step = firstStep;
    loaded.flow.createdAt = now;
    loaded.flow.version = 0;
    loaded.flow.state.client = client.substr(0, 64);
    auto sessionToken = randomToken();
    loaded.flow.sessionHash = sha256Hex(sessionToken);
    loaded.flow.csrfToken = randomToken();
    loaded.flow.expiresAt
        = std::min(now + settings_.flowIdleSeconds, now + settings_.flowMaxSeconds);
    storage_.insertFlow(loaded.flow);
    FlowResult result;
    result.view = render(loaded);
    result.sessionToken = sessionToken;
    result.csrfToken = loaded.flow.csrfToken;
    return result;
}

FlowEngine::Loaded FlowEngine::load(const FlowRequest& request, bool stateChanging)
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
    return Loaded { *stored };
}

FlowResult FlowEngine::write(Storage& storage, Loaded& loaded, bool rotateSession)
{
    auto now = clock_.now();
    FlowResult result;
    if (rotateSession) {
        result.sessionToken = randomToken();
        loaded.flow.sessionHash = sha256Hex(result.sessionToken);
        loaded.flow.csrfToken = randomToken();
    }
    loaded.flow.expiresAt = std::min(
        now + settings_.flowIdleSeconds, loaded.flow.createdAt + settings_.flowMaxSeconds);
    loaded.flow.version += 1;
    if (!storage.updateFlow(loaded.flow))
        throw Error(ErrorCode::FlowStep, "the flow was changed by another request");
    result.csrfToken = loaded.flow.csrfToken;
    return result;
}

FlowResult FlowEngine::save(Loaded& loaded, bool rotateSession)
{
    auto result = write(storage_, loaded, rotateSession);
    result.view = render(loaded);
    return result;
}

FlowResult FlowEngine::saveAudited(Loaded& loaded, bool rotateSession, const AuditLog::Entry& entry)
{
    FlowResult result;
    storage_.transaction([&](Storage& tx) {
        result = write(tx, loaded, rotateSession);
        audit_.append(tx, entry);
    });
    result.view = render(loaded);
    return result;
}

FlowResult FlowEngine::saveAfterStored(Loaded& loaded)
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
    Loaded fresh { *current };
    FlowResult result;
    result.csrfToken = fresh.flow.csrfToken;
    result.view = render(fresh);
    return result;
}

FlowView FlowEngine::render(const Loaded& loaded)
{
    FlowView view;
    const auto& state = loaded.flow.state;
    view.id = loaded.flow.id;
    view.type = loaded.flow.type;
    view.step = loaded.flow.step;
    view.expiresAt = loaded.flow.expiresAt;
    const auto* change = state.find<RegistrationChangeState>();
    view.termsAccepted = change && change->termsAccepted;
    view.agencyCode = loaded.flow.agencyCode;
    if (!view.agencyCode.empty()) {
        if (auto agency = storage_.findAgency(view.agencyCode)) {
            view.agencyName = agency->name;
            view.section = sectionFor(agency->region);
        }
    }
    if (state.cards.organisation)
        view.organisation = state.cards.organisation->details;
    else if (change && change->mismatch)
        view.organisation = change->mismatch->details;
    if (state.cards.manager)
        view.manager = state.cards.manager->details;
    view.citizen = state.cards.citizen;
    if (change)
        view.receipt = change->receipt;
    if (const auto* login = state.find<OperatorLoginState>())
        view.grants = login->grants;
    if (describer_)
        describer_(loaded, view);
    return view;
}

void FlowEngine::limit(const std::string& key, int perMinute)
{
    auto now = clock_.now();
    auto window = now - now % kWindowSeconds;
    if (storage_.hitRateLimit(key, window) > perMinute)
        throw Error(ErrorCode::RateLimited, key.substr(0, key.find(':')))
            .withFact("retryAfter", std::to_string(window + kWindowSeconds - now));
}

void FlowEngine::refuse(const std::string& action, const Error& error,
    const std::string& agencyCode, const std::string& client)
{
    // Every refusal is audited (issue 5 item 6); infrastructure failures are logged by the
    // HTTP layer instead, so a broken database does not loop here.
    if (isServerFailure(error.code()))
        return;
    std::int64_t repeats = 1;
    try {
        auto every = settings_.rateLimits.auditRepeatedRefusalEvery;
        if (!client.empty() && every > 1) {
            auto now = clock_.now();
            repeats = storage_.hitRateLimit(
                "refused:" + client + ":" + action + ":" + std::string(toString(error.code())),
                now - now % kWindowSeconds);
            if (repeats > 1 && repeats % every != 0) {
                error.markAudited(); // counted; the next row written carries the count
                return;
            }
        }
    } catch (...) {
        // Counting failed (an outage): audit as usual below, or fail quietly there.
    }
    AuditLog::Entry entry;
    entry.actor = agencyCode.empty() ? "anonymous" : "agency:" + agencyCode;
    entry.action = action;
    entry.outcome = "refused";
    entry.errorCode = std::string(toString(error.code()));
    entry.agencyCode = agencyCode;
    entry.details = refusalDetails(error, repeats);
    try {
        audit_.append(entry);
        error.markAudited();
    } catch (...) {
        // The refusal itself is what the user needs to see; a failed audit write of a
        // refusal must not replace it with an internal error.
    }
}

// ---------------------------------------------------------------------------------------------
// Cards

namespace {

/// certgate_nonces_total: challenges issued, and what became of each one presented.
void countNonce(std::string_view event)
{
    static auto& family = metrics::Registry::global().counter("certgate_nonces_total",
        "Challenge nonces issued, and nonces presented with a card by outcome (consumed, "
        "expired, replayed, unknown).",
        { "event" });
    family.with({ event }).inc();
}

} // namespace

IssuedNonce FlowEngine::challenge(const FlowRequest& request, const std::string& purposeName)
{
    return audited(request, "flow.challenge", [&]() -> IssuedNonce {
        limit("nonces:" + request.client, settings_.rateLimits.noncesPerClient);
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
        countNonce("issued");
        IssuedNonce issued { nonce.value, settings_.origin, nonce.expiresAt, {}, 0 };
        if (settings_.hipki.enabled) {
            issued.hipkiToBeSigned = hipkiToBeSigned(
                settings_.origin, loaded.flow.type, purposeName, nonce.value, nonce.createdAt);
            issued.hipkiExpiresAt
                = std::min(nonce.expiresAt, now + settings_.hipki.maxNonceAgeSeconds);
        }
        return issued;
    });
}

VerifiedCard FlowEngine::verifyCard(const Flow& flow, const std::string& purposeName,
    const std::string& nonce, const std::string& tokenJson, plugin::CardKind kind)
{
    auto token = parseCardToken(tokenJson);
    const bool hipki = token.signer == Signer::Hipki;
    if (hipki) {
        // HiPKI binds no browser origin into its signature (docs/token-hipki.md): opt-in.
        if (!settings_.hipki.enabled)
            throw Error(ErrorCode::SignerNotAllowed, "HiPKI tokens are not enabled");
        verifier_.readSignerCertificate(token.hipki);
    }
    // One card tried over and over (from many addresses) stops here, before its nonce is spent.
    const auto& certificate = hipki ? token.hipki.certificate : token.agent.certificate;
    const std::string_view der(
        reinterpret_cast<const char*>(certificate.data()), certificate.size());
    limit(
        "cards-cert:" + sha256Hex(der).substr(0, 32), settings_.rateLimits.cardStepsPerCertificate);
    const auto now = clock_.now();
    switch (storage_.consumeNonce(nonce, flow.id, purposeName, now)) {
    case NonceOutcome::Consumed:
        countNonce("consumed");
        break;
    case NonceOutcome::Unknown:
        countNonce("unknown");
        throw Error(ErrorCode::NonceUnknown);
    case NonceOutcome::Expired:
        countNonce("expired");
        throw Error(ErrorCode::NonceExpired);
    case NonceOutcome::Replayed:
        countNonce("replayed");
        throw Error(ErrorCode::NonceReplayed);
    }
    if (!hipki)
        return verifier_.verify(token.agent, settings_.origin, nonce, kind);
    auto issued = storage_.findNonce(nonce, flow.id, purposeName);
    if (!issued)
        throw Error(ErrorCode::InternalError, "a consumed nonce is gone");
    // The relay window of a signature that names no browser origin: shorter than the nonce's.
    if (now - issued->createdAt >= settings_.hipki.maxNonceAgeSeconds)
        throw Error(ErrorCode::NonceExpired, "older than portal.hipki.maxNonceAgeSeconds");
    return verifier_.verify(token.hipki,
        hipkiToBeSigned(settings_.origin, flow.type, purposeName, nonce, issued->createdAt), kind);
}

CardDetails FlowEngine::describe(const VerifiedCard& card) const
{
    CardDetails details;
    details.ca = card.ca;
    if (const auto* profile = registry_.profile(card.ca)) {
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

CheckedCard FlowEngine::checked(const VerifiedCard& card) const
{
    return { describe(card), card.certificate.authorityKeyId, encodeBase64(card.certificate.der),
        {}, {} };
}

const plugin::CaPlugin& FlowEngine::citizenPlugin() const
{
    for (const auto& loaded : registry_.list()) {
        if (loaded.loaded && loaded.profile && loaded.profile->kind == plugin::CardKind::Citizen)
            if (const auto* p = registry_.find(loaded.id))
                return *p;
    }
    throw Error(ErrorCode::InternalError, "no citizen-card plugin is loaded");
}

void FlowEngine::checkNationalId(const std::string& nationalId) const
{
    if (citizenPlugin().checkFormat(plugin::format::NationalId, nationalId))
        throw Error(ErrorCode::IdMismatch, "national ID fails its checksum", "nationalId");
}

// ---------------------------------------------------------------------------------------------
// Agencies and their registration

std::string FlowEngine::agencyCode(const std::string& input, const std::string& detail) const
{
    auto code = text::upper(text::trimmed(input));
    if (!std::regex_match(code, agencyCodePattern_))
        throw Error(ErrorCode::AgencyCodeFormat, detail, "agencyCode");
    return code;
}

SectionContact FlowEngine::sectionFor(const std::string& region) const
{
    auto normalised = text::normaliseRegion(region);
    for (const auto& section : settings_.sections)
        for (const auto& served : section.regions)
            if (!served.empty()
                && normalised.find(text::normaliseRegion(served)) != std::string::npos)
                return section;
    return settings_.fallbackSection;
}

Error FlowEngine::withSection(Error error, const Agency& agency) const
{
    auto section = sectionFor(agency.region);
    error.withFact("sectionZh", section.nameZh).withFact("sectionEn", section.nameEn);
    error.withFact("phone", section.phone).withFact("extension", section.extension);
    return error;
}

void FlowEngine::requireCurrentCards(
    Storage& storage, const Loaded& loaded, bool organisation, bool manager)
{
    // A flow acts on the cards it checked; another flow may have replaced one of them since
    // (SPEC §3.3): the old manager's open operator list closes, a stale replacement stops.
    auto registration = storage.findRegistration(loaded.flow.agencyCode);
    if (!registration)
        throw Error(ErrorCode::NotRegistered);
    auto stillRegistered = [](const std::optional<CheckedCard>& checked, const auto& current) {
        return checked && current
            && sameCertificate(current->cert, checked->details.issuer, checked->details.serial);
    };
    if (organisation
        && !stillRegistered(loaded.flow.state.cards.organisation,
            storage.findOrgCertificate(registration->orgCertificateId)))
        throw Error(ErrorCode::NotRegisteredCard,
            "the organisation card this flow checked is no longer the registered one");
    if (manager
        && !stillRegistered(
            loaded.flow.state.cards.manager, storage.findManager(registration->managerId)))
        throw Error(ErrorCode::NotRegisteredCard,
            "the manager card this flow checked is no longer the registered one");
}

void FlowEngine::addRegisteredContact(FlowView& view)
{
    if (view.agencyCode.empty())
        return;
    if (auto registration = storage_.findRegistration(view.agencyCode)) {
        if (auto manager = storage_.findManager(registration->managerId)) {
            view.contact = ContactDetails { manager->name, manager->email, manager->phone,
                manager->extension };
            view.managerName = manager->name;
        }
    }
}

Receipt FlowEngine::newReceipt(Storage& storage, const std::string& agencyCode, ReceiptKind kind,
    ReceiptStatus status, std::int64_t now)
{
    Receipt receipt;
    receipt.id = randomId();
    receipt.agencyCode = agencyCode;
    receipt.kind = kind;
    receipt.status = status;
    receipt.receivedAt = now;
    auto date = BusinessCalendar::taipeiDate(now);
    receipt.number = receiptNumber(date, storage.nextCounter("receipt:" + date));
    return receipt;
}

} // namespace certgate::core
