#pragma once

#include <certgate/core/FlowTypes.hpp>

#include <optional>
#include <string>
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
};

/// What a flow has gathered so far, typed (stored as Flow::state through FlowStateCodec).
/// Each function uses its own part; the comments say whose it is.
struct FlowState {
    std::string client; ///< the address that started the flow (capped)
    bool termsAccepted = false; ///< registration changes (§四, §六)
    /// The organisation card checked (registration changes, authorisation, OID query).
    std::optional<CheckedCard> organisation;
    /// An organisation card whose identifier differs from master data: awaits a review
    /// application (registration changes that present a new organisation card).
    std::optional<CheckedCard> mismatch;
    std::string approvedReviewId; ///< the approved review that let a mismatching card through
    std::optional<CheckedCard> manager; ///< registration changes, authorisation
    std::optional<CardDetails> citizen; ///< serial query, operator and staff login
    std::optional<ReceiptView> receipt; ///< what a completed registration change answered
    std::vector<AgencyGrant> grants; ///< operator login: the agencies that authorised the card
    std::string staffId; ///< staff login: who the card authenticated
    bool staffLoginTaken = false; ///< staff login: redeemed for a staff session once
};

/// Flow::state's text (JSON) and back. Text that is not a flow state reads as an empty one
/// only when empty; malformed text throws core::Error(InternalError).
std::string encodeFlowState(const FlowState& state);
FlowState decodeFlowState(const std::string& text);

} // namespace certgate::core
