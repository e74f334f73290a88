#include "Transaction.hpp"

#include "ErrorTranslator.hpp"

#include <soci/soci.h>

namespace certgate::db {

void runInTransaction(
    soci::session& session, const Dialect& dialect, const std::function<void()>& work)
{
    translated(dialect, "begin", [&] { session << dialect.beginWrite(); });
    try {
        work();
        translated(dialect, "commit", [&] { session << "COMMIT"; });
    } catch (...) {
        try {
            session << "ROLLBACK";
        } catch (const soci::soci_error&) {
            // The connection may be gone (often the reason we are here); the server then
            // discards the transaction anyway. The first error is the one to report.
        }
        throw;
    }
}

} // namespace certgate::db
