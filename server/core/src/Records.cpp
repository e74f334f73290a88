#include <certgate/core/Portal.hpp>
#include <certgate/core/Records.hpp>

#include <array>
#include <utility>

namespace certgate::core {
namespace {

template <typename Enum, std::size_t N>
std::optional<Enum> lookup(
    const std::array<std::pair<Enum, const char*>, N>& table, const std::string& text)
{
    for (const auto& [value, name] : table)
        if (text == name)
            return value;
    return std::nullopt;
}

template <typename Enum, std::size_t N>
const char* name(const std::array<std::pair<Enum, const char*>, N>& table, Enum value)
{
    for (const auto& [v, n] : table)
        if (v == value)
            return n;
    return "unknown";
}

constexpr std::array<std::pair<ReceiptKind, const char*>, 5> kReceiptKinds { {
    { ReceiptKind::FirstRegistration, "first-registration" },
    { ReceiptKind::ReplaceOrganisation, "replace-organisation" },
    { ReceiptKind::ReplaceManager, "replace-manager" },
    { ReceiptKind::ReplaceBoth, "replace-both" },
    { ReceiptKind::ReviewApplication, "review-application" },
} };
constexpr std::array<std::pair<ReceiptStatus, const char*>, 4> kReceiptStatuses { {
    { ReceiptStatus::Done, "done" },
    { ReceiptStatus::UnderReview, "under-review" },
    { ReceiptStatus::Approved, "approved" },
    { ReceiptStatus::Rejected, "rejected" },
} };
constexpr std::array<std::pair<ReviewStatus, const char*>, 3> kReviewStatuses { {
    { ReviewStatus::Pending, "pending" },
    { ReviewStatus::Approved, "approved" },
    { ReviewStatus::Rejected, "rejected" },
} };

} // namespace

const char* toString(ReceiptKind kind)
{
    return name(kReceiptKinds, kind);
}
const char* toString(ReceiptStatus status)
{
    return name(kReceiptStatuses, status);
}
const char* toString(ReviewStatus status)
{
    return name(kReviewStatuses, status);
}
std::optional<ReceiptKind> receiptKindFromString(const std::string& text)
{
    return lookup(kReceiptKinds, text);
}
std::optional<ReceiptStatus> receiptStatusFromString(const std::string& text)
{
    return lookup(kReceiptStatuses, text);
}
std::optional<ReviewStatus> reviewStatusFromString(const std::string& text)
{
    return lookup(kReviewStatuses, text);
}

namespace flow {
bool isKnown(const std::string& type)
{
    for (const char* known : { FirstRegistration, Authorisation, ReplaceOrganisation,
             ReplaceManager, ReplaceBoth, QueryOid, QuerySerial, OperatorLogin, StaffLogin })
        if (type == known)
            return true;
    return false;
}
} // namespace flow

} // namespace certgate::core
