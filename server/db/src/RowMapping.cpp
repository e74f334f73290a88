#include "RowMapping.hpp"

#include "RecordCodec.hpp"

#include <certgate/core/Error.hpp>

namespace certgate::db {

void readColumn(const soci::values& row, const std::string& name, std::string& value)
{
    value = row.get<std::string>(name);
}

void readColumn(const soci::values& row, const std::string& name, std::int64_t& value)
{
    switch (row.get_properties(name).get_data_type()) {
    case soci::dt_integer:
        value = row.get<int>(name);
        return;
    case soci::dt_long_long:
        value = row.get<long long>(name);
        return;
    case soci::dt_unsigned_long_long:
        value = static_cast<std::int64_t>(row.get<unsigned long long>(name));
        return;
    default:
        throw core::Error(core::ErrorCode::InternalError, "column " + name + " is not an integer");
    }
}

void readColumn(
    const soci::values& row, const std::string& name, std::optional<std::int64_t>& value)
{
    value.reset();
    if (row.get_indicator(name) != soci::i_null)
        readColumn(row, name, value.emplace());
}

void readColumn(const soci::values& row, const std::string& name, std::vector<std::string>& value)
{
    value = decodeStringList(row.get<std::string>(name));
}

void readColumn(const soci::values& row, const std::string& name, core::FlowState& value)
{
    value = decodeFlowState(row.get<std::string>(name));
}

void readColumn(const soci::values& row, const std::string& name, core::ReceiptKind& value)
{
    value = receiptKindFromColumn(row.get<std::string>(name));
}

void readColumn(const soci::values& row, const std::string& name, core::ReceiptStatus& value)
{
    value = receiptStatusFromColumn(row.get<std::string>(name));
}

void readColumn(const soci::values& row, const std::string& name, core::ReviewStatus& value)
{
    value = reviewStatusFromColumn(row.get<std::string>(name));
}

void writeColumn(soci::values& row, const std::string& name, const std::string& value)
{
    row.set(name, value);
}

void writeColumn(soci::values& row, const std::string& name, std::int64_t value)
{
    row.set(name, static_cast<long long>(value));
}

void writeColumn(
    soci::values& row, const std::string& name, const std::optional<std::int64_t>& value)
{
    row.set(name, static_cast<long long>(value.value_or(0)), value ? soci::i_ok : soci::i_null);
}

void writeColumn(soci::values& row, const std::string& name, const std::vector<std::string>& value)
{
    row.set(name, encodeStringList(value));
}

void writeColumn(soci::values& row, const std::string& name, const core::FlowState& value)
{
    row.set(name, encodeFlowState(value));
}

void writeColumn(soci::values& row, const std::string& name, core::ReceiptKind value)
{
    row.set(name, toColumn(value));
}

void writeColumn(soci::values& row, const std::string& name, core::ReceiptStatus value)
{
    row.set(name, toColumn(value));
}

void writeColumn(soci::values& row, const std::string& name, core::ReviewStatus value)
{
    row.set(name, toColumn(value));
}

} // namespace certgate::db
