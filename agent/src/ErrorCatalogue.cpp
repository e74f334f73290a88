#include <certgate/agent/ErrorCatalogue.hpp>

#include <array>

namespace certgate::agent {
namespace {

// 423 and 429 are plain HTTP statuses the page can branch on; none of them carries
// WWW-Authenticate, so no browser shows its own login dialog.
constexpr std::array catalogue {
    ErrorEntry { ErrorCode::PcscdNotRunning, "PCSCD_NOT_RUNNING", 503,
        "讀卡機服務（pcscd）未啟動，請啟動智慧卡服務或重新開機後再試。",
        "The smart-card service (pcscd) is not running. Start the smart-card service or "
        "restart the computer, then try again." },
    ErrorEntry { ErrorCode::NoReader, "NO_READER", 404,
        "找不到讀卡機，請確認讀卡機已連接電腦後，再重新整理頁面。",
        "No card reader was found. Connect the card reader to this computer, then reload the "
        "page." },
    ErrorEntry { ErrorCode::NoCard, "NO_CARD", 404,
        "讀卡機中找不到指定的卡片，請將卡片插入讀卡機後再試。",
        "The card was not found in any reader. Insert the card into the reader and try "
        "again." },
    ErrorEntry { ErrorCode::CardRemoved, "CARD_REMOVED", 409,
        "卡片已被移除或讀取中斷，請重新插入卡片，待讀卡機燈號穩定後再試。",
        "The card was removed or stopped responding. Insert the card again, wait until the "
        "reader's light is steady, and retry." },
    ErrorEntry { ErrorCode::CardNotInitialised, "CARD_NOT_INITIALISED", 409,
        "卡片尚未開卡（尚未設定 PIN 碼），請先依發卡單位說明完成開卡後再使用。",
        "The card has not been opened yet (no PIN has been set). Open the card as the issuer "
        "instructs, then use it." },
    ErrorEntry { ErrorCode::PinIncorrect, "PIN_INCORRECT", 403,
        "PIN 碼錯誤，請確認後重新輸入。PIN 碼連續錯誤三次，卡片將被鎖定。",
        "Wrong PIN. Check it and enter it again. The card locks after three wrong PINs in a "
        "row." },
    ErrorEntry { ErrorCode::PinFinalTry, "PIN_FINAL_TRY", 403,
        "PIN 碼錯誤，僅剩最後一次機會；再錯一次卡片將被鎖定。請確認 PIN 碼無誤後再輸入。",
        "Wrong PIN. Only one attempt is left: one more wrong PIN locks the card. Make sure "
        "of the PIN before you enter it again." },
    ErrorEntry { ErrorCode::PinLocked, "PIN_LOCKED", 423,
        "卡片已鎖定（PIN 碼連續錯誤三次），請持卡至發卡單位或依發卡單位說明辦理解鎖。",
        "The card is locked (three wrong PINs in a row). Take it to the issuer, or follow the "
        "issuer's instructions, to have it unlocked." },
    ErrorEntry { ErrorCode::PinAttemptsLimited, "PIN_ATTEMPTS_LIMITED", 429,
        "此卡片已連續輸入錯誤的 PIN 碼多次，為保護卡片，讀卡服務暫停送出 PIN 碼，請稍候再試並確認 "
        "PIN 碼無誤。",
        "Several wrong PINs were entered for this card. To protect it, the card service sends no "
        "PIN for a while: wait, make sure of the PIN, and try again." },
    ErrorEntry { ErrorCode::NoSigningCertificate, "NO_SIGNING_CERTIFICATE", 409,
        "卡片中找不到可用於簽章的憑證，請確認插入的是正確的卡片。",
        "This card holds no certificate that can sign. Make sure you inserted the right "
        "card." },
    ErrorEntry { ErrorCode::ModuleLoadFailed, "MODULE_LOAD_FAILED", 503,
        "無法載入讀卡元件（PKCS#11 模組），請重新安裝讀卡元件或聯絡系統管理人員。",
        "The card software (PKCS#11 module) could not be loaded. Reinstall the card software "
        "or contact your administrator." },
    ErrorEntry { ErrorCode::OriginNotAllowed, "ORIGIN_NOT_ALLOWED", 403,
        "此網站未獲授權使用本機讀卡服務，請由正確的網址進入系統。",
        "This website is not allowed to use the local card service. Open the system from its "
        "official address." },
    ErrorEntry { ErrorCode::HostNotAllowed, "HOST_NOT_ALLOWED", 403,
        "拒絕此要求：本機讀卡服務只接受以 127.0.0.1 或 localhost 連線。",
        "Request refused: the local card service only answers requests addressed to "
        "127.0.0.1 or localhost." },
    ErrorEntry { ErrorCode::Busy, "BUSY", 429, "卡片正在處理另一項作業，請稍候幾秒再試。",
        "The card is busy with another operation. Wait a few seconds and try again." },
    ErrorEntry { ErrorCode::BadRequest, "BAD_REQUEST", 400,
        "要求內容不正確，請重新整理頁面後再試。",
        "The request is not valid. Reload the page and try again." },
    ErrorEntry { ErrorCode::InternalError, "INTERNAL_ERROR", 500,
        "讀卡服務發生未預期的錯誤，請重新啟動讀卡服務後再試；若仍無法使用，請聯絡客服。",
        "The card service hit an unexpected error. Restart it and try again; if the problem "
        "persists, contact support." },
};

} // namespace

std::span<const ErrorEntry> errorCatalogue()
{
    return catalogue;
}

const ErrorEntry& describe(ErrorCode code)
{
    for (const auto& entry : catalogue)
        if (entry.code == code)
            return entry;
    return catalogue.back();
}

AgentError::AgentError(ErrorCode code, std::string detail, Poco::JSON::Object facts)
    : std::runtime_error(std::string(describe(code).name) + (detail.empty() ? "" : ": " + detail))
    , code_(code)
    , detail_(std::move(detail))
    , facts_(std::move(facts))
{
}

Poco::JSON::Object AgentError::toJson() const
{
    return errorJson(code_, facts_);
}

Poco::JSON::Object errorJson(ErrorCode code, const Poco::JSON::Object& facts)
{
    const auto& entry = describe(code);
    Poco::JSON::Object out(Poco::JSON_PRESERVE_KEY_ORDER);
    out.set("error", std::string(entry.name));
    out.set("message", std::string(entry.messageZhTw));
    out.set("messageEn", std::string(entry.messageEn));
    for (const auto& [key, value] : facts)
        out.set(key, value);
    return out;
}

} // namespace certgate::agent
