#pragma once

#include <string>

namespace certgate::test {

/// A fresh folder under $TMPDIR, removed with everything in it on destruction.
class TempDir {
public:
    explicit TempDir(const std::string& prefix = "certgate-test");
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::string& path() const { return path_; }
    std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

/// Copies the test PKI's SoftHSM2 token folder into `dir` and writes a softhsm2.conf for it,
/// so that a test may change tokens (wrong PINs, deleted tokens) without touching the shared
/// ones. Returns the path of the new softhsm2.conf.
std::string copySofthsmTokens(const std::string& dir);

} // namespace certgate::test
