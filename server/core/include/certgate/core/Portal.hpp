#pragma once

#include <certgate/core/AuditLog.hpp>
#include <certgate/core/BusinessCalendar.hpp>
#include <certgate/core/CardVerifier.hpp>
#include <certgate/core/Error.hpp>
#include <certgate/core/FlowTypes.hpp>
#include <certgate/core/PiiProtector.hpp>
#include <certgate/core/Settings.hpp>
#include <certgate/core/Storage.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace certgate::core {

/// Everything the portal does: the routes' entry, handing each request to the function of the
/// manual its flow runs (FirstRegistration.cpp, Authorisation.cpp, Replacements.cpp,
/// CardQueries.cpp, ReceiptQuery.cpp, OperatorLogin.cpp, StaffLogin.cpp) on the shared
/// FlowEngine. Thread-safe; stateless apart from the Storage.
class Portal {
public:
    Portal(Storage& storage, const CardVerifier& verifier, const CaRegistry& registry,
        const AuditLog& audit, const PiiProtector& pii, const Clock& clock,
        PortalSettings settings);

    FlowResult startFlow(const std::string& type, const std::string& client);
    FlowView view(const FlowRequest& request);
    FlowResult acceptTerms(const FlowRequest& request);
    IssuedNonce challenge(const FlowRequest& request, const std::string& purpose);
    FlowResult organisationCard(const FlowRequest& request, const std::string& agencyCode,
        const std::string& nonce, const std::string& tokenJson);
    FlowResult reviewApplication(const FlowRequest& request, const std::string& applicantName,
        const std::string& applicantPhone);
    FlowResult managerCard(const FlowRequest& request, const std::string& nationalId,
        const std::string& nonce, const std::string& tokenJson);
    FlowResult citizenCard(const FlowRequest& request, const std::string& nationalId,
        const std::string& nonce, const std::string& tokenJson);
    FlowResult confirm(const FlowRequest& request, const ContactDetails& contact);

    FlowResult addOperator(const FlowRequest& request, const OperatorInput& input);
    FlowResult updateOperator(
        const FlowRequest& request, const std::string& operatorId, const OperatorInput& input);
    FlowResult deleteOperator(const FlowRequest& request, const std::string& operatorId);

    ReceiptsAnswer receipts(const std::string& agencyCode, const std::string& client);

    /// For a completed staff-login flow: the staff member it authenticated, once (the flow is
    /// closed so it cannot be redeemed twice); STAFF_NOT_ALLOWED for any other flow.
    std::optional<Staff> takeStaffLogin(const FlowRequest& request);

    SectionContact sectionFor(const std::string& region) const;
    const PortalSettings& settings() const { return settings_; }

    ~Portal();
    Portal(const Portal&) = delete;
    Portal& operator=(const Portal&) = delete;

private:
    PortalSettings settings_; ///< before functions_: the engine holds a reference to it
    struct Functions;
    std::unique_ptr<Functions> functions_;
};

} // namespace certgate::core
