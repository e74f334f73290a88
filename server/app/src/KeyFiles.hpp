#pragma once

#include <certgate/core/KeyRing.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace certgate::app {

// A key ring in files (issue 18 item 4): the file the configuration names
// (security.piiKeyFile, security.auditKeyFile) holds key 1, the files `<stem>.<N><ext>` beside
// it hold key N ("pii.key", "pii.2.key", "pii.3.key"); each is base64 of at least 32 random
// bytes. Key 1's file may be gone (retired) when a numbered one is there.

/// base64 text (trailing newline allowed) → bytes; std::runtime_error naming `where`.
std::vector<std::uint8_t> parseKeyText(std::string text, const std::string& where);
/// Every key of the ring of `base`; std::runtime_error naming the file at fault.
std::vector<core::RingKey> readKeyFiles(const std::string& base);
/// Where key `id` of the ring of `base` lives.
std::string keyFilePath(const std::string& base, const std::string& id);
/// Writes key `id` (mode 0600, never over an existing file, synced to disk); its path.
std::string writeKeyFile(
    const std::string& base, const std::string& id, const std::vector<std::uint8_t>& bytes);

} // namespace certgate::app
