#include "Functions.hpp"

#include <certgate/core/Portal.hpp>

#include <array>
#include <string_view>
#include <utility>

namespace certgate::core {

struct Portal::Functions {
    Functions(Storage& storage, const CardVerifier& verifier, const CaRegistry& registry,
        const AuditLog& audit, const PiiProtector& pii, const Clock& clock,
        const PortalSettings& settings)
        : engine(storage, verifier, registry, audit, pii, clock, settings)
    {
        engine.setDescriber([this](const FlowEngine::Loaded& loaded, FlowView& view) {
            if (auto* function = find(loaded.flow.type))
                function->describe(loaded, view);
        });
    }

    FlowFunction* find(const std::string& type)
    {
        for (const auto& [name, function] : byType)
            if (type == name)
                return function;
        return nullptr;
    }
    FlowFunction& of(const FlowEngine::Loaded& loaded)
    {
        auto* function = find(loaded.flow.type);
        if (!function)
            throw Error(ErrorCode::InternalError, "stored flow has an unknown type");
        return *function;
    }

    /// A state-changing step of the flow `request` names, by the function it runs, audited as
    /// `action`.
    template <typename Step>
    FlowResult step(const FlowRequest& request, const std::string& action, Step&& run)
    {
        return engine.audited(request, action, [&] {
            auto loaded = engine.load(request, true);
            return run(of(loaded), loaded);
        });
    }

    /// A card step: limited per client, per flow and (in verifyCard) per certificate, so a
    /// flood of refused cards or garbage tokens stops at 429 before it costs more.
    template <typename Step>
    FlowResult cardStep(const FlowRequest& request, const std::string& action, Step&& run,
        const std::string* agencyTried = nullptr)
    {
        const auto& limits = engine.settings().rateLimits;
        return engine.audited(
            request, action,
            [&] {
                engine.limit("cards:" + request.client, limits.cardStepsPerClient);
                auto loaded = engine.load(request, true);
                engine.limit("cards-flow:" + loaded.flow.id, limits.cardStepsPerFlow);
                if (loaded.flow.type == flow::StaffLogin)
                    engine.limit("staff-logins:" + request.client, limits.staffLoginsPerClient);
                return run(of(loaded), loaded);
            },
            agencyTried);
    }

    /// A change of the operators list, which only the authorisation function has.
    template <typename Change>
    FlowResult operators(const FlowRequest& request, const std::string& action, Change&& change)
    {
        return engine.audited(request, action, [&] {
            auto loaded = engine.load(request, true);
            if (loaded.flow.type != flow::Authorisation)
                throw Error(
                    ErrorCode::FlowStep, "operators need the organisation and manager cards first");
            return change(authorisation, loaded);
        });
    }

    FlowEngine engine;
    FirstRegistration firstRegistration { engine };
    Replacement replaceOrganisation { engine, ReceiptKind::ReplaceOrganisation };
    Replacement replaceManager { engine, ReceiptKind::ReplaceManager };
    Replacement replaceBoth { engine, ReceiptKind::ReplaceBoth };
    Authorisation authorisation { engine };
    OrganisationOidQuery oidQuery { engine };
    CitizenSerialQuery serialQuery { engine };
    ReceiptQuery receiptQuery { engine };
    OperatorLogin operatorLogin { engine };
    StaffLogin staffLogin { engine };
    const std::array<std::pair<std::string_view, FlowFunction*>, 9> byType { {
        { flow::FirstRegistration, &firstRegistration },
        { flow::Authorisation, &authorisation },
        { flow::ReplaceOrganisation, &replaceOrganisation },
        { flow::ReplaceManager, &replaceManager },
        { flow::ReplaceBoth, &replaceBoth },
        { flow::QueryOid, &oidQuery },
        { flow::QuerySerial, &serialQuery },
        { flow::OperatorLogin, &operatorLogin },
        { flow::StaffLogin, &staffLogin },
    } };
};

Portal::Portal(Storage& storage, const CardVerifier& verifier, const CaRegistry& registry,
    const AuditLog& audit, const PiiProtector& pii, const Clock& clock, PortalSettings settings)
    : settings_(std::move(settings))
    , functions_(
          std::make_unique<Functions>(storage, verifier, registry, audit, pii, clock, settings_))
{
}

Portal::~Portal() = default;

SectionContact Portal::sectionFor(const std::string& region) const
{
    return functions_->engine.sectionFor(region);
}

FlowResult Portal::startFlow(const std::string& type, const std::string& client)
{
    auto* function = functions_->find(type);
    if (!function)
        throw Error(ErrorCode::InvalidInput, "unknown flow type", "type");
    auto& engine = functions_->engine;
    // Anonymous flow creation is what a flood of POSTs would grow the flows table with.
    engine.limit("flows:" + client, settings_.rateLimits.flowsPerClient);
    return engine.start(type, function->firstStep(), client);
}

FlowView Portal::view(const FlowRequest& request)
{
    auto& engine = functions_->engine;
    return engine.render(engine.load(request, false));
}

IssuedNonce Portal::challenge(const FlowRequest& request, const std::string& purposeName)
{
    return functions_->engine.challenge(request, purposeName);
}

FlowResult Portal::acceptTerms(const FlowRequest& request)
{
    return functions_->step(
        request, "flow.terms", [&](FlowFunction& function, FlowEngine::Loaded& loaded) {
            return function.acceptTerms(loaded);
        });
}

FlowResult Portal::organisationCard(const FlowRequest& request, const std::string& agencyCode,
    const std::string& nonce, const std::string& tokenJson)
{
    std::string agencyTried;
    return functions_->cardStep(
        request, "flow.organisation-card",
        [&](FlowFunction& function, FlowEngine::Loaded& loaded) {
            return function.organisationCard(
                loaded, { agencyCode, "", nonce, tokenJson }, agencyTried);
        },
        &agencyTried);
}

FlowResult Portal::reviewApplication(
    const FlowRequest& request, const std::string& applicantName, const std::string& applicantPhone)
{
    return functions_->step(
        request, "review.apply", [&](FlowFunction& function, FlowEngine::Loaded& loaded) {
            return function.reviewApplication(loaded, applicantName, applicantPhone);
        });
}

FlowResult Portal::managerCard(const FlowRequest& request, const std::string& nationalId,
    const std::string& nonce, const std::string& tokenJson)
{
    return functions_->cardStep(
        request, "flow.manager-card", [&](FlowFunction& function, FlowEngine::Loaded& loaded) {
            return function.managerCard(loaded, { "", nationalId, nonce, tokenJson });
        });
}

FlowResult Portal::citizenCard(const FlowRequest& request, const std::string& nationalId,
    const std::string& nonce, const std::string& tokenJson)
{
    return functions_->cardStep(
        request, "flow.citizen-card", [&](FlowFunction& function, FlowEngine::Loaded& loaded) {
            return function.citizenCard(loaded, { "", nationalId, nonce, tokenJson });
        });
}

FlowResult Portal::confirm(const FlowRequest& request, const ContactDetails& contact)
{
    return functions_->step(
        request, "registration.confirm", [&](FlowFunction& function, FlowEngine::Loaded& loaded) {
            return function.confirm(loaded, contact);
        });
}

FlowResult Portal::addOperator(const FlowRequest& request, const OperatorInput& input)
{
    return functions_->operators(
        request, "operator.add", [&](Authorisation& authorisation, FlowEngine::Loaded& loaded) {
            return authorisation.addOperator(loaded, input);
        });
}

FlowResult Portal::updateOperator(
    const FlowRequest& request, const std::string& operatorId, const OperatorInput& input)
{
    return functions_->operators(
        request, "operator.update", [&](Authorisation& authorisation, FlowEngine::Loaded& loaded) {
            return authorisation.updateOperator(loaded, operatorId, input);
        });
}

FlowResult Portal::deleteOperator(const FlowRequest& request, const std::string& operatorId)
{
    return functions_->operators(
        request, "operator.delete", [&](Authorisation& authorisation, FlowEngine::Loaded& loaded) {
            return authorisation.deleteOperator(loaded, operatorId);
        });
}

ReceiptsAnswer Portal::receipts(const std::string& agencyCode, const std::string& client)
{
    return functions_->receiptQuery.receipts(agencyCode, client);
}

std::optional<Staff> Portal::takeStaffLogin(const FlowRequest& request)
{
    auto& f = *functions_;
    return f.engine.audited(request, "staff.session", [&]() -> std::optional<Staff> {
        auto loaded = f.engine.load(request, true);
        if (loaded.flow.type != flow::StaffLogin)
            throw Error(ErrorCode::StaffNotAllowed, "no completed staff login in this flow");
        return f.staffLogin.take(loaded);
    });
}

} // namespace certgate::core
