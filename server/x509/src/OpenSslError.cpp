#include "OpenSslError.hpp"

#include <openssl/err.h>

namespace certgate::x509 {

std::string takeOpenSslErrors()
{
    std::string text;
    const char* data = nullptr;
    int flags = 0;
    while (unsigned long code = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags)) {
        char buffer[256];
        ERR_error_string_n(code, buffer, sizeof buffer);
        if (!text.empty())
            text += "; ";
        text += buffer;
        if ((flags & ERR_TXT_STRING) && data && *data)
            text += std::string(" (") + data + ")";
    }
    return text;
}

std::string withOpenSslErrors(const std::string& what)
{
    auto errors = takeOpenSslErrors();
    return errors.empty() ? what : what + ": " + errors;
}

} // namespace certgate::x509
