#pragma once

#include "FlowEngine.hpp"

#include <optional>
#include <string>

namespace certgate::core {

/// What a card step request carries (the fields a step does not use are empty).
struct CardInput {
    std::string agencyCode;
    std::string nationalId;
    std::string nonce;
    std::string token;
};

/// One function of the manual as a flow: its first step, what its view adds, and how each
/// step request acts on it. A step the function does not have is refused with FLOW_STEP.
/// The card steps several functions share are here too, for them to build on.
class FlowFunction {
public:
    using Loaded = FlowEngine::Loaded;

    explicit FlowFunction(FlowEngine& engine)
        : engine_(engine)
    {
    }
    virtual ~FlowFunction() = default;
    FlowFunction(const FlowFunction&) = delete;
    FlowFunction& operator=(const FlowFunction&) = delete;

    virtual const char* firstStep() const = 0;
    /// Adds the function's own parts to the view of a flow (engine render hook).
    virtual void describe(const Loaded& loaded, FlowView& view);

    virtual FlowResult acceptTerms(Loaded& loaded);
    /// `agencyTried` is set as soon as the typed code names an agency, for the refusal's audit.
    virtual FlowResult organisationCard(
        Loaded& loaded, const CardInput& input, std::string& agencyTried);
    virtual FlowResult reviewApplication(
        Loaded& loaded, const std::string& applicantName, const std::string& applicantPhone);
    virtual FlowResult managerCard(Loaded& loaded, const CardInput& input);
    virtual FlowResult citizenCard(Loaded& loaded, const CardInput& input);
    virtual FlowResult confirm(Loaded& loaded, const ContactDetails& contact);

protected:
    struct PresentedOrganisation {
        Agency agency;
        std::optional<Registration> registration;
        VerifiedCard card;
    };
    /// The organisation card step up to the verified card: the step, the typed agency code,
    /// the agency, `checkAgency` (before the nonce is spent: an agency that cannot take this
    /// function keeps its nonce), then token, nonce, chain and signature.
    template <typename CheckAgency>
    PresentedOrganisation presentOrganisation(
        Loaded& loaded, const CardInput& input, std::string& agencyTried, CheckAgency&& checkAgency)
    {
        auto agency = findAgencyForCard(loaded, input, agencyTried);
        auto registration = engine_.storage().findRegistration(agency.code);
        checkAgency(agency, registration);
        auto card = engine_.verifyCard(loaded.flow, purpose::Organisation, input.nonce, input.token,
            plugin::CardKind::Organisation);
        return { std::move(agency), std::move(registration), std::move(card) };
    }
    /// NOT_REGISTERED_CARD unless `card` is the agency's registered organisation card.
    void requireRegisteredOrganisation(const Registration& registration, const VerifiedCard& card);
    /// Keeps the organisation card, moves to `nextStep`, audits `action`; a new session.
    FlowResult acceptOrganisation(
        Loaded& loaded, const VerifiedCard& card, const char* nextStep, const char* action);

    /// The manager card step: national ID checksum, the card, its last four digits; unless
    /// the function presents a new manager, it must be the registered manager's card and ID.
    FlowResult presentManager(
        Loaded& loaded, const CardInput& input, bool newManager, const char* nextStep);

    /// The citizen card step up to the verified card (`asksNationalId`: the typed ID is checked
    /// against the card's last four digits).
    VerifiedCard presentCitizen(Loaded& loaded, const CardInput& input, bool asksNationalId);
    /// Keeps the citizen card, ends the flow, audits `action` by `actor`; a new session.
    FlowResult acceptCitizen(Loaded& loaded, const VerifiedCard& card, const std::string& actor,
        const std::string& action);

    FlowEngine& engine_;

private:
    Agency findAgencyForCard(Loaded& loaded, const CardInput& input, std::string& agencyTried);
};

} // namespace certgate::core
