// core::Storage, flows (server-side state of a function in progress), their nonces, and the
// purge of what expired: SociStorage's methods for them.

#include "RecordCodec.hpp"
#include "Repository.hpp"

namespace certgate::db {
namespace {

/// What consumeNonce needs to know about a nonce it could not consume.
struct NonceState {
    std::int64_t expiresAt = 0;
    std::optional<std::int64_t> usedAt;
};

} // namespace

template <> struct Mapping<NonceState> {
    static constexpr std::string_view table = "nonces";
    static constexpr auto columns = std::tuple(
        Column { "expires_at", &NonceState::expiresAt }, Column { "used_at", &NonceState::usedAt });
};

void SociStorage::insertFlow(const core::Flow& flow)
{
    run("insertFlow", [&](SqlSession& db) { db.insert(flow); });
}

std::optional<core::Flow> SociStorage::findFlow(const std::string& id)
{
    return run(
        "findFlow", [&](SqlSession& db) { return db.findOne<core::Flow>("WHERE id = :id", id); });
}

bool SociStorage::updateFlow(const core::Flow& f)
{
    return run("updateFlow", [&](SqlSession& db) {
        const std::int64_t previousVersion = f.version - 1;
        return db.execute("UPDATE flows SET type = :type, session_hash = :session, csrf_token = "
                          ":csrf, step = :step, state = :state, agency_code = :agency, "
                          "expires_at = :expires, version = :version WHERE id = :id AND version "
                          "= :previous",
                   f.type, f.sessionHash, f.csrfToken, f.step, encodeFlowState(f.state),
                   f.agencyCode, f.expiresAt, f.version, f.id, previousVersion)
            == 1;
    });
}

void SociStorage::insertNonce(const core::Nonce& nonce)
{
    run("insertNonce", [&](SqlSession& db) { db.insert(nonce); });
}

core::NonceOutcome SociStorage::consumeNonce(const std::string& value, const std::string& flowId,
    const std::string& purpose, std::int64_t now)
{
    return run("consumeNonce", [&](SqlSession& db) {
        // The conditional UPDATE is the consumption (SPEC §5): of any number of concurrent
        // callers on any number of instances, exactly one sees one affected row.
        const auto consumed = db.execute(
            "UPDATE nonces SET used_at = :now WHERE value = :value AND flow_id = :flow AND "
            "purpose = :purpose AND used_at IS NULL AND expires_at > :now2",
            now, value, flowId, purpose, now);
        if (consumed == 1)
            return core::NonceOutcome::Consumed;
        const auto state = db.findOne<NonceState>(
            "WHERE value = :value AND flow_id = :flow AND purpose = :purpose", value, flowId,
            purpose);
        // Checked in the order SPEC §5 lists them: unknown, expired, replayed.
        if (!state)
            return core::NonceOutcome::Unknown;
        if (state->expiresAt <= now)
            return core::NonceOutcome::Expired;
        if (state->usedAt)
            return core::NonceOutcome::Replayed;
        throw core::Error(
            core::ErrorCode::InternalError, "consumeNonce: nonce neither used nor consumed");
    });
}

std::optional<core::Nonce> SociStorage::findNonce(
    const std::string& value, const std::string& flowId, const std::string& purpose)
{
    return run("findNonce", [&](SqlSession& db) {
        return db.findOne<core::Nonce>(
            "WHERE value = :value AND flow_id = :flow AND purpose = :purpose", value, flowId,
            purpose);
    });
}

core::PurgeCounts SociStorage::purgeExpired(std::int64_t before)
{
    core::PurgeCounts counts;
    run("purgeExpired", [&](SqlSession& db) {
        db.atomically([&] {
            counts.nonces = db.execute("DELETE FROM nonces WHERE expires_at < :before", before);
            counts.flows = db.execute("DELETE FROM flows WHERE expires_at < :before", before);
            counts.staffSessions
                = db.execute("DELETE FROM staff_sessions WHERE expires_at < :before", before);
            // Rate-limit windows are a minute long; anything before `before` is long over.
            counts.rateLimitWindows
                = db.execute("DELETE FROM rate_limits WHERE window_start < :before", before);
        });
    });
    return counts;
}

} // namespace certgate::db
