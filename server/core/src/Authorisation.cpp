#include "Functions.hpp"

#include <certgate/core/Crypto.hpp>
#include <certgate/core/TextRules.hpp>

#include <set>

namespace certgate::core {

// §五 授權指派: the agency's registered organisation card, then the registered manager's card and
// national ID, open the operators list; each change to it is stored with its audit event while
// both cards are still the registered ones.

namespace {

constexpr std::size_t kMaxNameLength = 60;

std::string functionsJson(const std::vector<std::string>& functions)
{
    std::string out = "[";
    for (const auto& f : functions)
        out += (out.size() > 1 ? ",\"" : "\"") + f + "\"";
    return out + "]";
}

} // namespace

void Authorisation::describe(const Loaded& loaded, FlowView& view)
{
    engine_.addRegisteredContact(view);
    if (loaded.flow.step != step::Operators)
        return;
    // The list is the manager's to see only while both cards are still the registered ones:
    // a replaced manager's open flow closes for reading too.
    engine_.requireCurrentCards(engine_.storage(), loaded, true, true);
    view.operators = operatorViews(view.agencyCode);
}

FlowResult Authorisation::organisationCard(
    Loaded& loaded, const CardInput& input, std::string& agencyTried)
{
    auto presented = presentOrganisation(loaded, input, agencyTried,
        [](const Agency&, const std::optional<Registration>& registration) {
            if (!registration)
                throw Error(ErrorCode::NotRegistered);
        });
    requireRegisteredOrganisation(*presented.registration, presented.card);
    return acceptOrganisation(loaded, presented.card, step::Manager, "flow.organisation-card");
}

FlowResult Authorisation::managerCard(Loaded& loaded, const CardInput& input)
{
    return presentManager(loaded, input, false, step::Operators);
}

std::vector<OperatorView> Authorisation::operatorViews(const std::string& agencyCode)
{
    std::vector<OperatorView> views;
    for (const auto& op : engine_.storage().listOperators(agencyCode)) {
        OperatorView view;
        view.id = op.id;
        view.serial = op.certSerial;
        view.issuer = op.certIssuer;
        view.name = op.name;
        std::string nationalId;
        try {
            nationalId = engine_.pii().decrypt(op.nationalIdEnc);
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

void Authorisation::requireOperatorsStep(const Loaded& loaded) const
{
    if (loaded.flow.step != step::Operators)
        throw Error(ErrorCode::FlowStep, "operators need the organisation and manager cards first");
}

Operator Authorisation::existingOperator(const Loaded& loaded, const std::string& operatorId)
{
    auto existing = engine_.storage().findOperator(operatorId);
    if (!existing || existing->agencyCode != loaded.flow.agencyCode || existing->deletedAt)
        throw Error(ErrorCode::NotFound, "no such operator in this agency");
    return *existing;
}

void Authorisation::validateOperator(
    const Loaded& loaded, const OperatorInput& input, const std::string& excludeId, Operator& out)
{
    const auto& citizen = engine_.citizenPlugin();
    out.name = text::requireText(input.name, "name", kMaxNameLength);
    auto nationalId = text::upper(text::trimmed(input.nationalId));
    if (citizen.checkFormat(plugin::format::NationalId, nationalId))
        throw Error(ErrorCode::IdMismatch, "national ID fails its checksum", "nationalId");
    if (citizen.checkFormat(plugin::format::CertificateSerial, input.serial))
        throw Error(ErrorCode::SerialFormat, "", "serial");
    out.certSerial = text::normaliseSerial(input.serial);
    if (input.functions.empty())
        throw Error(ErrorCode::NoFunctions, "", "functions");
    std::set<std::string> known;
    for (const auto& f : engine_.settings().functions)
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
    out.certIssuer = loaded.flow.state.cards.manager
        ? loaded.flow.state.cards.manager->details.issuer
        : std::string {};
    out.certIssuerKeyId.clear();
    if (!input.certificateBase64.empty()) {
        auto der = decodeBase64Strict(input.certificateBase64);
        if (!der)
            throw Error(
                ErrorCode::CertMalformed, "operator certificate is not base64", "certificate");
        ValidationOptions options;
        options.at = engine_.clock().now();
        options.checkRevocation = false;
        auto inspection = engine_.verifier().inspect(*der, options);
        if (!inspection.identity || inspection.identity->kind != plugin::CardKind::Citizen)
            throw Error(ErrorCode::WrongCardKind, "operator certificate is not a citizen card",
                "certificate");
        if (inspection.certificate.serialHex != out.certSerial)
            throw Error(
                ErrorCode::SerialFormat, "serial differs from the certificate read", "serial");
        text::checkLastFour(nationalId, inspection.identity->idLast4, "the operator's card");
        out.certIssuer = inspection.certificate.issuerString;
        out.certIssuerKeyId = inspection.certificate.authorityKeyId;
    }
    for (const auto& existing : engine_.storage().listOperators(loaded.flow.agencyCode))
        if (existing.id != excludeId && existing.certIssuer == out.certIssuer
            && existing.certSerial == out.certSerial)
            throw Error(ErrorCode::DuplicateOperator, "", "serial");
    out.nationalIdEnc = engine_.pii().encrypt(nationalId);
    out.nationalIdHash = engine_.pii().hash(nationalId);
    wipe(nationalId);
}

FlowResult Authorisation::storeChange(
    Loaded& loaded, const std::function<void(Storage&)>& change, const AuditLog::Entry& entry)
{
    engine_.storage().transaction([&](Storage& tx) {
        tx.lockAgency(loaded.flow.agencyCode);
        engine_.requireCurrentCards(tx, loaded, true, true);
        change(tx);
        engine_.audit().append(tx, entry);
    });
    return engine_.saveAfterStored(loaded);
}

namespace {
std::string managerActor(const FlowEngine::Loaded& loaded)
{
    return "manager:"
        + (loaded.flow.state.cards.manager ? loaded.flow.state.cards.manager->details.serial
                                           : std::string {});
}
} // namespace

FlowResult Authorisation::addOperator(Loaded& loaded, const OperatorInput& input)
{
    requireOperatorsStep(loaded);
    Operator op;
    validateOperator(loaded, input, "", op);
    op.id = randomId();
    op.agencyCode = loaded.flow.agencyCode;
    op.createdAt = op.updatedAt = engine_.clock().now();
    return storeChange(loaded, [&](Storage& tx) { tx.insertOperator(op); },
        { managerActor(loaded), "operator.add", "ok", "", op.agencyCode, op.id,
            R"({"serial":")" + op.certSerial + R"(","functions":)" + functionsJson(op.functions)
                + "}" });
}

FlowResult Authorisation::updateOperator(
    Loaded& loaded, const std::string& operatorId, const OperatorInput& input)
{
    requireOperatorsStep(loaded);
    auto existing = existingOperator(loaded, operatorId);
    Operator op = existing;
    validateOperator(loaded, input, operatorId, op);
    op.updatedAt = engine_.clock().now();
    return storeChange(loaded, [&](Storage& tx) { tx.updateOperator(op); },
        { managerActor(loaded), "operator.update", "ok", "", op.agencyCode, op.id,
            R"({"fromSerial":")" + existing.certSerial + R"(","serial":")" + op.certSerial
                + R"(","functions":)" + functionsJson(op.functions) + "}" });
}

FlowResult Authorisation::deleteOperator(Loaded& loaded, const std::string& operatorId)
{
    requireOperatorsStep(loaded);
    auto existing = existingOperator(loaded, operatorId);
    return storeChange(loaded,
        [&](Storage& tx) { tx.markOperatorDeleted(operatorId, engine_.clock().now()); },
        { managerActor(loaded), "operator.delete", "ok", "", existing.agencyCode, operatorId,
            R"({"serial":")" + existing.certSerial + "\"}" });
}

} // namespace certgate::core
