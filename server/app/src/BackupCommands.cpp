// certgate backup / restore: a consistent copy of the records while the server serves, and
// putting one back (README "Backups").
#include "Commands.hpp"

#include <certgate/app/Config.hpp>
#include <certgate/app/Services.hpp>
#include <certgate/db/Backup.hpp>

#include <Poco/JSON/Object.h>

#include <iostream>
#include <sstream>

namespace certgate::app {

namespace {

std::string auditHead(Services& services)
{
    auto last = services.storage().lastAuditEvent();
    return last ? std::to_string(last->seq) + ":" + last->hash : "0:";
}

std::string jsonDetails(const Poco::JSON::Object& details)
{
    std::ostringstream out;
    details.stringify(out);
    return out.str();
}

} // namespace

int backup(Args args)
{
    std::vector<std::string> rest;
    auto config = loadConfig(configOption(args, rest));
    std::string to;
    for (std::size_t i = 0; i < rest.size(); ++i) {
        if (rest[i] == "--to" && i + 1 < rest.size())
            to = rest[++i];
        else
            throw UsageError("unexpected argument " + rest[i]);
    }
    if (to.empty())
        throw UsageError("backup needs --to FILE");
    auto result = db::backupDatabase(databaseSettings(config), to);

    Poco::JSON::Object details;
    details.set("file", result.file);
    details.set("bytes", static_cast<std::int64_t>(result.bytes));
    details.set("method", result.method);
    Services services(config, false);
    services.audit().append(
        { "cli", "database.backup", "ok", "", "", result.file, jsonDetails(details) });
    details.set("auditHead", auditHead(services));
    details.stringify(std::cout, 2);
    std::cout << std::endl;
    return 0;
}

int restore(Args args)
{
    std::vector<std::string> rest;
    auto config = loadConfig(configOption(args, rest));
    std::string from;
    bool confirmed = false;
    for (std::size_t i = 0; i < rest.size(); ++i) {
        if (rest[i] == "--from" && i + 1 < rest.size())
            from = rest[++i];
        else if (rest[i] == "--yes")
            confirmed = true;
        else
            throw UsageError("unexpected argument " + rest[i]);
    }
    if (from.empty())
        throw UsageError("restore needs --from FILE");
    if (!confirmed)
        throw UsageError("restore replaces every record of the configured database with the "
                         "backup's: stop the servers, then run it again with --yes");
    db::restoreDatabase(databaseSettings(config), from);

    // The restored records: migrated to this program's schema, the restore audited on their
    // chain, and the chain checked.
    Services services(config, false);
    Poco::JSON::Object details;
    details.set("from", from);
    services.audit().append(
        { "cli", "database.restore", "ok", "", "", from, jsonDetails(details) });
    auto verification = services.audit().verify();
    details.set("auditOk", verification.ok);
    details.set("auditChecked", verification.checked);
    details.set("auditHead", auditHead(services));
    if (!verification.ok)
        details.set("auditProblem", verification.problem);
    details.stringify(std::cout, 2);
    std::cout << std::endl;
    return verification.ok ? 0 : 1;
}

} // namespace certgate::app
