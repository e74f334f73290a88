#include "KeyFiles.hpp"

#include "Files.hpp"

#include <certgate/core/AuthToken.hpp>
#include <certgate/core/Crypto.hpp>

#include <openssl/crypto.h>

#include <fcntl.h>
#include <filesystem>
#include <stdexcept>
#include <unistd.h>

namespace certgate::app {

namespace fs = std::filesystem;

std::vector<std::uint8_t> parseKeyText(std::string text, const std::string& where)
{
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
        text.pop_back();
    auto bytes = core::decodeBase64Strict(text);
    core::wipe(text);
    if (!bytes || bytes->size() < 32)
        throw std::runtime_error(where + " must be base64 of at least 32 bytes");
    return *bytes;
}

std::string keyFilePath(const std::string& base, const std::string& id)
{
    if (id == "1")
        return base;
    fs::path path(base);
    return (path.parent_path() / (path.stem().string() + "." + id + path.extension().string()))
        .string();
}

std::vector<core::RingKey> readKeyFiles(const std::string& base)
{
    fs::path path(base);
    const auto stem = path.stem().string() + ".";
    const auto extension = path.extension().string();
    std::vector<core::RingKey> keys;
    if (fs::exists(path))
        keys.push_back({ "1", parseKeyText(readWholeFile(path), base) });
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(path.parent_path(), error)) {
        const auto name = entry.path().filename().string();
        if (name.size() <= stem.size() + extension.size() || name.rfind(stem, 0) != 0
            || name.substr(name.size() - extension.size()) != extension)
            continue;
        auto id = name.substr(stem.size(), name.size() - stem.size() - extension.size());
        if (!core::KeyRing::validId(id) || id == "1")
            continue;
        keys.push_back({ id, parseKeyText(readWholeFile(entry.path()), entry.path().string()) });
    }
    if (keys.empty())
        throw std::runtime_error(
            "cannot read " + base + " (base64 of 32 random bytes, e.g. `openssl rand -base64 32`)");
    return keys;
}

std::string writeKeyFile(
    const std::string& base, const std::string& id, const std::vector<std::uint8_t>& bytes)
{
    const auto path = keyFilePath(base, id);
    auto text = core::encodeBase64(bytes) + "\n";
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        throw std::runtime_error("cannot create " + path + " (it must not exist yet)");
    const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size())
        && ::fsync(fd) == 0;
    ::close(fd);
    core::wipe(text);
    if (!written) {
        fs::remove(path);
        throw std::runtime_error("cannot write " + path);
    }
    // The directory entry too, so the key survives a crash that the rows rewritten under it do.
    if (const int dir = ::open(fs::path(path).parent_path().c_str(), O_RDONLY | O_DIRECTORY);
        dir >= 0) {
        ::fsync(dir);
        ::close(dir);
    }
    return path;
}

} // namespace certgate::app
