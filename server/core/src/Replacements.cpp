#include "Functions.hpp"

namespace certgate::core {

// §六 憑證更換: the card that stays must be the registered one (and for the manager card, with
// the registered manager's national ID); the new card is checked as at first registration.
// 機關憑證更換 replaces the organisation card, 管理者憑證更換 the manager card, 兩者皆更換 both.

namespace {
bool replacesOrganisation(ReceiptKind kind)
{
    return kind == ReceiptKind::ReplaceOrganisation || kind == ReceiptKind::ReplaceBoth;
}
bool replacesManager(ReceiptKind kind)
{
    return kind == ReceiptKind::ReplaceManager || kind == ReceiptKind::ReplaceBoth;
}
} // namespace

Replacement::Replacement(FlowEngine& engine, ReceiptKind kind)
    : RegistrationChange(engine, kind, replacesOrganisation(kind), replacesManager(kind))
{
}

void Replacement::checkRegistration(const std::optional<Registration>& registration) const
{
    if (!registration)
        throw Error(ErrorCode::NotRegistered);
}

void Replacement::describe(const Loaded&, FlowView& view)
{
    // The manager stays when only the organisation card is replaced: their contact pre-fills
    // the confirmation.
    if (kind() == ReceiptKind::ReplaceOrganisation)
        engine_.addRegisteredContact(view);
}

} // namespace certgate::core
