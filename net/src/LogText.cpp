#include <certgate/net/LogText.hpp>

#include <algorithm>

namespace certgate::net {

std::string logSafe(std::string_view text, std::size_t max)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(std::min(text.size(), max) + 8);
    for (char byte : text) {
        auto c = static_cast<unsigned char>(byte);
        if (out.size() >= max) {
            out += "…";
            break;
        }
        if (c > 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0x0f];
        }
    }
    return out;
}

} // namespace certgate::net
