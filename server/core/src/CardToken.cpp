#include "TokenJson.hpp"

#include <certgate/core/CardToken.hpp>

namespace certgate::core {

const char* toString(Signer signer)
{
    return signer == Signer::Hipki ? "hipki" : "certgate-agent";
}

CardToken parseCardToken(std::string_view json)
{
    auto object = tokenjson::parseObject(json);
    CardToken token;
    if (object->has("format") && object->get("format").isString()
        && object->getValue<std::string>("format").starts_with("hipki-")) {
        token.signer = Signer::Hipki;
        token.hipki = tokenjson::hipkiTokenFrom(*object);
    } else {
        token.agent = tokenjson::authTokenFrom(*object);
    }
    return token;
}

} // namespace certgate::core
