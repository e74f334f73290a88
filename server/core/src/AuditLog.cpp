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

AuditLog::AuditLog(Storage& storage, const Clock& clock, std::vector<std::uint8_t> key)
    : storage_(storage)
    , clock_(clock)
    , key_(std::move(key))
{
    if (key_.size() < 32)
        throw std::invalid_argument("the audit key must be at least 32 bytes");
}

std::string AuditLog::computeHash(const AuditEvent& event) const
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
    return toHex(hmacSha256(key_, canonical));
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
    event.hash = computeHash(event);
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
    std::string prevHash;
    std::int64_t expectedSeq = 1;
    for (;;) {
        auto page = storage_.listAuditEvents(expectedSeq, kPage);
        for (const auto& event : page) {
            if (event.seq != expectedSeq) {
                result.ok = false;
                result.firstBadSeq = expectedSeq;
                result.problem = "row " + std::to_string(expectedSeq) + " is missing (next row is "
                    + std::to_string(event.seq) + ")";
                return result;
            }
            if (event.prevHash != prevHash) {
                result.ok = false;
                result.firstBadSeq = event.seq;
                result.problem
                    = "row " + std::to_string(event.seq) + " does not link to the previous row";
                return result;
            }
            if (!equalConstantTime(computeHash(event), event.hash)) {
                result.ok = false;
                result.firstBadSeq = event.seq;
                result.problem
                    = "row " + std::to_string(event.seq) + " was altered (HMAC mismatch)";
                return result;
            }
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
