#include "RecordCodec.hpp"

#include <certgate/core/Error.hpp>

#include <array>
#include <cstdint>
#include <string_view>
#include <utility>

namespace certgate::db {
namespace {

using core::ErrorCode;

template <typename Enum, std::size_t N>
std::string nameOf(const std::array<std::pair<Enum, std::string_view>, N>& table, Enum value)
{
    for (const auto& [candidate, name] : table) {
        if (candidate == value)
            return std::string(name);
    }
    throw core::Error(ErrorCode::InternalError, "enum value without a database name");
}

template <typename Enum, std::size_t N>
Enum valueOf(const std::array<std::pair<Enum, std::string_view>, N>& table, const std::string& text,
    const char* what)
{
    for (const auto& [value, name] : table) {
        if (name == text)
            return value;
    }
    throw core::Error(
        ErrorCode::InternalError, std::string("unknown ") + what + " in database: " + text);
}

constexpr std::array<std::pair<core::ReceiptKind, std::string_view>, 5> receiptKinds { {
    { core::ReceiptKind::FirstRegistration, "first-registration" },
    { core::ReceiptKind::ReplaceOrganisation, "replace-organisation" },
    { core::ReceiptKind::ReplaceManager, "replace-manager" },
    { core::ReceiptKind::ReplaceBoth, "replace-both" },
    { core::ReceiptKind::ReviewApplication, "review-application" },
} };

constexpr std::array<std::pair<core::ReceiptStatus, std::string_view>, 4> receiptStatuses { {
    { core::ReceiptStatus::Done, "done" },
    { core::ReceiptStatus::UnderReview, "under-review" },
    { core::ReceiptStatus::Approved, "approved" },
    { core::ReceiptStatus::Rejected, "rejected" },
} };

constexpr std::array<std::pair<core::ReviewStatus, std::string_view>, 3> reviewStatuses { {
    { core::ReviewStatus::Pending, "pending" },
    { core::ReviewStatus::Approved, "approved" },
    { core::ReviewStatus::Rejected, "rejected" },
} };

[[noreturn]] void badList(const std::string& json)
{
    throw core::Error(ErrorCode::InternalError,
        "malformed string list in database (" + std::to_string(json.size()) + " bytes)");
}

void appendUtf8(std::string& out, std::uint32_t codePoint)
{
    if (codePoint < 0x80) {
        out += static_cast<char>(codePoint);
    } else if (codePoint < 0x800) {
        out += static_cast<char>(0xC0 | (codePoint >> 6));
        out += static_cast<char>(0x80 | (codePoint & 0x3F));
    } else if (codePoint < 0x10000) {
        out += static_cast<char>(0xE0 | (codePoint >> 12));
        out += static_cast<char>(0x80 | ((codePoint >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (codePoint & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (codePoint >> 18));
        out += static_cast<char>(0x80 | ((codePoint >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((codePoint >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (codePoint & 0x3F));
    }
}

/// A small strict reader for `[ "..." , ... ]`.
class ListReader {
public:
    explicit ListReader(const std::string& json)
        : json_(json)
    {
    }

    std::vector<std::string> read()
    {
        std::vector<std::string> items;
        skipSpace();
        expect('[');
        skipSpace();
        if (peek() == ']') {
            ++pos_;
        } else {
            while (true) {
                skipSpace();
                items.push_back(readString());
                skipSpace();
                if (peek() == ',') {
                    ++pos_;
                    continue;
                }
                expect(']');
                break;
            }
        }
        skipSpace();
        if (pos_ != json_.size())
            badList(json_);
        return items;
    }

private:
    char peek() const { return pos_ < json_.size() ? json_[pos_] : '\0'; }
    void expect(char c)
    {
        if (peek() != c)
            badList(json_);
        ++pos_;
    }
    void skipSpace()
    {
        while (pos_ < json_.size()
            && (json_[pos_] == ' ' || json_[pos_] == '\n' || json_[pos_] == '\t'
                || json_[pos_] == '\r'))
            ++pos_;
    }

    std::uint32_t readHex4()
    {
        if (pos_ + 4 > json_.size())
            badList(json_);
        std::uint32_t value = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = json_[pos_++];
            value <<= 4;
            if (c >= '0' && c <= '9')
                value |= static_cast<std::uint32_t>(c - '0');
            else if (c >= 'a' && c <= 'f')
                value |= static_cast<std::uint32_t>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                value |= static_cast<std::uint32_t>(c - 'A' + 10);
            else
                badList(json_);
        }
        return value;
    }

    std::string readString()
    {
        expect('"');
        std::string out;
        while (true) {
            if (pos_ >= json_.size())
                badList(json_);
            const char c = json_[pos_++];
            if (c == '"')
                return out;
            if (static_cast<unsigned char>(c) < 0x20)
                badList(json_);
            if (c != '\\') {
                out += c;
                continue;
            }
            if (pos_ >= json_.size())
                badList(json_);
            const char escaped = json_[pos_++];
            switch (escaped) {
            case '"':
            case '\\':
            case '/':
                out += escaped;
                break;
            case 'b':
                out += '\b';
                break;
            case 'f':
                out += '\f';
                break;
            case 'n':
                out += '\n';
                break;
            case 'r':
                out += '\r';
                break;
            case 't':
                out += '\t';
                break;
            case 'u': {
                std::uint32_t codePoint = readHex4();
                if (codePoint >= 0xD800 && codePoint < 0xDC00) {
                    expect('\\');
                    expect('u');
                    const std::uint32_t low = readHex4();
                    if (low < 0xDC00 || low >= 0xE000)
                        badList(json_);
                    codePoint = 0x10000 + ((codePoint - 0xD800) << 10) + (low - 0xDC00);
                } else if (codePoint >= 0xDC00 && codePoint < 0xE000) {
                    badList(json_);
                }
                appendUtf8(out, codePoint);
                break;
            }
            default:
                badList(json_);
            }
        }
    }

    const std::string& json_;
    std::size_t pos_ = 0;
};

} // namespace

std::string toColumn(core::ReceiptKind kind)
{
    return nameOf(receiptKinds, kind);
}
std::string toColumn(core::ReceiptStatus status)
{
    return nameOf(receiptStatuses, status);
}
std::string toColumn(core::ReviewStatus status)
{
    return nameOf(reviewStatuses, status);
}

core::ReceiptKind receiptKindFromColumn(const std::string& text)
{
    return valueOf(receiptKinds, text, "receipt kind");
}

core::ReceiptStatus receiptStatusFromColumn(const std::string& text)
{
    return valueOf(receiptStatuses, text, "receipt status");
}

core::ReviewStatus reviewStatusFromColumn(const std::string& text)
{
    return valueOf(reviewStatuses, text, "review status");
}

std::string encodeStringList(const std::vector<std::string>& items)
{
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0)
            out += ',';
        out += '"';
        for (const char c : items[i]) {
            const auto byte = static_cast<unsigned char>(c);
            if (c == '"' || c == '\\') {
                out += '\\';
                out += c;
            } else if (byte < 0x20) {
                out += "\\u00";
                out += hex[byte >> 4];
                out += hex[byte & 0x0F];
            } else {
                out += c; // UTF-8 passes through unchanged
            }
        }
        out += '"';
    }
    out += ']';
    return out;
}

std::vector<std::string> decodeStringList(const std::string& json)
{
    return ListReader(json).read();
}

} // namespace certgate::db
