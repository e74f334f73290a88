#include "Functions.hpp"

namespace certgate::core {

// The bureau's ops staff log in to the admin pages with their citizen card; an enabled staff
// record bound to the card (issuer and serial) is required. The completed flow is redeemed for a
// staff session once.

FlowResult StaffLogin::citizenCard(Loaded& loaded, const CardInput& input)
{
    auto card = presentCitizen(loaded, input, false);
    auto staff = engine_.storage().findStaffByCertificate(
        card.certificate.issuerString, card.certificate.serialHex);
    if (!staff || staff->disabledAt)
        throw Error(ErrorCode::StaffNotAllowed);
    loaded.state.staffId = staff->id;
    return acceptCitizen(loaded, card, "staff:" + staff->id, "staff.login");
}

std::optional<Staff> StaffLogin::take(Loaded& loaded)
{
    if (loaded.flow.step != step::Done || loaded.state.staffId.empty()
        || loaded.state.staffLoginTaken)
        throw Error(ErrorCode::StaffNotAllowed, "no completed staff login in this flow");
    loaded.state.staffLoginTaken = true;
    engine_.save(loaded, true);
    return engine_.storage().findStaff(loaded.state.staffId);
}

} // namespace certgate::core
