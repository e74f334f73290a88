#include <certgate/agent/Cli.hpp>
#include <certgate/agent/Config.hpp>
#include <certgate/agent/JsonViews.hpp>
#include <certgate/agent/SignRequest.hpp>
#include <certgate/agent/SignatureFormat.hpp>

#include <Poco/JSON/Array.h>

#include <iostream>
#include <termios.h>
#include <unistd.h>

namespace certgate::agent {
namespace {

/// Turns terminal echo off for its lifetime.
class EchoOff {
public:
    EchoOff()
    {
        if (tcgetattr(STDIN_FILENO, &saved_) == 0) {
            termios quiet = saved_;
            quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
            active_ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
        }
    }
    ~EchoOff()
    {
        if (active_)
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
    }
    EchoOff(const EchoOff&) = delete;
    EchoOff& operator=(const EchoOff&) = delete;

private:
    termios saved_ {};
    bool active_ = false;
};

std::string yesNo(bool value, const char* text)
{
    return value ? std::string(" [") + text + "]" : "";
}

int fail(const AgentError& error, std::ostream& out)
{
    out << toJsonText(error.toJson()) << std::endl;
    return 1;
}

} // namespace

SecretBuffer readPin(std::istream& in, std::ostream& prompt)
{
    SecretBuffer pin;
    auto readLine = [&] {
        char c = 0;
        while (in.get(c) && c != '\n')
            if (c != '\r')
                pin.append(c);
    };
    if (&in == &std::cin && isatty(STDIN_FILENO)) {
        prompt << "PIN: " << std::flush;
        EchoOff quiet;
        readLine();
        prompt << std::endl;
    } else {
        readLine();
    }
    return pin;
}

int runList(CardService& cards, bool json, std::ostream& out)
{
    std::vector<SlotStatus> slots;
    try {
        slots = cards.tokens();
    } catch (const AgentError& e) {
        return fail(e, out);
    }
    if (json) {
        auto body = tokensJson(slots);
        auto list = body.getArray("tokens");
        for (std::size_t i = 0; i < slots.size(); ++i) {
            if (!slots[i].present)
                continue;
            auto entry = list->getObject(static_cast<unsigned>(i));
            try {
                auto certs = certificatesJson(slots[i].label, cards.certificates(slots[i].label));
                entry->set("certificates", certs.getArray("certificates"));
            } catch (const AgentError& e) {
                entry->set("certificatesError", std::string(describe(e.code()).name));
            }
        }
        out << toJsonText(body) << std::endl;
        return 0;
    }
    if (slots.empty()) {
        const auto& entry = describe(ErrorCode::NoReader);
        out << entry.messageZhTw << "\n" << entry.messageEn << std::endl;
        return 0;
    }
    for (const auto& slot : slots) {
        out << "Slot " << slot.slotId << ": " << slot.slotDescription << "\n";
        if (!slot.present) {
            out << "  (no card)\n";
            continue;
        }
        out << "  Token \"" << slot.label << "\"  serial " << slot.serialNumber << "  "
            << slot.manufacturer << " / " << slot.model << "\n";
        out << "  Flags:"
            << (slot.flags.pinInitialized ? " [PIN set]" : " [PIN NOT SET: card not opened]")
            << yesNo(slot.flags.pinCountLow, "PIN count low")
            << yesNo(slot.flags.pinFinalTry, "PIN final try")
            << yesNo(slot.flags.pinLocked, "PIN LOCKED")
            << yesNo(slot.flags.loginRequired, "login required") << "\n";
        try {
            auto certs = cards.certificates(slot.label);
            if (certs.empty())
                out << "  (no certificates)\n";
            for (const auto& c : certs) {
                out << "  Certificate id " << c.id << " \"" << c.label << "\""
                    << (c.signing ? "  SIGNING" : "") << "\n    serial    " << c.serialNumber
                    << "\n    subject   " << c.subject << "\n    issuer    " << c.issuer
                    << "\n    valid     " << c.notBefore << " .. " << c.notAfter
                    << "\n    keyUsage ";
                for (const auto& u : c.keyUsage)
                    out << " " << u;
                out << "\n";
            }
        } catch (const AgentError& e) {
            out << "  Certificates: " << describe(e.code()).name << " - "
                << describe(e.code()).messageEn << "\n";
        }
    }
    out << std::flush;
    return 0;
}

int runSign(CardService& cards, const std::string& origin, const std::string& nonce,
    const std::string& token, const std::string& keyId, const SecretBuffer& pin, std::ostream& out)
{
    try {
        try {
            if (normaliseOrigin(origin) != origin)
                throw std::invalid_argument("origin must be given as the browser sends it");
        } catch (const std::invalid_argument& e) {
            Poco::JSON::Object facts;
            facts.set("field", "origin");
            throw AgentError(ErrorCode::BadRequest, e.what(), facts);
        }
        auto check = [](bool ok, const char* field) {
            if (!ok) {
                Poco::JSON::Object facts;
                facts.set("field", field);
                throw AgentError(ErrorCode::BadRequest, field, facts);
            }
        };
        check(validNonce(nonce), "nonce");
        check(validTokenLabel(token), "token");
        check(validPin(pin.view()), "pin");
        std::string normalisedKeyId;
        if (!keyId.empty()) {
            auto bytes = hexDecode(keyId);
            check(bytes && !bytes->empty(), "keyId");
            normalisedKeyId = hexEncode(bytes->data(), bytes->size());
        }
        auto result = cards.sign(token, normalisedKeyId, pin, signedData(origin, nonce));
        out << toJsonText(authTokenJson(result)) << std::endl;
        return 0;
    } catch (const AgentError& e) {
        return fail(e, out);
    }
}

} // namespace certgate::agent
