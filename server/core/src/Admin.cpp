#include <certgate/core/Admin.hpp>
#include <certgate/core/Crypto.hpp>
#include <certgate/core/Error.hpp>
#include <certgate/core/TextRules.hpp>

#include <algorithm>
#include <map>
#include <regex>
#include <set>

namespace certgate::core {

namespace {

std::string jsonEscape(const std::string& text)
{
    std::string out;
    for (char c : text) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20)
                out += ' ';
            else
                out += c;
        }
    }
    return out;
}

const std::vector<std::string> kCsvHeader { "code", "name", "region", "expected_ca",
    "expected_identifier" };

} // namespace

std::vector<CsvRow> parseCsv(const std::string& input)
{
    std::string_view text(input);
    if (text.starts_with("\xEF\xBB\xBF"))
        text.remove_prefix(3);
    std::vector<CsvRow> rows;
    CsvRow row;
    std::string field;
    int line = 1;
    row.line = 1;
    bool quoted = false;
    bool fieldStarted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (quoted) {
            if (c == '"') {
                if (i + 1 < text.size() && text[i + 1] == '"') {
                    field += '"';
                    ++i;
                } else {
                    quoted = false;
                }
            } else {
                if (c == '\n')
                    ++line;
                field += c;
            }
            continue;
        }
        if (c == '"' && !fieldStarted) {
            quoted = true;
            fieldStarted = true;
        } else if (c == ',') {
            row.fields.push_back(std::move(field));
            field.clear();
            fieldStarted = false;
        } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
            continue;
        } else if (c == '\n') {
            row.fields.push_back(std::move(field));
            field.clear();
            fieldStarted = false;
            bool blank = row.fields.size() == 1 && row.fields[0].empty();
            if (!blank)
                rows.push_back(std::move(row));
            row = CsvRow {};
            row.line = ++line;
        } else {
            field += c;
            fieldStarted = true;
        }
    }
    if (quoted)
        throw Error(ErrorCode::InvalidInput,
            "unterminated quoted field starting before line " + std::to_string(line));
    if (fieldStarted || !row.fields.empty()) {
        row.fields.push_back(std::move(field));
        rows.push_back(std::move(row));
    }
    return rows;
}

Admin::Admin(Storage& storage, const CaRegistry& registry, const AuditLog& audit,
    const PiiProtector& pii, const BusinessCalendar& calendar, const Clock& clock,
    const PortalSettings& settings)
    : storage_(storage)
    , registry_(registry)
    , audit_(audit)
    , pii_(pii)
    , calendar_(calendar)
    , clock_(clock)
    , settings_(settings)
{
}

void Admin::record(const Staff& staff, const std::string& action, const std::string& subject)
{
    audit_.append({ "staff:" + staff.id, action, "ok", "", "", subject, "{}" });
}

StaffSessionStart Admin::startSession(const Staff& staff)
{
    StaffSessionStart start;
    start.token = randomToken();
    start.csrfToken = randomToken();
    start.staff = staff;
    auto now = clock_.now();
    start.expiresAt = now + settings_.staffSessionSeconds;
    storage_.insertStaffSession(
        { sha256Hex(start.token), staff.id, start.csrfToken, now, start.expiresAt });
    return start;
}

Staff Admin::authenticate(const std::string& sessionToken, const std::string* csrf)
{
    if (sessionToken.empty())
        throw Error(ErrorCode::SessionInvalid, "no staff session");
    auto session = storage_.findStaffSession(sha256Hex(sessionToken));
    if (!session || session->expiresAt <= clock_.now())
        throw Error(ErrorCode::SessionInvalid, "staff session unknown or expired");
    if (csrf && !equalConstantTime(*csrf, session->csrfToken))
        throw Error(ErrorCode::CsrfInvalid);
    auto staff = storage_.findStaff(session->staffId);
    if (!staff || staff->disabledAt)
        throw Error(ErrorCode::StaffNotAllowed);
    return *staff;
}

void Admin::endSession(const std::string& sessionToken)
{
    if (!sessionToken.empty())
        storage_.deleteStaffSession(sha256Hex(sessionToken));
}

std::vector<Review> Admin::reviews(std::optional<ReviewStatus> status, int limit, int offset)
{
    return storage_.listReviews(status, limit, offset);
}

Review Admin::review(const std::string& id)
{
    auto review = storage_.findReview(id);
    if (!review)
        throw Error(ErrorCode::NotFound, "no such review");
    return *review;
}

Review Admin::decide(
    const Staff& staff, const std::string& reviewId, bool approve, const std::string& noteInput)
{
    auto note = text::trimmed(noteInput);
    if (note.size() > 1000)
        throw Error(ErrorCode::InvalidInput, "note too long", "note");
    if (text::findForbiddenCharacter(note, "\n") != std::string::npos)
        throw Error(ErrorCode::InvalidInput, "note has a control or invisible formatting character",
            "note");
    if (!approve && note.empty())
        throw Error(ErrorCode::InvalidInput, "a rejection needs a note", "note");
    Review decided;
    storage_.transaction([&](Storage& tx) {
        auto review = tx.findReview(reviewId);
        if (!review)
            throw Error(ErrorCode::NotFound, "no such review");
        // Two staff deciding at once: the second waits for the first and reads its decision.
        tx.lockAgency(review->agencyCode);
        review = tx.findReview(reviewId);
        if (!review)
            throw Error(ErrorCode::NotFound, "no such review");
        if (review->status != ReviewStatus::Pending)
            throw Error(ErrorCode::ReviewDecided);
        auto now = clock_.now();
        review->status = approve ? ReviewStatus::Approved : ReviewStatus::Rejected;
        review->decidedAt = now;
        review->decidedBy = staff.id;
        review->note = note;
        if (approve)
            review->effectiveFrom = calendar_.nextBusinessDayStart(now);
        tx.updateReview(*review);
        tx.updateReceiptStatus(
            review->receiptId, approve ? ReceiptStatus::Approved : ReceiptStatus::Rejected);
        audit_.append(tx,
            { "staff:" + staff.id, approve ? "review.approve" : "review.reject", "ok", "",
                review->agencyCode, review->id,
                "{\"note\":\"" + jsonEscape(note) + "\",\"effectiveFrom\":"
                    + (review->effectiveFrom ? std::to_string(*review->effectiveFrom)
                                             : std::string("null"))
                    + "}" });
        decided = *review;
    });
    return decided;
}

std::vector<Agency> Admin::agencies(const AgencyQuery& query)
{
    return storage_.listAgencies(query);
}
std::int64_t Admin::countAgencies(const AgencyQuery& query)
{
    return storage_.countAgencies(query);
}

ImportReport Admin::importAgencies(const std::string& actor, const std::string& csv, bool dryRun)
{
    ImportReport report;
    report.dryRun = dryRun;
    auto problem
        = [&](int line, const std::string& field, const std::string& zh, const std::string& en) {
              report.problems.push_back({ line, field, zh, en });
          };
    std::vector<CsvRow> rows;
    try {
        rows = parseCsv(csv);
    } catch (const Error& e) {
        problem(0, "", "CSV 格式錯誤：" + e.detail(), "CSV syntax error: " + e.detail());
        return report;
    }
    if (rows.empty()) {
        problem(0, "", "檔案沒有資料。", "The file is empty.");
        return report;
    }
    std::vector<std::string> header;
    for (const auto& f : rows.front().fields)
        header.push_back(text::trimmed(f));
    if (header != kCsvHeader) {
        problem(rows.front().line, "",
            "第一列必須是欄位名稱：code,name,region,expected_ca,expected_identifier",
            "The first line must be the header: code,name,region,expected_ca,expected_identifier");
        return report;
    }
    std::regex codePattern(settings_.agencyCodePattern);
    std::set<std::string> seen;
    std::vector<Agency> parsed;
    auto now = clock_.now();
    for (std::size_t i = 1; i < rows.size(); ++i) {
        const auto& row = rows[i];
        ++report.lines;
        if (row.fields.size() != kCsvHeader.size()) {
            problem(row.line, "",
                "欄位數量應為 5 個，實際為 " + std::to_string(row.fields.size()) + " 個。",
                "Expected 5 fields, found " + std::to_string(row.fields.size()) + ".");
            continue;
        }
        Agency agency;
        agency.code = text::trimmed(row.fields[0]);
        agency.name = text::trimmed(row.fields[1]);
        agency.region = text::trimmed(row.fields[2]);
        agency.expectedCa = text::trimmed(row.fields[3]);
        std::transform(agency.expectedCa.begin(), agency.expectedCa.end(),
            agency.expectedCa.begin(),
            [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        agency.expectedIdentifier = text::trimmed(row.fields[4]);
        agency.updatedAt = now;
        bool ok = true;
        if (!std::regex_match(agency.code, codePattern)) {
            problem(row.line, "code", "機關代號格式錯誤：" + agency.code,
                "Malformed agency code: " + agency.code);
            ok = false;
        } else if (!seen.insert(agency.code).second) {
            problem(row.line, "code", "機關代號重複：" + agency.code,
                "Duplicate agency code: " + agency.code);
            ok = false;
        }
        if (agency.name.empty()) {
            problem(row.line, "name", "機關名稱不可空白。", "The agency name is empty.");
            ok = false;
        } else if (text::findForbiddenCharacter(agency.name) != std::string::npos) {
            problem(row.line, "name", "機關名稱含有控制字元或不可見的格式字元。",
                "The agency name has a control or invisible formatting character.");
            ok = false;
        }
        if (agency.region.empty()) {
            problem(row.line, "region", "所在地區不可空白。", "The region is empty.");
            ok = false;
        }
        const auto* profile = registry_.profile(agency.expectedCa);
        const auto* plugin = registry_.find(agency.expectedCa);
        if (!profile || !plugin || profile->kind != plugin::CardKind::Organisation) {
            problem(row.line, "expected_ca", "不是已載入的機關憑證管理中心：" + agency.expectedCa,
                "Not a loaded organisation CA: " + agency.expectedCa);
            ok = false;
        } else if (auto reason
            = plugin->checkFormat(plugin::format::Identifier, agency.expectedIdentifier)) {
            problem(row.line, "expected_identifier",
                "機關憑證識別碼格式錯誤：" + agency.expectedIdentifier,
                "Malformed identifier for " + agency.expectedCa + ": " + agency.expectedIdentifier
                    + " (" + *reason + ")");
            ok = false;
        }
        if (ok)
            parsed.push_back(std::move(agency));
    }
    for (const auto& agency : parsed) {
        auto existing = storage_.findAgency(agency.code);
        if (!existing)
            ++report.added;
        else if (existing->name == agency.name && existing->region == agency.region
            && existing->expectedCa == agency.expectedCa
            && existing->expectedIdentifier == agency.expectedIdentifier)
            ++report.unchanged;
        else
            ++report.updated;
    }
    if (dryRun || !report.problems.empty())
        return report;
    storage_.transaction([&](Storage& tx) {
        for (const auto& agency : parsed)
            tx.upsertAgency(agency);
        audit_.append(tx,
            { actor, "agency.import", "ok", "", "", std::to_string(parsed.size()) + " agencies",
                "{\"added\":" + std::to_string(report.added)
                    + ",\"updated\":" + std::to_string(report.updated)
                    + ",\"unchanged\":" + std::to_string(report.unchanged) + "}" });
    });
    report.applied = true;
    return report;
}

RegistrationSummary Admin::registration(const std::string& agencyCode)
{
    auto registration = storage_.findRegistration(agencyCode);
    if (!registration)
        throw Error(ErrorCode::NotRegistered);
    RegistrationSummary summary;
    summary.registration = *registration;
    summary.organisation = storage_.findOrgCertificate(registration->orgCertificateId);
    summary.manager = storage_.findManager(registration->managerId);
    if (summary.manager) {
        try {
            auto id = pii_.decrypt(summary.manager->nationalIdEnc);
            summary.managerIdMasked = PiiProtector::mask(id);
            wipe(id);
        } catch (const Error&) {
            summary.managerIdMasked = "**********";
        }
        summary.manager->nationalIdEnc.clear();
        summary.manager->nationalIdHash.clear();
    }
    if (auto agency = storage_.findAgency(agencyCode))
        summary.agencyName = agency->name;
    return summary;
}

std::vector<RegistrationSummary> Admin::registrations(int limit, int offset)
{
    std::vector<RegistrationSummary> out;
    for (const auto& r : storage_.listRegistrations(limit, offset))
        out.push_back(registration(r.agencyCode));
    return out;
}

std::vector<Operator> Admin::operators(const std::string& agencyCode)
{
    auto operators = storage_.listOperators(agencyCode);
    for (auto& op : operators) {
        try {
            auto id = pii_.decrypt(op.nationalIdEnc);
            op.nationalIdEnc = PiiProtector::mask(id); // masked for display; never the clear value
            wipe(id);
        } catch (const Error&) {
            op.nationalIdEnc = "**********";
        }
        op.nationalIdHash.clear();
    }
    return operators;
}

std::vector<Receipt> Admin::receipts(const std::string& agencyCode)
{
    return storage_.listReceipts(agencyCode);
}

std::vector<AuditEvent> Admin::auditEvents(int limit, int offset)
{
    return storage_.listAuditEventsNewestFirst(limit, offset);
}

AuditLog::Verification Admin::verifyAudit()
{
    return audit_.verify();
}

Staff Admin::addStaff(const std::string& actor, const std::string& nameInput,
    const std::string& issuer, const std::string& serialInput, const std::string& role)
{
    auto name = text::requireText(nameInput, "name", 60);
    if (issuer.empty())
        throw Error(ErrorCode::InvalidInput, "issuer is required", "issuer");
    auto serial = text::normaliseSerial(serialInput);
    if (serial.empty() || serial.size() > 40
        || serial.find_first_not_of("0123456789ABCDEF") != std::string::npos)
        throw Error(ErrorCode::SerialFormat, "", "serial");
    if (role != "admin" && role != "reviewer")
        throw Error(ErrorCode::InvalidInput, "role must be admin or reviewer", "role");
    if (auto existing = storage_.findStaffByCertificate(issuer, serial);
        existing && !existing->disabledAt)
        return *existing;
    Staff staff { randomId(), name, issuer, serial, role, clock_.now(), std::nullopt };
    storage_.transaction([&](Storage& tx) {
        tx.insertStaff(staff);
        audit_.append(
            tx, { actor, "staff.add", "ok", "", "", staff.id, "{\"serial\":\"" + serial + "\"}" });
    });
    return staff;
}

void Admin::disableStaff(const std::string& actor, const std::string& staffId)
{
    storage_.transaction([&](Storage& tx) {
        auto staff = tx.findStaff(staffId);
        if (!staff)
            throw Error(ErrorCode::NotFound, "no such staff member");
        staff->disabledAt = clock_.now();
        tx.updateStaff(*staff);
        audit_.append(tx, { actor, "staff.disable", "ok", "", "", staffId, "{}" });
    });
}

std::vector<Staff> Admin::staff()
{
    return storage_.listStaff();
}

} // namespace certgate::core
