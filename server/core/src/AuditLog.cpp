#include <certgate/core/AuditLog.hpp>
#include <certgate/core/Crypto.hpp>
#include <certgate/core/Error.hpp>
#include <certgate/core/RequestId.hpp>

namespace certgate::core {
namespace {

// Length-prefixed so that no two different rows encode alike ("ab"+"c" vs "a"+"bc").
void field(std::string& out, const std::string& value)
{
    out += std::to_string(value.size());
    out += ':';
    out += value;
    out += ';';
}

constexpr int kPage = 500;

} // namespace

AuditLog::AuditLog(Storage& storage, const Clock& clock, std::shared_ptr<const KeyRing> keys)
    : storage_(storage)
    , clock_(clock)
    , keys_(std::move(keys))
{
}

AuditLog::AuditLog(Storage& storage, const Clock& clock, std::vector<std::uint8_t> key)
    : AuditLog(storage, clock, std::make_shared<KeyRing>(key))
{
}

std::string AuditLog::computeHash(const AuditEvent& event) const
{
    return computeHash(event, *keys_->key(event.keyId));
}

std::string AuditLog::computeHash(const AuditEvent& event, const std::vector<std::uint8_t>& key)
{
    std::string canonical;
    field(canonical, std::to_string(event.seq));
    field(canonical, std::to_string(event.at));
    field(canonical, event.actor);
    field(canonical, event.action);
    field(canonical, event.outcome);
    field(canonical, event.errorCode);
    field(canonical, event.agencyCode);
    field(canonical, event.subject);
    field(canonical, event.details);
    field(canonical, event.prevHash);
    if (event.keyId != "1")
        field(canonical, event.keyId);
    return toHex(hmacSha256(key, canonical));
}

AuditEvent AuditLog::append(Storage& storage, const Entry& entry) const
{
    storage.lockAuditChain();
    AuditEvent event;
    auto last = storage.lastAuditEvent();
    event.seq = last ? last->seq + 1 : 1;
    event.prevHash = last ? last->hash : std::string {};
    event.at = clock_.now();
    event.actor = entry.actor;
    event.action = entry.action;
    event.outcome = entry.outcome;
    event.errorCode = entry.errorCode;
    event.agencyCode = entry.agencyCode;
    event.subject = entry.subject;
    event.details = withRequestId(entry.details);
    const auto current = keys_->current();
    event.keyId = current.id;
    event.hash = computeHash(event, *current.bytes);
    storage.insertAuditEvent(event);
    return event;
}

AuditEvent AuditLog::append(const Entry& entry) const
{
    // A concurrent appender on another instance may take our seq between read and insert;
    // the loser's transaction rolls back and tries again.
    for (int attempt = 0;; ++attempt) {
        try {
            AuditEvent event;
            storage_.transaction([&](Storage& tx) { event = append(tx, entry); });
            return event;
        } catch (const Error& e) {
            if (e.code() != ErrorCode::InternalError || attempt >= 4)
                throw;
        }
    }
}

AuditLog::Verification AuditLog::verify() const
{
    Verification result;
    const auto fail = [&result](std::int64_t seq, std::string problem) {
        result.ok = false;
        result.firstBadSeq = seq;
        result.problem = std::move(problem);
        return result;
    };
    std::string prevHash;
    std::int64_t expectedSeq = 1;
    for (;;) {
        auto page = storage_.listAuditEvents(expectedSeq, kPage);
        for (const auto& event : page) {
            const auto row = "row " + std::to_string(event.seq);
            if (event.seq != expectedSeq)
                return fail(expectedSeq,
                    "row " + std::to_string(expectedSeq) + " is missing (next row is "
                        + std::to_string(event.seq) + ")");
            if (event.prevHash != prevHash)
                return fail(event.seq, row + " does not link to the previous row");
            std::string expected;
            try {
                expected = computeHash(event);
            } catch (const Error&) {
                return fail(event.seq,
                    row + " names audit key \"" + event.keyId + "\", which the key ring lacks");
            }
            if (!equalConstantTime(expected, event.hash))
                return fail(event.seq, row + " was altered (HMAC mismatch)");
            prevHash = event.hash;
            ++expectedSeq;
            ++result.checked;
        }
        if (static_cast<int>(page.size()) < kPage)
            break;
    }
    return result;
}

} // namespace certgate::core
