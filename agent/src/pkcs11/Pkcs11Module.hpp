#pragma once

#include <p11-kit/pkcs11.h>

#include <libp11.h>
#include <string>

namespace certgate::agent::pkcs11 {

/// One loaded PKCS#11 module: the libp11 context (PKCS11_CTX_new/load ↔ unload/free) plus the
/// module's raw function list, for the calls whose answer libp11 caches (token flags) or that
/// must not go through libp11's session pool (probes, see Pkcs11CardService.cpp).
class Pkcs11Module {
public:
    /// Throws AgentError(ModuleLoadFailed) when the library cannot be loaded or initialised.
    explicit Pkcs11Module(const std::string& path);
    ~Pkcs11Module();
    Pkcs11Module(const Pkcs11Module&) = delete;
    Pkcs11Module& operator=(const Pkcs11Module&) = delete;

    PKCS11_CTX* context() const { return ctx_; }
    CK_FUNCTION_LIST* functions() const { return functions_; }
    const std::string& path() const { return path_; }

private:
    void release();
    std::string path_;
    PKCS11_CTX* ctx_ = nullptr;
    void* handle_ = nullptr;
    CK_FUNCTION_LIST* functions_ = nullptr;
};

/// A fresh libp11 enumeration of the slots, released (sessions closed, libp11's copy of the
/// PIN cleansed) when it goes out of scope. The agent never calls PKCS11_update_slots: in libp11
/// 0.4.12 it can crash after a failed login.
class SlotList {
public:
    /// Returns false (and leaves the list empty) when libp11 cannot enumerate.
    explicit SlotList(PKCS11_CTX* ctx);
    ~SlotList();
    SlotList(const SlotList&) = delete;
    SlotList& operator=(const SlotList&) = delete;

    bool ok() const { return ok_; }
    unsigned int size() const { return count_; }
    PKCS11_SLOT* at(unsigned int i) const { return slots_ + i; }
    /// The slot whose token carries `label` (libp11 strips the blank padding); nullptr if none.
    PKCS11_SLOT* findToken(const std::string& label) const;

private:
    PKCS11_CTX* ctx_;
    PKCS11_SLOT* slots_ = nullptr;
    unsigned int count_ = 0;
    bool ok_ = false;
};

/// PKCS#11 blank-padded fixed fields → std::string without the padding.
std::string paddedField(const unsigned char* data, std::size_t size);

} // namespace certgate::agent::pkcs11
