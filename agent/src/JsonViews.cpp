#include <certgate/agent/Config.hpp>
#include <certgate/agent/JsonViews.hpp>

#include <Poco/JSON/Array.h>

#include <sstream>

namespace certgate::agent {

Poco::JSON::Object slotJson(const SlotStatus& slot)
{
    auto o = Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    o.set("slotId", static_cast<Poco::UInt64>(slot.slotId));
    o.set("slotDescription", slot.slotDescription);
    o.set("reader", slot.reader);
    o.set("present", slot.present);
    o.set("label", slot.label);
    o.set("serialNumber", slot.serialNumber);
    o.set("manufacturer", slot.manufacturer);
    o.set("model", slot.model);
    Poco::JSON::Object::Ptr flags = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    flags->set("pinInitialized", slot.flags.pinInitialized);
    flags->set("pinCountLow", slot.flags.pinCountLow);
    flags->set("pinFinalTry", slot.flags.pinFinalTry);
    flags->set("pinLocked", slot.flags.pinLocked);
    flags->set("loginRequired", slot.flags.loginRequired);
    o.set("flags", flags);
    return o;
}

Poco::JSON::Object certificateJson(const CertificateInfo& c)
{
    auto o = Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    o.set("id", c.id);
    o.set("label", c.label);
    o.set("der", base64Encode(c.der));
    o.set("serialNumber", c.serialNumber);
    o.set("subject", c.subject);
    o.set("issuer", c.issuer);
    o.set("notBefore", c.notBefore);
    o.set("notAfter", c.notAfter);
    Poco::JSON::Array::Ptr usage = new Poco::JSON::Array;
    for (const auto& u : c.keyUsage)
        usage->add(u);
    o.set("keyUsage", usage);
    o.set("signing", c.signing);
    return o;
}

Poco::JSON::Object tokensJson(const std::vector<SlotStatus>& slots)
{
    auto body = Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
    for (const auto& slot : slots)
        list->add(Poco::JSON::Object::Ptr(new Poco::JSON::Object(slotJson(slot))));
    body.set("tokens", list);
    if (slots.empty()) {
        // No slot at all is a state the page shows, not a failed request: 200 with the reason.
        auto notice = errorJson(ErrorCode::NoReader);
        for (const auto& key : { "error", "message", "messageEn" })
            body.set(key, notice.get(key));
    }
    return body;
}

Poco::JSON::Object certificatesJson(
    const std::string& token, const std::vector<CertificateInfo>& certificates)
{
    auto body = Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    body.set("token", token);
    Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
    for (const auto& c : certificates)
        list->add(Poco::JSON::Object::Ptr(new Poco::JSON::Object(certificateJson(c))));
    body.set("certificates", list);
    return body;
}

Poco::JSON::Object authTokenJson(const SignResult& result)
{
    auto body = Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    body.set("format", "certgate-auth:1");
    body.set("certificate", base64Encode(result.certificateDer));
    body.set("algorithm", result.algorithm);
    body.set("signature", base64Encode(result.signature));
    body.set("agentVersion", agentVersion);
    return body;
}

std::string toJsonText(const Poco::JSON::Object& object)
{
    std::ostringstream out;
    object.stringify(out);
    return out.str();
}

} // namespace certgate::agent
