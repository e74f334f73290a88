#include "Functions.hpp"

namespace certgate::core {

// §七 查詢申請案件: anyone may list an agency's receipts by its code; the query is limited per
// client address (the limit is held in the database, so it holds across instances).

ReceiptsAnswer ReceiptQuery::receipts(const std::string& agencyCodeInput, const std::string& client)
{
    auto& storage = engine_.storage();
    engine_.limit("receipts:" + client, engine_.settings().receiptQueriesPerMinute);
    auto agencyCode = engine_.agencyCode(agencyCodeInput);
    auto agency = storage.findAgency(agencyCode);
    if (!agency)
        throw Error(ErrorCode::AgencyUnknown, "", "agencyCode");
    ReceiptsAnswer answer { agency->code, agency->name, {} };
    for (const auto& receipt : storage.listReceipts(agencyCode))
        answer.receipts.push_back(receiptView(receipt));
    return answer;
}

} // namespace certgate::core
