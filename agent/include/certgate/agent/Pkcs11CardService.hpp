#pragma once

#include <certgate/agent/CardService.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace certgate::agent {

/// The CardService over a PKCS#11 module through libp11. The module is loaded at once; when that
/// fails, health() says so, every card call answers MODULE_LOAD_FAILED, and the load is tried
/// again on the next card call (the person may install the card software meanwhile).
/// Requests for one token wait at most `busyTimeout` for each other, then answer BUSY.
std::unique_ptr<CardService> makePkcs11CardService(
    const std::string& modulePath, std::chrono::milliseconds busyTimeout);

} // namespace certgate::agent
