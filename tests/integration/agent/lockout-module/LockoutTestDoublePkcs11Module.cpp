// LockoutTestDoublePkcs11Module: a PKCS#11 module for tests only. It forwards every call to an
// inner module (SoftHSM2: env CERTGATE_LOCKOUT_INNER_MODULE, default
// /usr/lib/softhsm/libsofthsm2.so) and behaves like a real card's PIN counter, which SoftHSM2
// lacks: after 1 wrong user PIN the token reports CKF_USER_PIN_COUNT_LOW, after 2
// CKF_USER_PIN_FINAL_TRY, after 3 CKF_USER_PIN_LOCKED, and from then on C_Login answers
// CKR_PIN_LOCKED even for the right PIN. A right PIN before that resets the counter.
//
// The counters live in the file named by CERTGATE_LOCKOUT_STATE (one line per token label:
// "<wrong> <logins> <label>"), so that a new agent process sees them and a test can read how
// many C_Login calls the agent made.
#include <p11-kit/pkcs11.h>

#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <sys/file.h>
#include <unistd.h>

namespace {

struct Counter {
    unsigned long wrong = 0;
    unsigned long logins = 0;
};

std::mutex mutex;
void* innerHandle = nullptr;
CK_FUNCTION_LIST* inner = nullptr;
CK_FUNCTION_LIST outer;
std::map<std::string, Counter> memoryState; // when no state file is configured

std::string statePath()
{
    const char* path = std::getenv("CERTGATE_LOCKOUT_STATE");
    return path ? path : "";
}

/// Holds an exclusive flock on the state file, so that two processes never lose an update.
class StateFile {
public:
    StateFile()
        : path_(statePath())
    {
        if (path_.empty())
            return;
        fd_ = ::open((path_ + ".lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
        if (fd_ >= 0)
            flock(fd_, LOCK_EX);
    }
    ~StateFile()
    {
        if (fd_ >= 0) {
            flock(fd_, LOCK_UN);
            ::close(fd_);
        }
    }
    StateFile(const StateFile&) = delete;
    StateFile& operator=(const StateFile&) = delete;

    std::map<std::string, Counter> load() const
    {
        if (path_.empty())
            return memoryState;
        std::map<std::string, Counter> state;
        std::ifstream in(path_);
        std::string line;
        while (std::getline(in, line)) {
            std::istringstream fields(line);
            Counter c;
            std::string label;
            if (fields >> c.wrong >> c.logins && std::getline(fields >> std::ws, label))
                state[label] = c;
        }
        return state;
    }

    void save(const std::map<std::string, Counter>& state) const
    {
        if (path_.empty()) {
            memoryState = state;
            return;
        }
        std::ofstream out(path_, std::ios::trunc);
        for (const auto& [label, c] : state)
            out << c.wrong << ' ' << c.logins << ' ' << label << '\n';
    }

private:
    std::string path_;
    int fd_ = -1;
};

std::string trimmedLabel(const CK_TOKEN_INFO& info)
{
    std::string label(reinterpret_cast<const char*>(info.label), sizeof info.label);
    auto end = label.find_last_not_of(' ');
    return end == std::string::npos ? std::string {} : label.substr(0, end + 1);
}

CK_RV lockoutGetTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info)
{
    CK_RV rv = inner->C_GetTokenInfo(slot, info);
    if (rv != CKR_OK)
        return rv;
    std::lock_guard lock(mutex);
    StateFile file;
    auto state = file.load();
    auto it = state.find(trimmedLabel(*info));
    auto wrong = it == state.end() ? 0ul : it->second.wrong;
    // Our counter replaces SoftHSM2's own COUNT_LOW, which knows nothing of the limit.
    info->flags &= ~static_cast<CK_FLAGS>(
        CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED);
    if (wrong == 1)
        info->flags |= CKF_USER_PIN_COUNT_LOW;
    else if (wrong == 2)
        info->flags |= CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY;
    else if (wrong >= 3)
        info->flags |= CKF_USER_PIN_LOCKED;
    return CKR_OK;
}

CK_RV lockoutLogin(
    CK_SESSION_HANDLE session, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pin, CK_ULONG pinLength)
{
    if (userType != CKU_USER)
        return inner->C_Login(session, userType, pin, pinLength);
    CK_SESSION_INFO sessionInfo {};
    CK_RV rv = inner->C_GetSessionInfo(session, &sessionInfo);
    if (rv != CKR_OK)
        return rv;
    CK_TOKEN_INFO tokenInfo {};
    rv = inner->C_GetTokenInfo(sessionInfo.slotID, &tokenInfo);
    if (rv != CKR_OK)
        return rv;
    std::lock_guard lock(mutex);
    StateFile file;
    auto state = file.load();
    auto& counter = state[trimmedLabel(tokenInfo)];
    ++counter.logins;
    if (counter.wrong >= 3) {
        file.save(state);
        return CKR_PIN_LOCKED;
    }
    rv = inner->C_Login(session, userType, pin, pinLength);
    if (rv == CKR_PIN_INCORRECT)
        ++counter.wrong;
    else if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN)
        counter.wrong = 0;
    file.save(state);
    return rv;
}

CK_RV lockoutGetFunctionList(CK_FUNCTION_LIST_PTR_PTR list);

} // namespace

extern "C" __attribute__((visibility("default"))) CK_RV C_GetFunctionList(
    CK_FUNCTION_LIST_PTR_PTR list)
{
    return lockoutGetFunctionList(list);
}

namespace {

CK_RV lockoutGetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
    if (!list)
        return CKR_ARGUMENTS_BAD;
    std::lock_guard lock(mutex);
    if (!inner) {
        const char* path = std::getenv("CERTGATE_LOCKOUT_INNER_MODULE");
        innerHandle = dlopen(
            path && *path ? path : "/usr/lib/softhsm/libsofthsm2.so", RTLD_NOW | RTLD_LOCAL);
        if (!innerHandle)
            return CKR_GENERAL_ERROR;
        CK_C_GetFunctionList getList = nullptr;
        void* symbol = dlsym(innerHandle, "C_GetFunctionList");
        std::memcpy(&getList, &symbol, sizeof symbol);
        if (!getList || getList(&inner) != CKR_OK || !inner)
            return CKR_GENERAL_ERROR;
        outer = *inner;
        outer.C_GetFunctionList = C_GetFunctionList;
        outer.C_GetTokenInfo = lockoutGetTokenInfo;
        outer.C_Login = lockoutLogin;
    }
    *list = &outer;
    return CKR_OK;
}

} // namespace
