// core::Storage, registrations and their certificate history (organisation certificates,
// managers): SociStorage's methods for them.

#include "Repository.hpp"

namespace certgate::db {

// Outside a transaction there is nothing to hold a lock for (the port's default).
void SociStorage::lockAgency(const std::string& code)
{
    if (!connections_->inTransaction())
        return;
    run("lockAgency", [&](SqlSession& db) { db.dialect().lockAgency(db.session(), code); });
}

std::optional<core::Registration> SociStorage::findRegistration(const std::string& agencyCode)
{
    return run("findRegistration", [&](SqlSession& db) {
        return db.findOne<core::Registration>("WHERE agency_code = :code", agencyCode);
    });
}

void SociStorage::insertRegistration(const core::Registration& registration)
{
    run("insertRegistration", [&](SqlSession& db) { db.insert(registration); });
}

void SociStorage::updateRegistration(const core::Registration& registration)
{
    run("updateRegistration", [&](SqlSession& db) {
        requireOneRow(
            db.update(registration, "agency_code"), "updateRegistration", registration.agencyCode);
    });
}

std::vector<core::Registration> SociStorage::listRegistrations(int limit, int offset)
{
    return run("listRegistrations", [&](SqlSession& db) {
        return db.findAll<core::Registration>(
            "ORDER BY agency_code LIMIT :limit OFFSET :offset", limit, offset);
    });
}

void SociStorage::insertOrgCertificate(const core::OrganisationCertificate& certificate)
{
    run("insertOrgCertificate", [&](SqlSession& db) { db.insert(certificate); });
}

std::optional<core::OrganisationCertificate> SociStorage::findOrgCertificate(const std::string& id)
{
    return run("findOrgCertificate", [&](SqlSession& db) {
        return db.findOne<core::OrganisationCertificate>("WHERE id = :id", id);
    });
}

void SociStorage::markOrgCertificateReplaced(const std::string& id, std::int64_t at)
{
    run("markOrgCertificateReplaced", [&](SqlSession& db) {
        requireOneRow(
            db.execute("UPDATE org_certificates SET replaced_at = :at WHERE id = :id", at, id),
            "markOrgCertificateReplaced", id);
    });
}

std::vector<core::OrganisationCertificate> SociStorage::listOrgCertificates(
    const std::string& agencyCode)
{
    return run("listOrgCertificates", [&](SqlSession& db) {
        return db.findAll<core::OrganisationCertificate>(
            "WHERE agency_code = :code ORDER BY registered_at DESC, id DESC", agencyCode);
    });
}

void SociStorage::insertManager(const core::Manager& manager)
{
    run("insertManager", [&](SqlSession& db) { db.insert(manager); });
}

std::optional<core::Manager> SociStorage::findManager(const std::string& id)
{
    return run("findManager",
        [&](SqlSession& db) { return db.findOne<core::Manager>("WHERE id = :id", id); });
}

void SociStorage::updateManagerContact(const core::Manager& m)
{
    run("updateManagerContact", [&](SqlSession& db) {
        requireOneRow(db.execute("UPDATE managers SET name = :name, email = :email, phone = "
                                 ":phone, extension = :extension WHERE id = :id",
                          m.name, m.email, m.phone, m.extension, m.id),
            "updateManagerContact", m.id);
    });
}

void SociStorage::markManagerReplaced(const std::string& id, std::int64_t at)
{
    run("markManagerReplaced", [&](SqlSession& db) {
        requireOneRow(db.execute("UPDATE managers SET replaced_at = :at WHERE id = :id", at, id),
            "markManagerReplaced", id);
    });
}

std::vector<core::Manager> SociStorage::listManagers(const std::string& agencyCode)
{
    return run("listManagers", [&](SqlSession& db) {
        return db.findAll<core::Manager>(
            "WHERE agency_code = :code ORDER BY registered_at DESC, id DESC", agencyCode);
    });
}

} // namespace certgate::db
