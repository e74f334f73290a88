#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace certgate::agent {

/// Holds a PIN. The bytes are OPENSSL_cleanse'd when the buffer is destroyed or cleared, on every
/// path including exceptions. Not copyable; moving leaves the source empty and wiped.
class SecretBuffer {
public:
    SecretBuffer() = default;
    explicit SecretBuffer(std::string_view text);
    ~SecretBuffer();
    SecretBuffer(const SecretBuffer&) = delete;
    SecretBuffer& operator=(const SecretBuffer&) = delete;
    SecretBuffer(SecretBuffer&& other) noexcept;
    SecretBuffer& operator=(SecretBuffer&& other) noexcept;

    void append(char c);
    void clear();
    /// NUL-terminated, for the C APIs that want it.
    const char* c_str() const { return data_.c_str(); }
    std::size_t size() const { return data_.size(); }
    bool empty() const { return data_.empty(); }
    std::string_view view() const { return data_; }

private:
    std::string data_;
};

/// Wipes a std::string in place (its whole capacity) and empties it.
void wipeString(std::string& text);

} // namespace certgate::agent
