// libFuzzer: the agent token as it arrives from the network (SPEC §5), through the strict
// parser and, when it parses, its certificate through the OpenSSL view builder.
#include <certgate/core/AuthToken.hpp>
#include <certgate/core/Error.hpp>
#include <certgate/x509/OpenSslCertificateValidator.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {
const certgate::x509::OpenSslCertificateValidator& validator()
{
    static certgate::core::ManualClock clock(1795741200);
    static certgate::x509::OpenSslCertificateValidator instance({}, clock);
    return instance;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        auto token = certgate::core::parseAuthToken(text);
        try {
            auto view = validator().parse(token.certificate);
            (void)view;
        } catch (const certgate::core::Error&) {
        }
    } catch (const certgate::core::Error&) {
    }
    return 0;
}
