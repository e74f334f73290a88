#include "Cards.hpp"

#include "Client.hpp"

#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace certgate::bench {
namespace {

struct BioFree {
    void operator()(BIO* b) const { BIO_free(b); }
};
using Bio = std::unique_ptr<BIO, BioFree>;

Bio openFile(const std::string& path, const char* mode)
{
    Bio bio(BIO_new_file(path.c_str(), mode));
    if (!bio)
        throw std::runtime_error("cannot open " + path);
    return bio;
}

std::unique_ptr<X509, X509Free> readCert(const std::string& path)
{
    auto bio = openFile(path, "r");
    std::unique_ptr<X509, X509Free> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert)
        throw std::runtime_error("no certificate in " + path);
    return cert;
}

std::unique_ptr<EVP_PKEY, PkeyFree> readKey(BIO* bio, const std::string& path)
{
    std::unique_ptr<EVP_PKEY, PkeyFree> key(
        PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr));
    if (!key)
        throw std::runtime_error("no private key in " + path);
    return key;
}

void check(bool ok, const char* what)
{
    if (!ok)
        throw std::runtime_error(std::string("bench PKI: ") + what);
}

// A copy of the template with the card's own key, serial, subject serialNumber and CN, SKI and
// validity, signed by the CA. Extensions (policy, SDA with the ID's last four, CRLDP) stay.
std::unique_ptr<X509, X509Free> issue(
    const X509* templ, X509* ca, EVP_PKEY* caKey, EVP_PKEY* key, int index)
{
    std::unique_ptr<X509, X509Free> cert(X509_dup(const_cast<X509*>(templ)));
    check(cert != nullptr, "X509_dup");
    unsigned char serial[16];
    RAND_bytes(serial, sizeof serial);
    serial[0] &= 0x7f;
    serial[0] |= 0x10;
    std::unique_ptr<BIGNUM, decltype(&BN_free)> bn(
        BN_bin2bn(serial, sizeof serial, nullptr), BN_free);
    check(BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get())) != nullptr, "serial");
    check(X509_set_pubkey(cert.get(), key) == 1, "public key");

    // A new name (editing the template's entries in place would keep its cached encoding).
    const X509_NAME* old = X509_get_subject_name(cert.get());
    std::unique_ptr<X509_NAME, decltype(&X509_NAME_free)> name(X509_NAME_new(), X509_NAME_free);
    char serialText[17];
    std::snprintf(serialText, sizeof serialText, "%016d", 7000000 + index);
    std::string cn = "Bench Citizen " + std::to_string(index);
    for (int at = 0; at < X509_NAME_entry_count(old); ++at) {
        auto* entry = X509_NAME_get_entry(old, at);
        int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(entry));
        bool ok;
        if (nid == NID_serialNumber || nid == NID_commonName) {
            std::string value = nid == NID_serialNumber ? std::string(serialText) : cn;
            ok = X509_NAME_add_entry_by_NID(name.get(), nid,
                     nid == NID_serialNumber ? V_ASN1_PRINTABLESTRING : MBSTRING_UTF8,
                     reinterpret_cast<const unsigned char*>(value.data()),
                     static_cast<int>(value.size()), -1, 0)
                == 1;
        } else {
            ok = X509_NAME_add_entry(name.get(), entry, -1, 0) == 1;
        }
        check(ok, "subject entry");
    }
    check(X509_set_subject_name(cert.get(), name.get()) == 1, "subject");

    int ski = X509_get_ext_by_NID(cert.get(), NID_subject_key_identifier, -1);
    if (ski >= 0)
        X509_EXTENSION_free(X509_delete_ext(cert.get(), ski));
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, ca, cert.get(), nullptr, nullptr, 0);
    auto* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_key_identifier, "hash");
    check(ext != nullptr && X509_add_ext(cert.get(), ext, -1) == 1, "subjectKeyIdentifier");
    X509_EXTENSION_free(ext);

    check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -86400) != nullptr, "notBefore");
    check(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 365L * 86400) != nullptr, "notAfter");
    check(X509_sign(cert.get(), caKey, EVP_sha256()) > 0, "signature");
    return cert;
}

// Uppercase hex without leading zeros, as the server shows serials.
std::string serialHex(X509* cert)
{
    std::unique_ptr<BIGNUM, decltype(&BN_free)> bn(
        ASN1_INTEGER_to_BN(X509_get_serialNumber(cert), nullptr), BN_free);
    char* hex = BN_bn2hex(bn.get());
    std::string out = hex ? hex : "";
    OPENSSL_free(hex);
    return out;
}

template <typename Work> void parallel(int count, Work& work)
{
    std::vector<std::thread> threads;
    for (int t = 0; t < count; ++t)
        threads.emplace_back(work);
    for (auto& t : threads)
        t.join();
}

} // namespace

std::string nationalId(int i, const std::string& lastFour)
{
    static const int values[26] = { 10, 11, 12, 13, 14, 15, 16, 17, 34, 18, 19, 20, 21, 22, 35, 23,
        24, 25, 26, 27, 28, 29, 32, 30, 31, 33 };
    if (lastFour.size() != 4 || i < 0 || i >= 52000)
        throw std::invalid_argument("nationalId: index or last four digits out of range");
    int letter = i % 26;
    int d[10] = {};
    d[1] = 1 + (i / 26) % 2;
    int middle = i / 52;
    d[3] = middle / 100;
    d[4] = middle / 10 % 10;
    d[5] = middle % 10;
    for (int k = 0; k < 4; ++k)
        d[6 + k] = lastFour[static_cast<std::size_t>(k)] - '0';
    // tens x1 + units x9 + d1..d8 weighted 8..1 + check digit = 0 (mod 10); d2 (weight 7) solves
    // it.
    int v = values[letter];
    int sum = v / 10 + (v % 10) * 9 + d[9];
    for (int k = 1; k <= 8; ++k)
        if (k != 2)
            sum += d[k] * (9 - k);
    d[2] = ((10 - sum % 10) % 10) * 3 % 10; // 7 * 3 = 21 = 1 (mod 10)
    std::string id(1, static_cast<char>('A' + letter));
    for (int k = 1; k < 10; ++k)
        id += static_cast<char>('0' + d[k]);
    return id;
}

void makeCards(const PkiOptions& options)
{
    auto templ = readCert(options.templateCert);
    auto ca = readCert(options.caCert);
    auto caKeyBio = openFile(options.caKey, "r");
    auto caKey = readKey(caKeyBio.get(), options.caKey);
    auto lastFour = options.templateId.substr(options.templateId.size() - 4);
    std::vector<std::string> lines(static_cast<std::size_t>(options.count));
    int keyCount = std::max(1, std::min(options.keys, options.count));
    std::vector<std::unique_ptr<EVP_PKEY, PkeyFree>> keys(static_cast<std::size_t>(keyCount));
    std::atomic<int> next { 0 };
    std::mutex errorLock;
    std::string error;
    auto work = [&] {
        try {
            for (int i; (i = next++) < keyCount;) {
                keys[static_cast<std::size_t>(i)].reset(EVP_RSA_gen(2048));
                check(keys[static_cast<std::size_t>(i)] != nullptr, "RSA key generation");
            }
        } catch (const std::exception& e) {
            std::lock_guard lock(errorLock);
            error = e.what();
        }
    };
    parallel(options.threads, work);
    if (!error.empty())
        throw std::runtime_error(error);
    next = 0;
    auto issueAll = [&] {
        try {
            for (int i; (i = next++) < options.count;) {
                auto* key = keys[static_cast<std::size_t>(i % keyCount)].get();
                auto cert = issue(templ.get(), ca.get(), caKey.get(), key, i);
                char file[32];
                std::snprintf(file, sizeof file, "card-%05d.pem", i);
                auto out = openFile(options.outDir + "/" + file, "w");
                check(PEM_write_bio_X509(out.get(), cert.get()) == 1
                        && PEM_write_bio_PrivateKey(
                               out.get(), key, nullptr, nullptr, 0, nullptr, nullptr)
                            == 1,
                    "writing a card");
                lines[static_cast<std::size_t>(i)]
                    = nationalId(i, lastFour) + "\t" + file + "\t" + serialHex(cert.get());
            }
        } catch (const std::exception& e) {
            std::lock_guard lock(errorLock);
            error = e.what();
            next = options.count;
        }
    };
    parallel(options.threads, issueAll);
    if (!error.empty())
        throw std::runtime_error(error);
    std::ofstream index(options.outDir + "/cards.tsv.new");
    for (const auto& line : lines)
        index << line << '\n';
    index.close();
    if (!index
        || std::rename(
               (options.outDir + "/cards.tsv.new").c_str(), (options.outDir + "/cards.tsv").c_str())
            != 0)
        throw std::runtime_error("cannot write " + options.outDir + "/cards.tsv");
}

Card loadCard(const std::string& certFile, const std::string& keyFile, const std::string& id)
{
    Card card;
    card.nationalId = id;
    card.cert = readCert(certFile);
    auto bio = openFile(keyFile, "r");
    card.key = readKey(bio.get(), keyFile);
    unsigned char* der = nullptr;
    int size = i2d_X509(card.cert.get(), &der);
    check(size > 0, "certificate DER");
    card.certBase64 = base64(der, static_cast<std::size_t>(size));
    OPENSSL_free(der);
    return card;
}

std::vector<Card> loadCards(const std::string& dir, int limit)
{
    std::ifstream index(dir + "/cards.tsv");
    if (!index)
        throw std::runtime_error("no " + dir + "/cards.tsv (run the pki command first)");
    std::vector<Card> cards;
    std::string line;
    while ((limit <= 0 || static_cast<int>(cards.size()) < limit) && std::getline(index, line)) {
        auto tab = line.find('\t');
        if (tab == std::string::npos)
            continue;
        auto file = line.substr(tab + 1, line.find('\t', tab + 1) - tab - 1);
        cards.push_back(loadCard(dir + "/" + file, dir + "/" + file, line.substr(0, tab)));
    }
    if (cards.empty())
        throw std::runtime_error(dir + "/cards.tsv lists no card");
    return cards;
}

} // namespace certgate::bench
