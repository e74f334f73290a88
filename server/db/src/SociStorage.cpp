#include "ConnectionPool.hpp"
#include "Repository.hpp"
#include "Transaction.hpp"

#include <certgate/db/SociStorage.hpp>

namespace certgate::db {

SociStorage::SociStorage(const DatabaseConfig& config)
    : SociStorage(std::make_unique<ConnectionPool>(config))
{
}

SociStorage::SociStorage(std::unique_ptr<ConnectionSource> connections)
    : connections_(std::move(connections))
{
}

SociStorage::~SociStorage() = default;

// One pooled connection for the whole transaction; the callback gets a SociStorage on its
// session, on which a nested transaction() runs inline.
void SociStorage::transaction(const std::function<void(core::Storage&)>& work)
{
    if (connections_->inTransaction()) {
        work(*this);
        return;
    }
    const auto& dialect = connections_->dialect();
    connections_->lend([&](soci::session& session) {
        runInTransaction(session, dialect, [&] {
            SociStorage joined(std::make_unique<TransactionConnection>(session, dialect));
            work(joined);
        });
    });
}

std::string SociStorage::backend() const
{
    return connections_->dialect().name();
}

// Outside a transaction a database that does not answer is `false` (the failure still counts
// as an outage); inside one, the failure leaves the callback like any other.
bool SociStorage::ping()
{
    try {
        return run("ping", [](SqlSession& db) { return db.queryInteger("SELECT 1") == 1; });
    } catch (const std::exception&) {
        if (connections_->inTransaction())
            throw;
        return false;
    }
}

} // namespace certgate::db
