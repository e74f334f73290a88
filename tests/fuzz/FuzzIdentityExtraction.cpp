// Random certificates (as the x509 adapter would describe them) through every CA plugin's
// extractIdentity and checkFormat, with the production profiles' identity rules. A plugin
// may only answer with an identity or a PluginError; an identity must satisfy the plugin's
// own format rules.
#include <certgate/ca/gca/GcaPlugin.hpp>
#include <certgate/ca/hca/HcaPlugin.hpp>
#include <certgate/ca/moeaca/MoeacaPlugin.hpp>
#include <certgate/ca/moica/MoicaPlugin.hpp>
#include <certgate/ca/xca/XcaPlugin.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <fuzzer/FuzzedDataProvider.h>
#include <iterator>
#include <memory>
#include <vector>

using namespace certgate;

namespace {

std::vector<std::unique_ptr<plugin::CaPlugin>>& plugins()
{
    static std::vector<std::unique_ptr<plugin::CaPlugin>> instances;
    return instances;
}

void check(bool condition, const char* what)
{
    if (!condition) {
        std::fprintf(stderr, "invariant violated: %s\n", what);
        std::abort();
    }
}

constexpr std::array kAttributeOids { "2.16.886.1.100.2.1", "2.16.886.1.100.2.2",
    "2.16.886.1.100.2.51", "2.16.886.1.100.2.101", "2.16.886.1.100.2.102", "2.16.886.1.100.2.103",
    "2.16.886.1.100.2.200", "2.5.4.3" };

constexpr std::array kInterestingValues { "2.16.886.1.100.3.1.1", "2.16.886.1.100.3.1.9",
    "2.16.886.1.100.3.1.7", "2.16.886.1.100.3.2.1.1", "2.16.886.1.100.3.2.1.2",
    "2.16.886.1.100.3.2.2.1.1", "2.16.886.1.100.3.2.11", "2.16.886.1.100.3.2.21",
    "2.16.886.1.100.3.3.1", "2.16.886.101.20003.20001", "2.16.886.111.90005.90003.100004",
    "2.16.886.101", "22099131", "04595252", "12345675", "1137010024", "6789", "0000000012345678",
    "primary", "secondary", "mobile", "" };

constexpr std::array kRdnNames { "C", "O", "OU", "CN", "serialNumber", "L" };
constexpr std::array kRdnOids { "2.5.4.6", "2.5.4.10", "2.5.4.11", "2.5.4.3", "2.5.4.5",
    "2.5.4.7" };

constexpr std::array kFormatKinds { plugin::format::NationalId, plugin::format::CertificateSerial,
    plugin::format::CardNumber, plugin::format::Identifier, "unknown" };

std::string value(FuzzedDataProvider& data)
{
    if (data.ConsumeBool())
        return data.PickValueInArray(kInterestingValues);
    return data.ConsumeRandomLengthString(80);
}

plugin::CertificateView certificate(FuzzedDataProvider& data)
{
    plugin::CertificateView view;
    view.serialHex = data.ConsumeBool() ? "28785E821EA0940F5A3D9A2E462DB6D7"
                                        : data.ConsumeRandomLengthString(48);
    auto rdns = data.ConsumeIntegralInRange<int>(0, 8);
    for (int i = 0; i < rdns; ++i) {
        auto index = data.ConsumeIntegralInRange<std::size_t>(0, kRdnNames.size() - 1);
        plugin::Rdn rdn { kRdnOids[index], kRdnNames[index], value(data) };
        if (data.ConsumeIntegralInRange(0, 9) == 0)
            rdn.shortName = data.ConsumeRandomLengthString(8);
        view.subject.push_back(std::move(rdn));
    }
    auto attributes = data.ConsumeIntegralInRange<int>(0, 8);
    for (int i = 0; i < attributes; ++i) {
        plugin::Attribute attribute;
        attribute.oid = data.ConsumeIntegralInRange(0, 7) == 0
            ? data.ConsumeRandomLengthString(24)
            : data.PickValueInArray(kAttributeOids);
        auto values = data.ConsumeIntegralInRange<int>(0, 3);
        for (int v = 0; v < values; ++v)
            attribute.values.push_back(value(data));
        view.subjectDirectoryAttributes.push_back(std::move(attribute));
    }
    view.issuerString = data.ConsumeRandomLengthString(64);
    view.subjectString = data.ConsumeRandomLengthString(64);
    view.hasKeyUsage = data.ConsumeBool();
    view.keyUsage = data.ConsumeIntegral<unsigned char>();
    if (data.ConsumeBool())
        view.policies.push_back(data.ConsumeBool() ? "2.16.886.101.0.3.3" : value(data));
    view.publicKeyBits = data.ConsumeIntegralInRange(0, 8192);
    view.isCa = data.ConsumeBool();
    return view;
}

// The identity rules of ca-profiles/<id>.json, flattened as the host flattens them. Read here
// with POCO rather than through the plugin host so the fuzzer depends on plugin code only.
plugin::ProfileView productionProfile(const std::string& id)
{
    const auto path = std::filesystem::path(CERTGATE_FUZZ_CA_PROFILES_DIR) / (id + ".json");
    std::ifstream in(path);
    std::string json { std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>() };
    auto root = Poco::JSON::Parser().parse(json).extract<Poco::JSON::Object::Ptr>();
    plugin::ProfileView view;
    view.id = root->getValue<std::string>("id");
    view.kind = root->getValue<std::string>("kind") == "citizen" ? plugin::CardKind::Citizen
                                                                 : plugin::CardKind::Organisation;
    auto identity = root->getObject("identity");
    check(!identity.isNull(), "profile has identity rules");
    for (const auto& [key, value] : *identity) {
        if (value.isString()) {
            view.rules[key] = { value.extract<std::string>() };
            continue;
        }
        auto array = identity->getArray(key);
        check(!array.isNull(), "identity rule is a string or an array");
        auto& list = view.rules[key];
        for (unsigned i = 0; i < array->size(); ++i)
            list.push_back(array->getElement<std::string>(i));
    }
    return view;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    plugins().push_back(std::make_unique<ca::gca::GcaPlugin>());
    plugins().push_back(std::make_unique<ca::xca::XcaPlugin>());
    plugins().push_back(std::make_unique<ca::moeaca::MoeacaPlugin>());
    plugins().push_back(std::make_unique<ca::hca::HcaPlugin>());
    plugins().push_back(std::make_unique<ca::moica::MoicaPlugin>());
    for (auto& instance : plugins())
        instance->configure(productionProfile(instance->id()));
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size)
{
    FuzzedDataProvider data(bytes, size);
    const auto view = certificate(data);
    for (const auto& instance : plugins()) {
        try {
            auto identity = instance->extractIdentity(view);
            check(identity.kind == instance->kind(), "identity kind is the plugin's kind");
            check(!identity.certificateSerial.empty(), "identity has a serial");
            check(identity.extra.count("subjectType") == 1, "identity names its subjectType");
            if (instance->kind() == plugin::CardKind::Organisation) {
                check(!identity.organisationName.empty(), "organisation has a name");
                check(instance->checkFormat(plugin::format::Identifier, identity.identifier)
                        == std::nullopt,
                    "extracted identifier passes the plugin's own format check");
            } else {
                check(!identity.name.empty(), "citizen has a name");
            }
        } catch (const plugin::PluginError& e) {
            const std::string code = e.code();
            check(code == "WRONG_CARD_KIND" || code == "CERT_MALFORMED", "only refusal codes");
        }
        auto kind = data.PickValueInArray(kFormatKinds);
        auto text = data.ConsumeRandomLengthString(64);
        (void)instance->checkFormat(kind, text);
    }
    return 0;
}
