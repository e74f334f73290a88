#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace certgate::test {

/// One card of the generated test PKI (tests/pki/make-test-pki.sh, cards.json).
struct TestCard {
    std::string name; ///< manifest key, equal to the SoftHSM2 token label
    std::string token;
    std::string ca; ///< plugin id: "moica", "gca", ...
    std::string kind; ///< "citizen" | "organisation"
    std::string algorithm;
    std::string keyId;
    std::string signCert; ///< absolute paths (resolved from the manifest)
    std::string signKey;
    std::string encCert;
    std::string serial; ///< uppercase hex
    std::string encSerial;
    std::string issuerCa;
    std::string personName;
    std::string nationalId;
    std::string idLast4;
    std::string subjectSerialNumber;
    std::string organisationName;
    std::string identifier;
    std::string identifierType;
    std::string expect; ///< expected refusal code for a bad card, else empty
    std::string purpose;
    /// SoftHSM2 slot id of the card's token (stable for one generation of the test PKI).
    /// Select tokens by this with pkcs11-tool: its --token-label matches label PREFIXES.
    std::string slot;
};

struct TestCa {
    std::string cert, key, ski, crl, index, ocspCert, ocspKey;
};

/// The generated test PKI, read once from CERTGATE_TEST_PKI_DIR/cards.json.
class TestPki {
public:
    static const TestPki& get();

    const std::string& dir() const { return dir_; }
    const std::string& pin() const { return pin_; }
    const std::string& soPin() const { return soPin_; }
    const std::string& module() const { return module_; }
    const std::string& softhsmConf() const { return softhsmConf_; }
    const std::string& caProfilesDir() const { return caProfiles_; }
    const std::string& tlsCa() const { return tlsCa_; }
    const std::string& tlsCertificate() const { return tlsCertificate_; }
    const std::string& tlsPrivateKey() const { return tlsPrivateKey_; }

    /// Copies the test CA profiles into `folder` with their paths made absolute (in the
    /// test PKI they are relative to the profiles' folder, so a plain copy would lose them).
    void copyCaProfiles(const std::string& folder) const;

    const TestCard& card(const std::string& name) const;
    const TestCa& ca(const std::string& name) const;
    std::vector<std::string> cardNames() const;

private:
    TestPki();
    std::string dir_, pin_, soPin_, module_, softhsmConf_, caProfiles_, tlsCa_, tlsCertificate_,
        tlsPrivateKey_;
    std::map<std::string, TestCard> cards_;
    std::map<std::string, TestCa> cas_;
};

/// DIR/cards.json with every path made absolute: the manifest's paths are relative to DIR
/// and start with "./" (so a copied tree names its own files).
std::string readManifest(const std::string& dir);

std::string readTextFile(const std::string& path);
std::vector<std::uint8_t> readBinaryFile(const std::string& path);
void writeTextFile(const std::string& path, const std::string& text);

/// Where things are in this build (compile-time facts).
std::string binaryDir();
std::string sourceDir();

} // namespace certgate::test
