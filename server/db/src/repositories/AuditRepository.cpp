// core::Storage, the audit log (append-only; the chain itself is computed by core::AuditLog):
// SociStorage's methods for it.

#include "Repository.hpp"

namespace certgate::db {
namespace {

const UniqueRule auditSeqConflict { { "audit_events_pk", "audit_events.seq" },
    core::ErrorCode::InternalError, "audit seq conflict" };

} // namespace

// Outside a transaction there is nothing to hold a lock for (the port's default).
void SociStorage::lockAuditChain()
{
    if (!connections_->inTransaction())
        return;
    run("lockAuditChain", [&](SqlSession& db) { db.dialect().lockAuditChain(db.session()); });
}

std::optional<core::AuditEvent> SociStorage::lastAuditEvent()
{
    return run("lastAuditEvent",
        [&](SqlSession& db) { return db.findOne<core::AuditEvent>("ORDER BY seq DESC LIMIT 1"); });
}

void SociStorage::insertAuditEvent(const core::AuditEvent& event)
{
    run(
        "insertAuditEvent", [&](SqlSession& db) { db.insert(event); }, auditSeqConflict);
}

std::vector<core::AuditEvent> SociStorage::listAuditEvents(std::int64_t fromSeq, int limit)
{
    return run("listAuditEvents", [&](SqlSession& db) {
        return db.findAll<core::AuditEvent>(
            "WHERE seq >= :from ORDER BY seq LIMIT :limit", fromSeq, limit);
    });
}

std::vector<core::AuditEvent> SociStorage::listAuditEventsNewestFirst(int limit, int offset)
{
    return run("listAuditEventsNewestFirst", [&](SqlSession& db) {
        return db.findAll<core::AuditEvent>(
            "ORDER BY seq DESC LIMIT :limit OFFSET :offset", limit, offset);
    });
}

} // namespace certgate::db
