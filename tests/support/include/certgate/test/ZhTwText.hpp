#pragma once

#include <string>
#include <vector>

namespace certgate::test {

/// Taiwanese government sites write zh-TW text with full-width punctuation (，：；（）！？).
/// Returns what is wrong with `text` — an ASCII , : ; ( ) ! ? next to a Chinese character
/// (spaces between ignored; "://" of an address is fine), or a full-width parenthesis closed by
/// an ASCII one — or "" when nothing is. Header-only, std-only (the agent's tests use it too).
inline std::string halfWidthPunctuationProblem(const std::string& text)
{
    std::vector<char32_t> chars;
    for (std::size_t i = 0; i < text.size();) {
        auto c = static_cast<unsigned char>(text[i]);
        std::size_t length = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        char32_t value = length == 1 ? c : c & (0xFF >> (length + 1));
        for (std::size_t k = 1; k < length && i + k < text.size(); ++k)
            value = (value << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
        chars.push_back(value);
        i += length;
    }
    // Ideographs only: a phone number's "(02)" after a full-width colon is written so.
    auto chinese = [](char32_t c) {
        return c >= 0x3400 && c <= 0x9FFF;
    };
    auto neighbour = [&](std::size_t i, int step) -> char32_t {
        for (auto j = static_cast<long>(i) + step; j >= 0 && j < static_cast<long>(chars.size());
             j += step)
            if (chars[static_cast<std::size_t>(j)] != U' ')
                return chars[static_cast<std::size_t>(j)];
        return 0;
    };
    const std::u32string ascii = U",:;()!?";
    std::vector<char32_t> open;
    for (std::size_t i = 0; i < chars.size(); ++i) {
        auto c = chars[i];
        if (c == U'(' || c == U'（')
            open.push_back(c);
        if ((c == U')' || c == U'）') && !open.empty()) {
            if ((open.back() == U'（') != (c == U'）'))
                return "a full-width parenthesis paired with an ASCII one in: " + text;
            open.pop_back();
        }
        if (ascii.find(c) == std::u32string::npos)
            continue;
        if (c == U':' && i + 2 < chars.size() && chars[i + 1] == U'/' && chars[i + 2] == U'/')
            continue;
        if (chinese(neighbour(i, -1)) || chinese(neighbour(i, 1)))
            return std::string("half-width '") + static_cast<char>(c)
                + "' next to Chinese text in: " + text;
    }
    return {};
}

} // namespace certgate::test
