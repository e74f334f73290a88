// certgate-seed-audit --backend sqlite3|postgresql --connection C --audit-key-file F --count N
//
// Prints N audit events as CSV rows of audit_events (column order of sql/0001_initial.sql),
// continuing the chain of the database's last event, each hashed by the server's AuditLog with
// the server's audit key. bench/db/seed.sh loads them with COPY (PostgreSQL) or .import
// (SQLite), far faster than one INSERT per row.
#include <certgate/core/AuditLog.hpp>
#include <certgate/core/AuthToken.hpp>
#include <certgate/core/Clock.hpp>
#include <certgate/db/SociStorage.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>

namespace {

std::string csv(const std::string& value)
{
    std::string out = "\"";
    for (char c : value) {
        if (c == '"')
            out += '"';
        out += c;
    }
    return out + "\"";
}

std::string readKey(const std::string& path)
{
    std::ifstream in(path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
        text.pop_back();
    return text;
}

} // namespace

int main(int argc, char** argv)
{
    using namespace certgate;
    std::map<std::string, std::string> args;
    for (int i = 1; i + 1 < argc; i += 2)
        args[argv[i]] = argv[i + 1];
    if (!args.count("--backend") || !args.count("--connection")
        || !args.count("--audit-key-file")) {
        std::cerr << "usage: certgate-seed-audit --backend B --connection C --audit-key-file F "
                     "[--count N]\n";
        return 1;
    }
    try {
        auto key = core::decodeBase64Strict(readKey(args["--audit-key-file"]));
        if (!key)
            throw std::runtime_error("the audit key file is not base64");
        db::DatabaseConfig config;
        config.backend = args["--backend"];
        config.connection = args["--connection"];
        config.poolSize = 1;
        db::SociStorage storage(config);
        core::SystemClock clock;
        core::AuditLog log(storage, clock, *key);
        long count = std::stol(args.count("--count") ? args["--count"] : "1000000");
        auto last = storage.lastAuditEvent();
        core::AuditEvent event;
        event.seq = last ? last->seq : 0;
        event.prevHash = last ? last->hash : std::string {};
        auto start = clock.now() - count / 10; // ten events a second, ending now
        static const char* actions[] = { "query.citizen-serial", "operator.login",
            "query.organisation-oid", "flow.organisation-card", "registration.confirm" };
        std::ostringstream out;
        for (long i = 0; i < count; ++i) {
            event.seq += 1;
            event.at = start + i / 10;
            auto agency = std::to_string(i % 100000);
            event.actor = "agency:" + std::string(5 - agency.size(), '0') + agency;
            event.action = actions[i % 5];
            event.outcome = i % 17 == 0 ? "refused" : "ok";
            event.errorCode = i % 17 == 0 ? "NONCE_EXPIRED" : "";
            event.agencyCode = event.actor.substr(7);
            event.subject = std::to_string(1000000000 + i);
            event.details = R"({"flow":"bench"})";
            event.hash = log.computeHash(event);
            out << event.seq << ',' << event.at << ',' << csv(event.actor) << ','
                << csv(event.action) << ',' << csv(event.outcome) << ',' << csv(event.errorCode)
                << ',' << csv(event.agencyCode) << ',' << csv(event.subject) << ','
                << csv(event.details) << ',' << csv(event.prevHash) << ',' << csv(event.hash)
                << '\n';
            event.prevHash = event.hash;
            if (i % 10000 == 9999) {
                std::cout << out.str();
                out.str({});
            }
        }
        std::cout << out.str() << std::flush;
        return std::cout ? 0 : 1;
    } catch (const std::exception& e) {
        std::cerr << "certgate-seed-audit: " << e.what() << "\n";
        return 1;
    }
}
