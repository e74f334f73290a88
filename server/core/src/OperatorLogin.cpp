#include "Functions.hpp"

namespace certgate::core {

// 經辦人登入: the operator's citizen card (by issuer and serial) finds every agency whose manager
// authorised it, with the functions each granted; a card no agency authorised is refused.

FlowResult OperatorLogin::citizenCard(Loaded& loaded, const CardInput& input)
{
    auto card = presentCitizen(loaded, input, false);
    auto& storage = engine_.storage();
    auto operators = storage.findOperatorsByCertificate(
        card.certificate.issuerString, card.certificate.serialHex);
    if (operators.empty())
        throw Error(ErrorCode::NotRegisteredCard, "no agency authorised this certificate")
            .withFact("operatorLogin", "true");
    auto& grants = loaded.flow.state.of<OperatorLoginState>().grants;
    grants.clear();
    for (const auto& op : operators) {
        auto agency = storage.findAgency(op.agencyCode);
        grants.push_back({ op.agencyCode, agency ? agency->name : std::string {}, op.functions });
    }
    return acceptCitizen(loaded, card, "citizen:" + card.certificate.serialHex, "operator.login");
}

} // namespace certgate::core
