#include <certgate/agent/Encoding.hpp>

#include <openssl/evp.h>

namespace certgate::agent {

std::string base64Encode(const Bytes& data)
{
    std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
    auto n = EVP_EncodeBlock(
        reinterpret_cast<unsigned char*>(out.data()), data.data(), static_cast<int>(data.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

std::optional<Bytes> base64Decode(std::string_view text)
{
    if (text.size() % 4 != 0)
        return std::nullopt;
    for (std::size_t i = 0; i < text.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        bool ok = std::isalnum(c) || c == '+' || c == '/'
            || (c == '=' && i + 2 >= text.size() && (i + 1 == text.size() || text[i + 1] == '='));
        if (!ok)
            return std::nullopt;
    }
    Bytes out(text.size() / 4 * 3 + 1);
    auto n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
        static_cast<int>(text.size()));
    if (n < 0)
        return std::nullopt;
    auto size = static_cast<std::size_t>(n);
    // EVP_DecodeBlock counts padding as zero bytes.
    if (text.size() >= 1 && text.back() == '=')
        --size;
    if (text.size() >= 2 && text[text.size() - 2] == '=')
        --size;
    out.resize(size);
    return out;
}

std::string hexEncode(const std::uint8_t* data, std::size_t size)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(size * 2);
    for (std::size_t i = 0; i < size; ++i) {
        out.push_back(digits[data[i] >> 4]);
        out.push_back(digits[data[i] & 0x0f]);
    }
    return out;
}

std::optional<Bytes> hexDecode(std::string_view text)
{
    if (text.size() % 2 != 0)
        return std::nullopt;
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        return -1;
    };
    Bytes out;
    for (std::size_t i = 0; i < text.size(); i += 2) {
        int hi = nibble(text[i]);
        int lo = nibble(text[i + 1]);
        if (hi < 0 || lo < 0)
            return std::nullopt;
        out.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
    }
    return out;
}

std::string formatSerial(const Bytes& bigEndianMagnitude, bool negative)
{
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string hex;
    for (auto byte : bigEndianMagnitude) {
        hex.push_back(digits[byte >> 4]);
        hex.push_back(digits[byte & 0x0f]);
    }
    auto first = hex.find_first_not_of('0');
    if (first == std::string::npos)
        return "0";
    return (negative ? "-" : "") + hex.substr(first);
}

} // namespace certgate::agent
