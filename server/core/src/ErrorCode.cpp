#include <certgate/core/Error.hpp>
#include <certgate/core/ErrorCode.hpp>

#include <array>

namespace certgate::core {
namespace {

using enum ErrorCode;

// The texts a person reads: what happened and what to do next. zh-TW is what the manual's
// users see; English is offered beside it.
constexpr std::array kCatalogue {
    ErrorInfo { MalformedToken, "MALFORMED_TOKEN", 400,
        "卡片簽章資料格式錯誤，請重新操作；若持續發生，請更新讀卡元件。",
        "The card's signed data is malformed. Please try again; if it keeps happening, update the "
        "card agent." },
    ErrorInfo { SignerNotAllowed, "SIGNER_NOT_ALLOWED", 403,
        "本系統未開放以 HiPKI 跨平台網頁元件簽章，請安裝並使用本系統之讀卡元件（certgate-agent）。",
        "This system does not accept signatures made with the HiPKI Local Server. Install and use "
        "the system's card agent (certgate-agent)." },
    ErrorInfo { NonceUnknown, "NONCE_UNKNOWN", 400, "驗證碼無效，請重新整理頁面後再試一次。",
        "The challenge is not valid for this step. Reload the page and try again." },
    ErrorInfo { NonceExpired, "NONCE_EXPIRED", 400, "驗證碼已逾時，請重新操作。",
        "The challenge has expired. Please start the step again." },
    ErrorInfo { NonceReplayed, "NONCE_REPLAYED", 400, "驗證碼已使用過，請重新操作。",
        "The challenge has already been used. Please start the step again." },
    ErrorInfo { CertMalformed, "CERT_MALFORMED", 400,
        "卡片憑證無法解析，請確認插入的是正確的憑證IC卡。",
        "The card's certificate cannot be read. Check that you inserted the right card." },
    ErrorInfo { CertUntrusted, "CERT_UNTRUSTED", 403,
        "此憑證非本系統接受之憑證管理中心所簽發（或為測試憑證），請使用正式的機關憑證或自然人憑證"
        "。",
        "This certificate was not issued by a certification authority this system accepts (or is a "
        "test certificate). Use a production organisation or citizen card." },
    ErrorInfo { CertExpired, "CERT_EXPIRED", 403, "憑證已過期，請向發卡單位辦理展期或換發。",
        "The certificate has expired. Renew it with the issuing authority." },
    ErrorInfo { CertNotYetValid, "CERT_NOT_YET_VALID", 403,
        "憑證尚未生效，請於生效日後再使用，或確認電腦日期時間正確。",
        "The certificate is not valid yet. Use it after its start date, or check the computer's "
        "clock." },
    ErrorInfo { CertKeyUsage, "CERT_KEY_USAGE", 403,
        "此憑證不能用於簽章登入，請使用卡片上的簽章用憑證。",
        "This certificate cannot be used to sign in. Use the card's signing certificate." },
    ErrorInfo { CertPolicy, "CERT_POLICY", 403, "憑證政策不符合本系統要求之保證等級。",
        "The certificate's policy does not meet the assurance level this system requires." },
    ErrorInfo { CertRevoked, "CERT_REVOKED", 403, "此憑證已被廢止或停用，請洽發卡單位。",
        "This certificate has been revoked or suspended. Contact the issuing authority." },
    ErrorInfo { RevocationUnknown, "REVOCATION_UNKNOWN", 403,
        "目前無法確認憑證是否有效（廢止清冊或線上查詢暫時無法使用），請稍後再試。",
        "The certificate's revocation status cannot be checked right now. Please try again "
        "later." },
    ErrorInfo { SignatureInvalid, "SIGNATURE_INVALID", 403,
        "卡片簽章驗證失敗，請重新操作；請確認使用本系統正式網址。",
        "The card's signature does not verify. Try again, and check that you are on the system's "
        "official address." },
    ErrorInfo { WrongCardKind, "WRONG_CARD_KIND", 422,
        "卡片種類不符：此步驟需要另一種憑證（機關憑證或自然人憑證），請更換卡片。",
        "Wrong kind of card for this step (organisation card or citizen card). Please insert the "
        "other card." },
    ErrorInfo { IdMismatch, "ID_MISMATCH", 422,
        "身分證統一編號有誤或與自然人憑證不符，請重新輸入。",
        "The national ID number is invalid or does not match the citizen card. Please re-enter "
        "it." },
    ErrorInfo { OidMismatch, "OID_MISMATCH", 409,
        "貴機關申請憑證註冊，因申請資料比對不符，需進行審核，請填聯絡資料。",
        "The card's organisation identifier does not match our records: the application needs "
        "review. Please leave your contact details." },
    ErrorInfo { ReviewPending, "REVIEW_PENDING", 409,
        "申請資料審核中，若審核通過，於下一個營業日貴機關即可重新辦理註冊。若審核不通過，"
        "本部將與貴機關聯絡。",
        "Your application is under review. If approved, your agency can register again from the "
        "next business day; if not, the bureau will contact you." },
    ErrorInfo { NotRegistered, "NOT_REGISTERED", 409, "貴機關尚未辦理憑證註冊，請先辦理首次註冊。",
        "Your agency has not registered its cards yet. Please do the first registration first." },
    ErrorInfo { AlreadyRegistered, "ALREADY_REGISTERED", 409,
        "貴機關已完成憑證註冊；如需更換憑證，請使用「更換憑證」功能。",
        "Your agency is already registered. To change a card, use the Replace certificates "
        "functions." },
    ErrorInfo { NotRegisteredCard, "NOT_REGISTERED_CARD", 403,
        "此卡片非貴機關註冊之憑證；若憑證已展期或換卡，"
        "請使用「更換憑證」功能或請授權管理者更新憑證序號。",
        "This card is not the one registered. If the card was renewed, use Replace certificates, "
        "or ask your manager to update the serial." },
    ErrorInfo { SerialFormat, "SERIAL_FORMAT", 422,
        "自然人憑證序號格式錯誤，請確認後重新輸入（16進位數字）。",
        "The citizen certificate serial is malformed. Check it and type it again (hexadecimal "
        "digits)." },
    ErrorInfo { DuplicateOperator, "DUPLICATE_OPERATOR", 409,
        "此憑證序號已授權給本機關的經辦人，請勿重複新增。",
        "This certificate serial is already authorised for an operator of your agency." },
    ErrorInfo { NoFunctions, "NO_FUNCTIONS", 422, "請至少勾選一項功能選單項目。",
        "Tick at least one function." },
    ErrorInfo { AgencyUnknown, "AGENCY_UNKNOWN", 404,
        "查無此機關代號，請確認後重新輸入；如有疑問請洽本部承保科。",
        "No agency has this code. Check it and try again, or contact the bureau." },
    ErrorInfo { AgencyCodeFormat, "AGENCY_CODE_FORMAT", 422,
        "機關代號格式錯誤，請輸入正確的機關代號。",
        "The agency code is malformed. Please type the agency's code." },
    ErrorInfo { InvalidInput, "INVALID_INPUT", 422, "輸入資料有誤，請依欄位說明修正後再送出。",
        "Some input is invalid. Correct the marked field and submit again." },
    ErrorInfo { TermsNotAccepted, "TERMS_NOT_ACCEPTED", 409, "請先閱讀並同意用戶約定條款。",
        "Please read and accept the terms of use first." },
    ErrorInfo { FlowUnknown, "FLOW_UNKNOWN", 404, "作業階段不存在，請從首頁重新開始。",
        "This session of the function does not exist. Please start again from the home page." },
    ErrorInfo { FlowExpired, "FLOW_EXPIRED", 410, "作業逾時，請從首頁重新開始。",
        "The function timed out. Please start again from the home page." },
    ErrorInfo { FlowStep, "FLOW_STEP", 409, "作業步驟順序不正確，請依畫面指示操作。",
        "Steps were done out of order. Please follow the steps on the page." },
    ErrorInfo { SessionInvalid, "SESSION_INVALID", 401, "連線階段已失效，請重新開始。",
        "Your session is no longer valid. Please start again." },
    ErrorInfo { CsrfInvalid, "CSRF_INVALID", 403, "請求驗證失敗，請重新整理頁面後再試。",
        "The request could not be verified. Reload the page and try again." },
    ErrorInfo { RateLimited, "RATE_LIMITED", 429, "請求次數過多，請稍候約一分鐘再試。",
        "Too many requests. Please wait about a minute and try again." },
    ErrorInfo { StaffNotAllowed, "STAFF_NOT_ALLOWED", 403,
        "此自然人憑證未列入管理人員名單，無法使用管理功能。",
        "This citizen card is not on the ops staff list." },
    ErrorInfo { NotFound, "NOT_FOUND", 404, "查無資料。", "Not found." },
    ErrorInfo { ReviewDecided, "REVIEW_DECIDED", 409, "此審核案件已有結果，不能再次審核。",
        "This review case has already been decided." },
    ErrorInfo { PayloadTooLarge, "PAYLOAD_TOO_LARGE", 413, "送出的資料過大。",
        "The request is too large." },
    ErrorInfo { UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", 415,
        "送出的資料格式不正確（須為 JSON），請重新整理頁面後再試。",
        "The request must be sent as JSON (Content-Type: application/json). Reload the page and "
        "try again." },
    ErrorInfo { ServerBusy, "SERVER_BUSY", 503, "系統忙碌中，請稍候再試。",
        "The server is busy. Please try again in a moment." },
    ErrorInfo { DatabaseUnavailable, "DATABASE_UNAVAILABLE", 503,
        "資料庫暫時無法使用，請稍後再試。",
        "The database is temporarily unavailable. Please try again shortly." },
    ErrorInfo { InternalError, "INTERNAL_ERROR", 500,
        "系統發生錯誤，請稍後再試；若持續發生，請洽本部。",
        "Something went wrong on our side. Please try again later; if it persists, contact the "
        "bureau." },
};

constexpr bool catalogueInEnumOrder()
{
    for (std::size_t i = 0; i < kCatalogue.size(); ++i)
        if (static_cast<std::size_t>(kCatalogue[i].code) != i)
            return false;
    return true;
}
static_assert(catalogueInEnumOrder(), "kCatalogue must list every ErrorCode in enum order");
static_assert(kCatalogue.size() == static_cast<std::size_t>(InternalError) + 1);

} // namespace

const ErrorInfo& errorInfo(ErrorCode code)
{
    return kCatalogue.at(static_cast<std::size_t>(code));
}

int retryAfterSeconds(ErrorCode code)
{
    // A database restart takes a few seconds; the server reconnects by itself.
    return code == DatabaseUnavailable ? 5 : 0;
}

bool isServerFailure(ErrorCode code)
{
    return code == InternalError || code == DatabaseUnavailable;
}

std::string_view toString(ErrorCode code)
{
    return errorInfo(code).name;
}

std::optional<ErrorCode> errorCodeFromString(std::string_view name)
{
    for (const auto& info : kCatalogue)
        if (info.name == name)
            return info.code;
    return std::nullopt;
}

Error::Error(ErrorCode code, std::string detail, std::string field)
    : std::runtime_error(std::string(toString(code)) + (detail.empty() ? "" : ": " + detail))
    , code_(code)
    , detail_(std::move(detail))
    , field_(std::move(field))
{
}

Error& Error::withFact(std::string key, std::string value)
{
    facts_[std::move(key)] = std::move(value);
    return *this;
}

std::string Error::messageZh() const
{
    return messageZh_.empty() ? std::string(errorInfo(code_).messageZh) : messageZh_;
}

std::string Error::messageEn() const
{
    return messageEn_.empty() ? std::string(errorInfo(code_).messageEn) : messageEn_;
}

Error& Error::withMessage(std::string zh, std::string en)
{
    messageZh_ = std::move(zh);
    messageEn_ = std::move(en);
    return *this;
}

} // namespace certgate::core
