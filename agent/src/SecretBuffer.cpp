#include <certgate/agent/SecretBuffer.hpp>

#include <openssl/crypto.h>

namespace certgate::agent {

void wipeString(std::string& text)
{
    // Cleanse the whole capacity: earlier, longer contents may sit beyond size().
    text.resize(text.capacity());
    OPENSSL_cleanse(text.data(), text.size());
    text.clear();
}

SecretBuffer::SecretBuffer(std::string_view text)
{
    // Reserve first so that the bytes never move to a second allocation left unwiped.
    data_.reserve(64);
    for (char c : text)
        append(c);
}

SecretBuffer::~SecretBuffer()
{
    clear();
}

SecretBuffer::SecretBuffer(SecretBuffer&& other) noexcept
{
    data_.swap(other.data_);
    other.clear();
}

SecretBuffer& SecretBuffer::operator=(SecretBuffer&& other) noexcept
{
    if (this != &other) {
        clear();
        data_.swap(other.data_);
        other.clear();
    }
    return *this;
}

void SecretBuffer::append(char c)
{
    if (data_.size() + 1 >= data_.capacity()) {
        std::string bigger;
        bigger.reserve(data_.capacity() * 2 + 32);
        bigger.assign(data_);
        wipeString(data_);
        data_.swap(bigger);
    }
    data_.push_back(c);
}

void SecretBuffer::clear()
{
    wipeString(data_);
}

} // namespace certgate::agent
