// certgate: the bureau's server and its operations commands (SPEC §2, §8).
#include "Commands.hpp"
#include "Logging.hpp"

#include <certgate/core/Error.hpp>

#include <Poco/AutoPtr.h>
#include <Poco/Logger.h>

#include <algorithm>
#include <iostream>
#include <map>

namespace {

constexpr const char* kUsage = R"(certgate — smart-card registration and delegation server

usage: certgate <command> [options]

  serve            [--config FILE] [--port N]   run the portal, REST API and admin pages
  migrate          [--config FILE]              apply database migrations (sql/)
  import-agencies  FILE.csv [--dry-run] [--config FILE]
                                                agency master data: code,name,region,expected_ca,expected_identifier
  staff add        --name N (--certificate FILE | --issuer DN --serial HEX) [--role admin|reviewer] [--config FILE]
  staff list|disable ID [--config FILE]         ops staff allowed on the admin pages
  audit verify     [--expect-head SEQ:HASH] [--config FILE]
                                                check the audit log's HMAC chain
  keys status      [--config FILE]              the personal-data and audit key rings (JSON)
  keys rotate      --pii [--new-key FILE] [--batch-size N] [--max-batches N] [--config FILE]
                                                re-encrypt the national IDs under a new key, in batches,
                                                while serving; run again to resume an unfinished one
  keys rotate      --audit [--new-key FILE] [--config FILE]
                                                a new HMAC key for new audit rows (old rows keep theirs)
  keys retire      --pii ID [--config FILE]     delete an old personal-data key nothing uses any more
  backup           --to FILE [--config FILE]    a consistent copy of the database while serving
                                                (SQLite online backup; PostgreSQL pg_dump)
  restore          --from FILE --yes [--config FILE]
                                                put a backup back (servers stopped), then verify the audit chain
  inspect-cert     FILE [--ca-profiles DIR] [--plugins DIR] [--at TIME]
  verify-token     --origin O --nonce N [--ca-profiles DIR] [--plugins DIR] [--at TIME]
                   [--revocation none|crl|ocsp|ocsp-then-crl] TOKEN.json
  ca status        [--json] [--profiles DIR]    can each CA profile accept cards now? (exit 1 if not)
  ca import        FILE... [--apply] [--profiles DIR] [--profile ID] [--anchor FILE --sha256 FP]
                                                add CA certificates (PEM, DER, PKCS#7) verified up to a pinned anchor
  version

Offline commands print only warnings and errors unless --verbose.
The configuration file defaults to $CERTGATE_CONFIG, then /etc/certgate/certgate.json.
Exit codes: 0 success, 1 refused or failed, 2 usage error.
)";

} // namespace

int main(int argc, char** argv)
{
    using namespace certgate::app;
    setUpDefaultLogging();
    if (argc < 2) {
        std::cerr << kUsage;
        return 2;
    }
    std::string command = argv[1];
    std::vector<std::string> rest(argv + 2, argv + argc);
    // Offline commands print only warnings and errors unless --verbose (or
    // CERTGATE_LOG_LEVEL) asks for more; the server logs at information.
    const auto verbose = std::find(rest.begin(), rest.end(), "--verbose");
    const bool loud = verbose != rest.end();
    if (loud)
        rest.erase(verbose);
    const char* level = std::getenv("CERTGATE_LOG_LEVEL");
    if (command != "serve" && !loud && !(level && *level))
        Poco::Logger::root().setLevel("warning");
    // Every subcommand answers --help on stdout with exit 0, also after its verb (`staff add
    // --help`, `keys rotate --help`); ca has its own usage.
    const bool help = std::any_of(
        rest.begin(), rest.end(), [](const std::string& a) { return a == "--help" || a == "-h"; });
    if (command != "ca" && help) {
        std::cout << kUsage;
        return 0;
    }
    Args args(std::move(rest));
    try {
        using Command = int (*)(Args);
        static const std::map<std::string, Command> commands { { "serve", serve },
            { "migrate", migrate }, { "import-agencies", importAgencies }, { "staff", staff },
            { "audit", audit }, { "keys", keys }, { "backup", backup }, { "restore", restore },
            { "inspect-cert", inspectCert }, { "verify-token", verifyToken }, { "ca", ca } };
        if (const auto found = commands.find(command); found != commands.end())
            return found->second(std::move(args));
        if (command == "version" || command == "--version")
            return version();
        if (command == "help" || command == "--help" || command == "-h") {
            std::cout << kUsage;
            return 0;
        }
        std::cerr << "certgate: unknown command " << command << "\n\n" << kUsage;
        return 2;
    } catch (const UsageError& e) {
        std::cerr << "certgate: " << e.what() << "\n(certgate help lists the commands)\n";
        return 2;
    } catch (const certgate::core::Error& e) {
        const auto& info = certgate::core::errorInfo(e.code());
        std::cerr << "certgate: " << info.name << ": " << e.messageZh() << " / " << e.messageEn()
                  << (e.detail().empty() ? "" : " (" + e.detail() + ")") << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "certgate: " << e.what() << "\n";
        return 1;
    }
}
