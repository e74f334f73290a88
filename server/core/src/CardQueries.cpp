#include "Functions.hpp"

namespace certgate::core {

// §七 查詢: what a card says about itself — an organisation card's identifier (OID / UBN) for a
// known agency, registered or not, and a citizen card's serial for its holder, who types the
// national ID the card's last four digits are checked against.

FlowResult OrganisationOidQuery::organisationCard(
    Loaded& loaded, const CardInput& input, std::string& agencyTried)
{
    auto presented = presentOrganisation(
        loaded, input, agencyTried, [](const Agency&, const std::optional<Registration>&) {});
    return acceptOrganisation(loaded, presented.card, step::Done, "query.organisation-oid");
}

FlowResult CitizenSerialQuery::citizenCard(Loaded& loaded, const CardInput& input)
{
    auto card = presentCitizen(loaded, input, true);
    return acceptCitizen(
        loaded, card, "citizen:" + card.certificate.serialHex, "query.citizen-serial");
}

} // namespace certgate::core
