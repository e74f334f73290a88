#include "Functions.hpp"

namespace certgate::core {

// §四 首次註冊: terms, the organisation card (its identifier must be the agency's master data, or a
// review application follows), the manager card with the manager's national ID, and the
// manager's contact at confirmation; the registration and its receipt are written at once.

FirstRegistration::FirstRegistration(FlowEngine& engine)
    : RegistrationChange(engine, ReceiptKind::FirstRegistration, true, true)
{
}

void FirstRegistration::checkRegistration(const std::optional<Registration>& registration) const
{
    if (registration)
        throw Error(ErrorCode::AlreadyRegistered);
}

} // namespace certgate::core
