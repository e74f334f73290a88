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
    loaded.flow.state.of<StaffLoginState>().staffId = staff->id;
    return acceptCitizen(loaded, card, "staff:" + staff->id, "staff.login");
}

std::optional<Staff> StaffLogin::take(Loaded& loaded)
{
    auto* own = loaded.flow.state.find<StaffLoginState>();
    if (loaded.flow.step != step::Done || !own || own->staffId.empty() || own->taken)
        throw Error(ErrorCode::StaffNotAllowed, "no completed staff login in this flow");
    own->taken = true;
    const auto staffId = own->staffId;
    engine_.save(loaded, true);
    return engine_.storage().findStaff(staffId);
}

} // namespace certgate::core
