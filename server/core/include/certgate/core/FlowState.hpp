#pragma once

#include <certgate/core/Error.hpp>
#include <certgate/core/FlowTypes.hpp>

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace certgate::core {

/// A card a flow step verified, as the flow keeps it until the function ends: what the pages
/// show, and the certificate itself for the records the function writes.
struct CheckedCard {
    CardDetails details;
    std::string issuerKeyId;
    std::string derBase64;
    /// The manager card step only: the typed national ID, encrypted and keyed-hashed.
    std::string nationalIdEnc;
    std::string nationalIdHash;

    bool operator==(const CheckedCard&) const = default;
};

/// The cards a flow's card steps checked: the steps the functions share (FlowFunction) keep
/// them here, each function reads the ones it asked for.
struct CheckedCards {
    /// Registration changes, authorisation, the OID query.
    std::optional<CheckedCard> organisation;
    std::optional<CheckedCard> manager; ///< registration changes, authorisation
    std::optional<CardDetails> citizen; ///< serial query, operator and staff login

    bool operator==(const CheckedCards&) const = default;
};

/// First registration and the three replacements (§四, §六): RegistrationChange's own state.
struct RegistrationChangeState {
    bool termsAccepted = false;
    /// An organisation card whose identifier differs from master data: awaits a review
    /// application (the changes that present a new organisation card).
    std::optional<CheckedCard> mismatch;
    std::string approvedReviewId; ///< the approved review that let a mismatching card through
    std::optional<ReceiptView> receipt; ///< what the completed change answered

    bool operator==(const RegistrationChangeState&) const = default;
};

/// Operator login: the agencies that authorised the card.
struct OperatorLoginState {
    std::vector<AgencyGrant> grants;

    bool operator==(const OperatorLoginState&) const = default;
};

/// Staff login: who the card authenticated, redeemed for a staff session once.
struct StaffLoginState {
    std::string staffId;
    bool taken = false;

    bool operator==(const StaffLoginState&) const = default;
};

/// What a flow has gathered so far, typed (the storage adapter serialises it): the
/// cards its steps checked and the state of its own function, which is one of the above or
/// nothing (authorisation and the two queries keep nothing but cards).
struct FlowState {
    std::string client; ///< the address that started the flow (capped)
    CheckedCards cards;
    std::variant<std::monostate, RegistrationChangeState, OperatorLoginState, StaffLoginState> own;

    bool operator==(const FlowState&) const = default;

    /// The function's own state, made on first use; INTERNAL_ERROR if the flow already holds
    /// another function's (a flow never changes function).
    template <typename Own> Own& of()
    {
        if (std::holds_alternative<std::monostate>(own))
            own.template emplace<Own>();
        if (auto* found = std::get_if<Own>(&own))
            return *found;
        throw Error(ErrorCode::InternalError, "the flow holds another function's state");
    }
    /// The function's own state if it has one of this type yet.
    template <typename Own> const Own* find() const { return std::get_if<Own>(&own); }
    template <typename Own> Own* find() { return std::get_if<Own>(&own); }
};

} // namespace certgate::core
