// core::Storage, ops staff and their sessions: SociStorage's methods for them.

#include "Repository.hpp"

namespace certgate::db {

void SociStorage::insertStaff(const core::Staff& staff)
{
    run("insertStaff", [&](SqlSession& db) { db.insert(staff); });
}

void SociStorage::updateStaff(const core::Staff& staff)
{
    run("updateStaff",
        [&](SqlSession& db) { requireOneRow(db.update(staff, "id"), "updateStaff", staff.id); });
}

std::optional<core::Staff> SociStorage::findStaff(const std::string& id)
{
    return run(
        "findStaff", [&](SqlSession& db) { return db.findOne<core::Staff>("WHERE id = :id", id); });
}

std::optional<core::Staff> SociStorage::findStaffByCertificate(
    const std::string& issuer, const std::string& serial)
{
    return run("findStaffByCertificate", [&](SqlSession& db) {
        return db.findOne<core::Staff>(
            "WHERE cert_issuer = :issuer AND cert_serial = :serial", issuer, serial);
    });
}

std::vector<core::Staff> SociStorage::listStaff()
{
    return run(
        "listStaff", [&](SqlSession& db) { return db.findAll<core::Staff>("ORDER BY name, id"); });
}

void SociStorage::insertStaffSession(const core::StaffSession& session)
{
    run("insertStaffSession", [&](SqlSession& db) { db.insert(session); });
}

std::optional<core::StaffSession> SociStorage::findStaffSession(const std::string& idHash)
{
    return run("findStaffSession", [&](SqlSession& db) {
        return db.findOne<core::StaffSession>("WHERE id_hash = :hash", idHash);
    });
}

void SociStorage::deleteStaffSession(const std::string& idHash)
{
    run("deleteStaffSession", [&](SqlSession& db) {
        db.execute("DELETE FROM staff_sessions WHERE id_hash = :hash", idHash);
    });
}

} // namespace certgate::db
