#include "FlowFunction.hpp"

#include <certgate/core/Crypto.hpp>
#include <certgate/core/TextRules.hpp>

namespace certgate::core {

namespace {

/// A card step's audit details: the function and which program signed (docs/token-hipki.md).
std::string cardStepDetails(const VerifiedCard& card, const std::string& flowType = {})
{
    std::string details = "{";
    if (!flowType.empty())
        details += R"("flow":")" + flowType + "\",";
    return details + R"("signer":")" + toString(card.signer) + "\"}";
}

} // namespace

void FlowFunction::describe(const Loaded&, FlowView&)
{
}

FlowResult FlowFunction::acceptTerms(Loaded&)
{
    throw Error(ErrorCode::FlowStep, "terms are not the current step");
}

FlowResult FlowFunction::organisationCard(Loaded&, const CardInput&, std::string&)
{
    throw Error(ErrorCode::FlowStep, "the organisation card is not the current step");
}

FlowResult FlowFunction::reviewApplication(Loaded&, const std::string&, const std::string&)
{
    throw Error(ErrorCode::FlowStep, "no mismatch awaits a review application");
}

FlowResult FlowFunction::managerCard(Loaded&, const CardInput&)
{
    throw Error(ErrorCode::FlowStep, "the manager card is not the current step");
}

FlowResult FlowFunction::citizenCard(Loaded&, const CardInput&)
{
    throw Error(ErrorCode::FlowStep, "the citizen card is not the current step");
}

FlowResult FlowFunction::confirm(Loaded&, const ContactDetails&)
{
    throw Error(ErrorCode::FlowStep, "nothing to confirm");
}

// ---------------------------------------------------------------------------------------------
// The organisation card

Agency FlowFunction::findAgencyForCard(
    Loaded& loaded, const CardInput& input, std::string& agencyTried)
{
    if (loaded.flow.step == step::Terms)
        throw Error(ErrorCode::TermsNotAccepted);
    if (loaded.flow.step != step::Organisation)
        throw Error(ErrorCode::FlowStep, "the organisation card is not the current step");
    auto code
        = engine_.agencyCode(input.agencyCode, "agency code does not match the configured pattern");
    auto agency = engine_.storage().findAgency(code);
    if (!agency)
        throw Error(ErrorCode::AgencyUnknown, "", "agencyCode");
    // The agency a refusal concerns: known once the typed code names one, before the flow
    // record holds it (a card refused for agency X belongs in X's audit trail).
    agencyTried = code;
    loaded.flow.agencyCode = code;
    return *agency;
}

void FlowFunction::requireRegisteredOrganisation(
    const Registration& registration, const VerifiedCard& card)
{
    auto current = engine_.storage().findOrgCertificate(registration.orgCertificateId);
    if (!current
        || !sameCertificate(
            current->cert, card.certificate.issuerString, card.certificate.serialHex))
        throw Error(ErrorCode::NotRegisteredCard, "organisation card is not the registered one");
}

FlowResult FlowFunction::acceptOrganisation(
    Loaded& loaded, const VerifiedCard& card, const char* nextStep, const char* action)
{
    loaded.flow.state.cards.organisation = engine_.checked(card);
    if (auto* change = loaded.flow.state.find<RegistrationChangeState>())
        change->mismatch.reset();
    loaded.flow.step = nextStep;
    // Who presented which card for which agency, in which function (SPEC §3.6 audit).
    const auto& agencyCode = loaded.flow.agencyCode;
    return engine_.saveAudited(loaded, true,
        { "agency:" + agencyCode, action, "ok", "", agencyCode, card.certificate.serialHex,
            cardStepDetails(card, loaded.flow.type) });
}

// ---------------------------------------------------------------------------------------------
// The manager card

FlowResult FlowFunction::presentManager(
    Loaded& loaded, const CardInput& input, bool newManager, const char* nextStep)
{
    if (loaded.flow.step != step::Manager)
        throw Error(ErrorCode::FlowStep, "the manager card is not the current step");
    auto nationalId = text::upper(text::trimmed(input.nationalId));
    engine_.checkNationalId(nationalId);
    auto card = engine_.verifyCard(
        loaded.flow, purpose::Manager, input.nonce, input.token, plugin::CardKind::Citizen);
    text::checkLastFour(nationalId, card.identity.idLast4, "the card");
    const auto& pii = engine_.pii();
    auto idHash = pii.hash(nationalId);
    if (!newManager) {
        auto& storage = engine_.storage();
        auto registration = storage.findRegistration(loaded.flow.agencyCode);
        if (!registration)
            throw Error(ErrorCode::NotRegistered);
        auto manager = storage.findManager(registration->managerId);
        if (!manager
            || !sameCertificate(
                manager->cert, card.certificate.issuerString, card.certificate.serialHex))
            throw Error(ErrorCode::NotRegisteredCard, "manager card is not the registered one");
        if (!pii.matches(manager->nationalIdHash, nationalId))
            throw Error(ErrorCode::IdMismatch, "national ID differs from the registered manager's",
                "nationalId");
    }
    auto checked = engine_.checked(card);
    checked.nationalIdEnc = pii.encrypt(nationalId);
    checked.nationalIdHash = idHash;
    wipe(nationalId);
    loaded.flow.state.cards.manager = std::move(checked);
    loaded.flow.step = nextStep;
    return engine_.saveAudited(loaded, true,
        { "agency:" + loaded.flow.agencyCode, "flow.manager-card", "ok", "", loaded.flow.agencyCode,
            card.certificate.serialHex, cardStepDetails(card, loaded.flow.type) });
}

// ---------------------------------------------------------------------------------------------
// The citizen card

VerifiedCard FlowFunction::presentCitizen(
    Loaded& loaded, const CardInput& input, bool asksNationalId)
{
    if (loaded.flow.step != step::Citizen)
        throw Error(ErrorCode::FlowStep, "the citizen card is not the current step");
    std::string nationalId;
    if (asksNationalId) {
        nationalId = text::upper(text::trimmed(input.nationalId));
        engine_.checkNationalId(nationalId);
    }
    auto card = engine_.verifyCard(
        loaded.flow, purpose::Citizen, input.nonce, input.token, plugin::CardKind::Citizen);
    if (asksNationalId)
        text::checkLastFour(nationalId, card.identity.idLast4, "the card");
    wipe(nationalId);
    return card;
}

FlowResult FlowFunction::acceptCitizen(
    Loaded& loaded, const VerifiedCard& card, const std::string& actor, const std::string& action)
{
    loaded.flow.state.cards.citizen = engine_.describe(card);
    loaded.flow.step = step::Done;
    return engine_.saveAudited(loaded, true,
        { actor, action, "ok", "", "", card.certificate.serialHex, cardStepDetails(card) });
}

} // namespace certgate::core
