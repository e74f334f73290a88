#include "pkcs11/Pkcs11Module.hpp"

#include <certgate/agent/ErrorCatalogue.hpp>

#include <openssl/err.h>

#include <cstring>
#include <dlfcn.h>

namespace certgate::agent::pkcs11 {

Pkcs11Module::Pkcs11Module(const std::string& path)
    : path_(path)
{
    ctx_ = PKCS11_CTX_new();
    if (!ctx_)
        throw AgentError(ErrorCode::ModuleLoadFailed, "PKCS11_CTX_new failed");
    if (PKCS11_CTX_load(ctx_, path.c_str()) != 0) {
        ERR_clear_error();
        PKCS11_CTX_free(ctx_);
        ctx_ = nullptr;
        throw AgentError(ErrorCode::ModuleLoadFailed, "cannot load or initialise " + path);
    }
    // libp11 does not hand out the function list; the library is already mapped, so
    // RTLD_NOLOAD finds the very instance libp11 initialised.
    handle_ = dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD);
    CK_C_GetFunctionList getFunctionList = nullptr;
    if (handle_) {
        auto* symbol = dlsym(handle_, "C_GetFunctionList");
        static_assert(sizeof(symbol) == sizeof(getFunctionList));
        std::memcpy(&getFunctionList, &symbol, sizeof symbol);
    }
    if (!getFunctionList || getFunctionList(&functions_) != CKR_OK || !functions_) {
        release();
        throw AgentError(ErrorCode::ModuleLoadFailed, "no C_GetFunctionList in " + path);
    }
}

Pkcs11Module::~Pkcs11Module()
{
    release();
}

void Pkcs11Module::release()
{
    functions_ = nullptr;
    if (handle_) {
        dlclose(handle_);
        handle_ = nullptr;
    }
    if (ctx_) {
        PKCS11_CTX_unload(ctx_);
        PKCS11_CTX_free(ctx_);
        ctx_ = nullptr;
    }
}

SlotList::SlotList(PKCS11_CTX* ctx)
    : ctx_(ctx)
{
    ok_ = PKCS11_enumerate_slots(ctx_, &slots_, &count_) == 0;
    if (!ok_) {
        slots_ = nullptr;
        count_ = 0;
    }
}

SlotList::~SlotList()
{
    if (slots_)
        PKCS11_release_all_slots(ctx_, slots_, count_);
}

PKCS11_SLOT* SlotList::findToken(const std::string& label) const
{
    for (unsigned int i = 0; i < count_; ++i) {
        auto* token = slots_[i].token;
        if (token && token->label && label == token->label)
            return &slots_[i];
    }
    return nullptr;
}

std::string paddedField(const unsigned char* data, std::size_t size)
{
    std::string text(reinterpret_cast<const char*>(data), size);
    auto end = text.find_last_not_of(std::string(" \0", 2));
    return end == std::string::npos ? std::string {} : text.substr(0, end + 1);
}

} // namespace certgate::agent::pkcs11
