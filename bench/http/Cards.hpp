// The bench PKI: many distinct MOICA citizen cards (key files), issued by the test PKI's MOICA
// issuing CA from one of its real citizen cards as the template.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <vector>

namespace certgate::bench {

struct X509Free {
    void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

struct Card {
    std::string nationalId;
    std::unique_ptr<X509, X509Free> cert;
    std::unique_ptr<EVP_PKEY, PkeyFree> key;
    std::string certBase64; // DER, as the agent puts it in the token
};

struct PkiOptions {
    std::string templateCert; // a citizen card's signing certificate (PEM)
    std::string templateId; // its national ID: the bench IDs keep its last four digits
    std::string caCert;
    std::string caKey;
    std::string outDir;
    int count = 1000;
    int keys
        = 100; // distinct RSA-2048 keys, shared round robin by the cards (key generation is slow)
    int threads = 2;
};

// Writes outDir/cards.tsv ("nationalId<TAB>file<TAB>serial") and one PEM (certificate + key)
// per card.
void makeCards(const PkiOptions& options);
Card loadCard(const std::string& certFile, const std::string& keyFile, const std::string& id);
std::vector<Card> loadCards(const std::string& dir, int limit);

// The i-th valid national ID with the given last four digits (distinct for i < 52,000).
std::string nationalId(int i, const std::string& lastFour);

} // namespace certgate::bench
