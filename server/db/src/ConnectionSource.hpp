#pragma once

#include "Dialect.hpp"

#include <functional>

namespace certgate::db {

/// Where SociStorage's statements run: a pooled connection per call outside a transaction
/// (ConnectionPool), the transaction's own session inside one (TransactionConnection).
class ConnectionSource {
public:
    virtual ~ConnectionSource() = default;

    virtual const Dialect& dialect() const = 0;
    /// Whether the sessions lent belong to an open transaction.
    virtual bool inTransaction() const = 0;
    /// Runs `work` on a session; what `work` throws propagates (soci::soci_error translated
    /// to core::Error).
    virtual void lend(const std::function<void(soci::session&)>& work) = 0;
};

/// The one session of an open transaction. The pool lent it for the whole transaction and
/// keeps the outage bookkeeping for it, so here the work simply runs.
class TransactionConnection final : public ConnectionSource {
public:
    TransactionConnection(soci::session& session, const Dialect& dialect)
        : session_(session)
        , dialect_(dialect)
    {
    }

    const Dialect& dialect() const override { return dialect_; }
    bool inTransaction() const override { return true; }
    void lend(const std::function<void(soci::session&)>& work) override { work(session_); }

private:
    soci::session& session_;
    const Dialect& dialect_;
};

} // namespace certgate::db
