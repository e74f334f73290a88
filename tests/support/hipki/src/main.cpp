// hipki-double: the HiPKI Local Server TEST DOUBLE as a program, for pages in a real browser
// (tests/e2e) and by hand. SOFTHSM2_CONF must name the test PKI's SoftHSM2 configuration.
//   hipki-double --card moica-wang [--port 61161] [--module PATH] [--allow-domain HOST]...
//                [--double-pin-tries N] [--double-locked-card LABEL]... [--double-reader none]
//                [--double-cors-origin ORIGIN]
// The --double-* options are the double's own switches for what SoftHSM2 cannot show (a PIN
// counter, a locked card), for a PC without a reader and for a HiPKI that answers CORS; HiPKI
// has no such options.
#include <certgate/test/HipkiLocalServerDouble.hpp>

#include <csignal>
#include <iostream>
#include <string>
#include <unistd.h>

int main(int argc, char** argv)
{
    certgate::test::HipkiLocalServerDouble::Options options;
    options.port = 61161;
    bool domainsGiven = false;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string key = argv[i];
        const std::string value = argv[i + 1];
        if (key == "--card") {
            options.card = value;
        } else if (key == "--port") {
            options.port = static_cast<std::uint16_t>(std::stoi(value));
        } else if (key == "--module") {
            options.module = value;
        } else if (key == "--double-pin-tries") {
            options.pinTries = std::stoi(value);
        } else if (key == "--double-locked-card") {
            options.lockedCards.push_back(value);
        } else if (key == "--double-cors-origin") {
            options.corsOrigin = value;
        } else if (key == "--double-reader" && value == "none") {
            options.reader = false;
        } else if (key == "--allow-domain") {
            if (!domainsGiven)
                options.allowedDomains.clear();
            domainsGiven = true;
            options.allowedDomains.push_back(value);
        } else {
            std::cerr << "unknown option " << key << "\n";
            return 2;
        }
    }
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    certgate::test::HipkiLocalServerDouble server(options);
    // The line tests read to learn the port (as certgate-agent prints its own).
    std::cout << "listening on " << server.url() << std::endl;
    int received = 0;
    sigwait(&signals, &received);
    return 0;
}
