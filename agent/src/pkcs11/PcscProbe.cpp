#include "pkcs11/PcscProbe.hpp"

#include <PCSC/winscard.h>
#include <algorithm>
#include <array>
#include <filesystem>

namespace certgate::agent::pkcs11 {

bool moduleUsesPcsc(const std::string& modulePath)
{
    auto name = std::filesystem::path(modulePath).filename().string();
    std::transform(name.begin(), name.end(), name.begin(),
        [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    static constexpr std::array hints { "opensc", "hicos", "pcsc", "scard", "smartcard", "card" };
    return std::any_of(hints.begin(), hints.end(),
        [&](const char* hint) { return name.find(hint) != std::string::npos; });
}

bool pcscdRunning()
{
    SCARDCONTEXT context = 0;
    LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &context);
    if (rv == SCARD_S_SUCCESS) {
        SCardReleaseContext(context);
        return true;
    }
    return rv != static_cast<LONG>(SCARD_E_NO_SERVICE);
}

} // namespace certgate::agent::pkcs11
