// libFuzzer: DER certificates into the plain view plugins read (names, key identifiers,
// policies, subjectDirectoryAttributes), the part of the server that reads the most
// attacker-chosen bytes.
#include <certgate/core/Error.hpp>
#include <certgate/x509/OpenSslCertificateValidator.hpp>

#include <cstddef>
#include <cstdint>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static certgate::core::ManualClock clock(1795741200);
    static certgate::x509::OpenSslCertificateValidator validator({}, clock, nullptr, 0);
    try {
        auto view = validator.parse(std::span(data, size));
        (void)view;
    } catch (const certgate::core::Error&) {
    }
    return 0;
}
