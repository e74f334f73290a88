#pragma once

#include <certgate/core/Admin.hpp>
#include <certgate/core/Error.hpp>
#include <certgate/core/Portal.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <initializer_list>
#include <utility>

namespace certgate::http {

using JsonObject = Poco::JSON::Object::Ptr;
using JsonArray = Poco::JSON::Array::Ptr;
using JsonField = std::pair<const char*, Poco::Dynamic::Var>;

/// An object of these members, in this order: `objectOf({ { "id", id }, { "at", isoTime(at) } })`.
JsonObject objectOf(std::initializer_list<JsonField> fields);
/// `toJson(item)` of each item, in order.
template <typename Items, typename ToJson> JsonArray arrayOf(const Items& items, ToJson toJson)
{
    JsonArray array = new Poco::JSON::Array;
    for (const auto& item : items)
        array->add(toJson(item));
    return array;
}

/// {"error": CODE, "message": zh-TW, "messageEn": English, "field"?: ..., facts...}
JsonObject errorToJson(const core::Error& error);
JsonObject cardToJson(const core::CardDetails& card);
JsonObject flowViewToJson(const core::FlowView& view);
JsonObject receiptToJson(const core::ReceiptView& receipt);
JsonObject sectionToJson(const core::SectionContact& section);
JsonObject reviewToJson(const core::Review& review);
JsonObject agencyToJson(const core::Agency& agency);
JsonObject auditToJson(const core::AuditEvent& event);
JsonObject certificateRefToJson(const core::CertificateRef& ref);
JsonObject staffToJson(const core::Staff& staff);
JsonArray stringsToJson(const std::vector<std::string>& strings);
/// ISO 8601 UTC ("2026-11-27T09:00:00Z") for people and pages; epoch seconds stay beside it.
std::string isoTime(std::int64_t seconds);

} // namespace certgate::http
