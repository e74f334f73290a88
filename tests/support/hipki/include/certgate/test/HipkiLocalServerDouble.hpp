#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace certgate::test {

/// A TEST DOUBLE of MOICA's HiPKI Local Server (跨平台網頁元件), which cannot be installed
/// here. It speaks the protocol of /work/shared/reference/hipki-protocol.md on 127.0.0.1:
///   GET|POST /pkcs11info[?withcert=true]   the reader, its card (token serialNumber = card
///                                          number) and the card's certificates
///   POST /sign  tbsPackage=<JSON>          MakeSignature: PKCS7 (CMS SignedData, attached,
///                                          signed attributes) or PKCS1, SHA1..SHA512
///   GET /popupForm                         the postMessage bridge: posts {"func":"getTbs"} to
///                                          its opener, takes one command, answers, closes
///   GET /addDomain?domain=HOST             asks (a button) to add HOST to the domain list,
///                                          posts {"func":"addDomain","ret_code":0} back
///   GET /p11Image.bmp                      pkcs11info as the pixels of a 2000x1 bitmap
/// with HiPKI's ret_code / last_error numbers, and no CORS headers. It signs through PKCS#11
/// on a SoftHSM2 test card via libp11 (see Options::softhsmConf), never with a key
/// file. Not a copy of HiPKI: what the real one does beyond the reference is not imitated.
class HipkiLocalServerDouble {
public:
    struct Options {
        std::string module; ///< PKCS#11 module; empty = the test PKI's SoftHSM2
        /// SOFTHSM2_CONF to set for this process before the module loads; empty = keep the
        /// environment's, or the test PKI's when it has none. One double per process at a time.
        std::string softhsmConf;
        std::string card; ///< token label of the card in the reader; empty = no card
        std::uint16_t port = 0; ///< 0 = any free port (HiPKI's own is 61161)
        /// The popup's domain list (HiPKI's whiteList.txt): hosts whose pages it serves;
        /// others get ret_code 0x76000031 (site not trusted).
        std::vector<std::string> allowedDomains { "localhost", "127.0.0.1" };
        std::string serverVersion = "1.3.4.103328";
        /// false: no card reader at all (pkcs11info lists no slot).
        bool reader = true;
        /// DOUBLE ONLY, for what SoftHSM2 cannot do: count wrong PINs like a HiCOS card with
        /// this many tries (0: SoftHSM2's plain wrong-PIN answer), and cards that answer as
        /// locked from the start (see HipkiCardReader::countPinTries, lock).
        int pinTries = 0;
        std::vector<std::string> lockedCards;
        /// DOUBLE ONLY: answer CORS for this page origin (real HiPKI sends no CORS headers;
        /// the pages sign directly, without the popup, only where it does). Empty: none.
        std::string corsOrigin;
    };

    explicit HipkiLocalServerDouble(Options options);
    ~HipkiLocalServerDouble();
    HipkiLocalServerDouble(const HipkiLocalServerDouble&) = delete;
    HipkiLocalServerDouble& operator=(const HipkiLocalServerDouble&) = delete;

    /// http://127.0.0.1:<port>
    std::string url() const;
    std::uint16_t port() const;
    /// Puts another card in the reader (empty: takes the card out).
    void insert(const std::string& card);
    /// The domain list now (addDomain adds to it).
    std::vector<std::string> allowedDomains() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace certgate::test
