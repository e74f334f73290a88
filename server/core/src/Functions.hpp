#pragma once

#include "FlowFunction.hpp"

#include <certgate/core/Records.hpp>

#include <optional>
#include <string>
#include <vector>

/// The functions of the manual, one class each (their files carry their names).
namespace certgate::core {

/// What first registration (§四) and the three replacements (§六) share: terms, the
/// organisation card checked against master data (a mismatch goes to a review application),
/// the manager card, and the confirmation that writes the registration and its receipt.
class RegistrationChange : public FlowFunction {
public:
    const char* firstStep() const override { return step::Terms; }
    FlowResult acceptTerms(Loaded& loaded) override;
    FlowResult organisationCard(
        Loaded& loaded, const CardInput& input, std::string& agencyTried) override;
    FlowResult reviewApplication(Loaded& loaded, const std::string& applicantName,
        const std::string& applicantPhone) override;
    FlowResult managerCard(Loaded& loaded, const CardInput& input) override;
    FlowResult confirm(Loaded& loaded, const ContactDetails& contact) override;

protected:
    RegistrationChange(FlowEngine& engine, ReceiptKind kind, bool newOrganisation, bool newManager)
        : FlowFunction(engine)
        , kind_(kind)
        , newOrganisation_(newOrganisation)
        , newManager_(newManager)
    {
    }
    /// ALREADY_REGISTERED / NOT_REGISTERED unless the agency can take this function.
    virtual void checkRegistration(const std::optional<Registration>& registration) const = 0;
    ReceiptKind kind() const { return kind_; }

private:
    /// REVIEW_PENDING while a review of the agency is open or approved but not yet effective.
    void checkAgencyOpen(const Agency& agency);
    bool identifierMatches(
        const Agency& agency, const VerifiedCard& card, std::string* approvedReviewId);
    FlowResult holdForReview(Loaded& loaded, const Agency& agency, const VerifiedCard& card);
    void writeOrganisation(Storage& tx, const Loaded& loaded,
        const std::optional<Registration>& registration, Registration& next, std::int64_t now);
    void writeManager(Storage& tx, const Loaded& loaded, const ContactDetails& contact,
        const std::optional<Registration>& registration, Registration& next, std::int64_t now);

    ReceiptKind kind_;
    bool newOrganisation_;
    bool newManager_;
};

/// §四 首次註冊: an agency not yet registered registers its organisation and manager cards.
class FirstRegistration final : public RegistrationChange {
public:
    explicit FirstRegistration(FlowEngine& engine);

protected:
    void checkRegistration(const std::optional<Registration>& registration) const override;
};

/// §六 憑證更換: a registered agency replaces its organisation card, its manager card, or both.
class Replacement final : public RegistrationChange {
public:
    Replacement(FlowEngine& engine, ReceiptKind kind);
    void describe(const Loaded& loaded, FlowView& view) override;

protected:
    void checkRegistration(const std::optional<Registration>& registration) const override;
};

/// §五 授權指派: the registered cards of an agency open its operators list, where the manager
/// adds, changes and deletes operators by citizen-card serial and grants them functions.
class Authorisation final : public FlowFunction {
public:
    using FlowFunction::FlowFunction;
    const char* firstStep() const override { return step::Organisation; }
    void describe(const Loaded& loaded, FlowView& view) override;
    FlowResult organisationCard(
        Loaded& loaded, const CardInput& input, std::string& agencyTried) override;
    FlowResult managerCard(Loaded& loaded, const CardInput& input) override;

    FlowResult addOperator(Loaded& loaded, const OperatorInput& input);
    FlowResult updateOperator(
        Loaded& loaded, const std::string& operatorId, const OperatorInput& input);
    FlowResult deleteOperator(Loaded& loaded, const std::string& operatorId);

private:
    void requireOperatorsStep(const Loaded& loaded) const;
    Operator existingOperator(const Loaded& loaded, const std::string& operatorId);
    void validateOperator(const Loaded& loaded, const OperatorInput& input,
        const std::string& excludeId, Operator& out);
    /// Stores an operator change with its audit event, while both cards are still registered.
    FlowResult storeChange(
        Loaded& loaded, const std::function<void(Storage&)>& change, const AuditLog::Entry& entry);
    std::vector<OperatorView> operatorViews(const std::string& agencyCode);
};

/// §七 查詢機關憑證 OID: any organisation card of a known agency shows its identifier.
class OrganisationOidQuery final : public FlowFunction {
public:
    using FlowFunction::FlowFunction;
    const char* firstStep() const override { return step::Organisation; }
    FlowResult organisationCard(
        Loaded& loaded, const CardInput& input, std::string& agencyTried) override;
};

/// §七 查詢自然人憑證序號: a citizen card with its holder's national ID shows its serial.
class CitizenSerialQuery final : public FlowFunction {
public:
    using FlowFunction::FlowFunction;
    const char* firstStep() const override { return step::Citizen; }
    FlowResult citizenCard(Loaded& loaded, const CardInput& input) override;
};

/// §七 查詢申請案件: an agency's receipts by its code, rate-limited per client address.
class ReceiptQuery {
public:
    explicit ReceiptQuery(FlowEngine& engine)
        : engine_(engine)
    {
    }
    ReceiptsAnswer receipts(const std::string& agencyCode, const std::string& client);

private:
    FlowEngine& engine_;
};

/// 經辦人登入: an operator's citizen card finds the agencies that authorised it and what
/// functions each granted.
class OperatorLogin final : public FlowFunction {
public:
    using FlowFunction::FlowFunction;
    const char* firstStep() const override { return step::Citizen; }
    FlowResult citizenCard(Loaded& loaded, const CardInput& input) override;
};

/// The bureau's staff log in to the admin pages with their citizen card; the completed flow
/// is redeemed once for a staff session.
class StaffLogin final : public FlowFunction {
public:
    using FlowFunction::FlowFunction;
    const char* firstStep() const override { return step::Citizen; }
    FlowResult citizenCard(Loaded& loaded, const CardInput& input) override;
    std::optional<Staff> take(Loaded& loaded);
};

} // namespace certgate::core
