#include <certgate/test/TestPki.hpp>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace certgate::test {
namespace {

std::string str(const Poco::JSON::Object::Ptr& object, const std::string& key)
{
    if (!object || !object->has(key) || object->isNull(key))
        return {};
    return object->getValue<std::string>(key);
}

} // namespace

std::string binaryDir()
{
    return CERTGATE_BINARY_DIR;
}
std::string sourceDir()
{
    return CERTGATE_SOURCE_DIR;
}

std::string readTextFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot read " + path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::vector<std::uint8_t> readBinaryFile(const std::string& path)
{
    auto text = readTextFile(path);
    return { text.begin(), text.end() };
}

namespace {
// Every JSON string that starts with `relative` starts with `absolute` instead.
std::string resolvePaths(std::string text, const std::string& relative, const std::string& dir)
{
    const std::string from = "\"" + relative, to = "\"" + dir + "/";
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
    return text;
}
} // namespace

std::string readManifest(const std::string& dir)
{
    return resolvePaths(readTextFile(dir + "/cards.json"), "./", dir);
}

void TestPki::copyCaProfiles(const std::string& folder) const
{
    std::filesystem::create_directories(folder);
    for (const auto& entry : std::filesystem::directory_iterator(caProfiles_))
        if (entry.path().extension() == ".json")
            writeTextFile(folder + "/" + entry.path().filename().string(),
                resolvePaths(readTextFile(entry.path().string()), "../", dir_));
}

void writeTextFile(const std::string& path, const std::string& text)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out)
        throw std::runtime_error("cannot write " + path);
    out << text;
}

const TestPki& TestPki::get()
{
    static const TestPki pki;
    return pki;
}

TestPki::TestPki()
    : dir_(CERTGATE_TEST_PKI_DIR)
{
    Poco::JSON::Parser parser;
    auto root = parser.parse(readManifest(dir_)).extract<Poco::JSON::Object::Ptr>();
    pin_ = str(root, "pin");
    soPin_ = str(root, "soPin");
    module_ = str(root, "module");
    softhsmConf_ = str(root, "softhsmConf");
    caProfiles_ = str(root, "caProfiles");
    auto tls = root->getObject("tls");
    tlsCa_ = str(tls, "ca");
    tlsCertificate_ = str(tls, "certificate");
    tlsPrivateKey_ = str(tls, "privateKey");
    auto cas = root->getObject("cas");
    for (const auto& [name, value] : *cas) {
        auto o = value.extract<Poco::JSON::Object::Ptr>();
        cas_[name] = TestCa { str(o, "cert"), str(o, "key"), str(o, "ski"), str(o, "crl"),
            str(o, "index"), str(o, "ocspCert"), str(o, "ocspKey") };
    }
    auto cards = root->getObject("cards");
    for (const auto& [name, value] : *cards) {
        auto o = value.extract<Poco::JSON::Object::Ptr>();
        TestCard c;
        c.name = name;
        c.token = str(o, "token");
        c.ca = str(o, "ca");
        c.kind = str(o, "kind");
        c.algorithm = str(o, "algorithm");
        c.keyId = str(o, "keyId");
        c.signCert = str(o, "signCert");
        c.signKey = str(o, "signKey");
        c.encCert = str(o, "encCert");
        c.serial = str(o, "serial");
        c.encSerial = str(o, "encSerial");
        c.issuerCa = str(o, "issuerCa");
        c.personName = str(o, "name");
        c.nationalId = str(o, "nationalId");
        c.idLast4 = str(o, "idLast4");
        c.subjectSerialNumber = str(o, "subjectSerialNumber");
        c.organisationName = str(o, "organisationName");
        c.identifier = str(o, "identifier");
        c.identifierType = str(o, "identifierType");
        c.expect = str(o, "expect");
        c.purpose = str(o, "purpose");
        if (o->has("slot") && !o->isNull("slot"))
            c.slot = o->get("slot").toString();
        cards_[name] = c;
    }
}

const TestCard& TestPki::card(const std::string& name) const
{
    auto it = cards_.find(name);
    if (it == cards_.end())
        throw std::out_of_range("no test card named " + name);
    return it->second;
}

const TestCa& TestPki::ca(const std::string& name) const
{
    auto it = cas_.find(name);
    if (it == cas_.end())
        throw std::out_of_range("no test CA named " + name);
    return it->second;
}

std::vector<std::string> TestPki::cardNames() const
{
    std::vector<std::string> names;
    for (const auto& [name, card] : cards_)
        names.push_back(name);
    return names;
}

} // namespace certgate::test
