#include <certgate/test/TempDir.hpp>
#include <certgate/test/TestPki.hpp>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <vector>

namespace certgate::test {

TempDir::TempDir(const std::string& prefix)
{
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/" + prefix + "-XXXXXX";
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (!mkdtemp(buffer.data()))
        throw std::runtime_error("mkdtemp failed for " + pattern);
    path_ = buffer.data();
}

TempDir::~TempDir()
{
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

std::string copySofthsmTokens(const std::string& dir)
{
    namespace fs = std::filesystem;
    const auto& pki = TestPki::get();
    auto tokens = fs::path(pki.softhsmConf()).parent_path() / "tokens";
    auto target = fs::path(dir) / "tokens";
    fs::create_directories(target);
    fs::copy(tokens, target, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    auto conf = (fs::path(dir) / "softhsm2.conf").string();
    writeTextFile(conf,
        "directories.tokendir = " + target.string()
            + "\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n");
    return conf;
}

} // namespace certgate::test
