#pragma once

#include <certgate/core/Records.hpp>

#include <string>
#include <vector>

namespace certgate::db {

// How enums and lists are spelled in the database. These strings are part of the schema:
// stored rows depend on them, so never rename one (add a migration instead).

std::string toColumn(core::ReceiptKind kind);
std::string toColumn(core::ReceiptStatus status);
std::string toColumn(core::ReviewStatus status);
core::ReceiptKind receiptKindFromColumn(const std::string& text);
core::ReceiptStatus receiptStatusFromColumn(const std::string& text);
core::ReviewStatus reviewStatusFromColumn(const std::string& text);

/// Operator functions as a JSON array of strings; decodes exactly what it encodes (and any
/// JSON array of strings). Throws core::Error(InternalError) on anything else.
std::string encodeStringList(const std::vector<std::string>& items);
std::vector<std::string> decodeStringList(const std::string& json);

/// A flow's state as the flows table keeps it (JSON, the keys flows in progress were stored
/// with before the state was typed) and back. Only empty text reads as an empty state;
/// malformed text throws core::Error(InternalError).
std::string encodeFlowState(const core::FlowState& state);
core::FlowState decodeFlowState(const std::string& text);

} // namespace certgate::db
