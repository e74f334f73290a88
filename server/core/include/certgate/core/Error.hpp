#pragma once

#include <certgate/core/ErrorCode.hpp>

#include <map>
#include <stdexcept>
#include <string>

namespace certgate::core {

/// The one exception type of the domain. Carries a stable code (mapped to HTTP and to the
/// zh-TW/English texts by the catalogue), an optional form field it concerns, an English
/// detail for logs (never shown to users, never containing a PIN or a full national ID), and
/// further public facts for the page (e.g. the review contact, tries left).
class Error : public std::runtime_error {
public:
    explicit Error(ErrorCode code, std::string detail = {}, std::string field = {});

    ErrorCode code() const noexcept { return code_; }
    const std::string& field() const noexcept { return field_; }
    const std::string& detail() const noexcept { return detail_; }
    const std::map<std::string, std::string>& facts() const noexcept { return facts_; }
    Error& withFact(std::string key, std::string value);
    /// A public message for this refusal in place of the catalogue's (same code, a more
    /// precise reason, e.g. which CA certificate the bureau's configuration lacks).
    Error& withMessage(std::string zh, std::string en);
    /// The public message: the one given by withMessage, else the catalogue's for the code.
    std::string messageZh() const;
    std::string messageEn() const;
    /// Set once the refusal is in the audit log, so the HTTP layer's catch-all does not audit it
    /// a second time.
    void markAudited() const noexcept { audited_ = true; }
    bool audited() const noexcept { return audited_; }

private:
    ErrorCode code_;
    std::string detail_;
    std::string field_;
    std::map<std::string, std::string> facts_;
    std::string messageZh_;
    std::string messageEn_;
    mutable bool audited_ = false;
};

} // namespace certgate::core
