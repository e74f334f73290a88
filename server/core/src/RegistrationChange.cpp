#include "Functions.hpp"

#include <certgate/core/Crypto.hpp>
#include <certgate/core/TextRules.hpp>

#include <Poco/Logger.h>

#include <chrono>
#include <thread>

namespace certgate::core {

namespace {
constexpr std::size_t kMaxNameLength = 60;
constexpr std::size_t kMaxEmailLength = 254;
constexpr std::size_t kMaxPhoneLength = 20;

/// The contact typed at confirmation is the manager's.
void setContact(Manager& manager, const ContactDetails& contact)
{
    manager.name = contact.name;
    manager.email = contact.email;
    manager.phone = contact.phone;
    manager.extension = contact.extension;
}
} // namespace

FlowResult RegistrationChange::acceptTerms(Loaded& loaded)
{
    if (loaded.flow.step != step::Terms)
        throw Error(ErrorCode::FlowStep, "terms are not the current step");
    loaded.flow.state.of<RegistrationChangeState>().termsAccepted = true;
    loaded.flow.step = step::Organisation;
    return engine_.saveAudited(loaded, false,
        { "anonymous", "flow.terms", "ok", "", "", loaded.flow.type,
            R"({"flow":")" + loaded.flow.id + "\"}" });
}

void RegistrationChange::checkAgencyOpen(const Agency& agency)
{
    // The manual: "申請資料審核通過前,於憑證註冊步驟皆會出現上圖訊息" — the registration steps
    // (first registration and the replacements). Authorisation of an agency that is already
    // registered keeps working while one of its replacements is under review, so its
    // operators are not locked out; the OID query needs no registration at all.
    auto now = engine_.clock().now();
    for (const auto& review : engine_.storage().listAgencyReviews(agency.code)) {
        bool pending = review.status == ReviewStatus::Pending;
        bool notYetEffective = review.status == ReviewStatus::Approved && review.effectiveFrom
            && *review.effectiveFrom > now;
        if (pending || notYetEffective) {
            auto error = engine_.withSection(
                Error(ErrorCode::ReviewPending, "review " + review.id + " is open"), agency);
            if (notYetEffective)
                error.withFact("effectiveFrom", std::to_string(*review.effectiveFrom));
            throw error;
        }
    }
}

bool RegistrationChange::identifierMatches(
    const Agency& agency, const VerifiedCard& card, std::string* approvedReviewId)
{
    if (card.ca == agency.expectedCa && card.identity.identifier == agency.expectedIdentifier)
        return true;
    auto now = engine_.clock().now();
    for (const auto& review : engine_.storage().listAgencyReviews(agency.code)) {
        if (review.status == ReviewStatus::Approved && review.effectiveFrom
            && *review.effectiveFrom <= now && review.presentedCa == card.ca
            && review.presentedIdentifier == card.identity.identifier) {
            *approvedReviewId = review.id;
            return true;
        }
    }
    return false;
}

FlowResult RegistrationChange::organisationCard(
    Loaded& loaded, const CardInput& input, std::string& agencyTried)
{
    auto presented = presentOrganisation(loaded, input, agencyTried,
        [&](const Agency& agency, const std::optional<Registration>& registration) {
            checkAgencyOpen(agency);
            checkRegistration(registration);
        });
    const auto& card = presented.card;
    if (newOrganisation_) {
        std::string approvedReview;
        if (!identifierMatches(presented.agency, card, &approvedReview))
            return holdForReview(loaded, presented.agency, card);
        loaded.flow.state.of<RegistrationChangeState>().approvedReviewId = approvedReview;
    } else {
        requireRegisteredOrganisation(*presented.registration, card);
    }
    return acceptOrganisation(loaded, card, step::Manager, "flow.organisation-card");
}

FlowResult RegistrationChange::holdForReview(
    Loaded& loaded, const Agency& agency, const VerifiedCard& card)
{
    // 申請資料比對不符: keep the card and ask for the applicant's contact (manual 圖3-6). The
    // flow moves on to the review step, so this is an answer with a new session like any card
    // step, carrying OID_MISMATCH as its notice.
    loaded.flow.state.of<RegistrationChangeState>().mismatch = engine_.checked(card);
    loaded.flow.step = step::Review;
    auto result = engine_.save(loaded, true);
    auto notice = engine_.withSection(Error(ErrorCode::OidMismatch,
                                          "card identifier " + card.identity.identifier
                                              + " expected " + agency.expectedIdentifier),
        agency);
    // Always written: it took a valid card and a fresh nonce, so it cannot be flooded.
    engine_.refuse("flow.organisation-card", notice, agency.code, {});
    result.notice = notice;
    return result;
}

FlowResult RegistrationChange::reviewApplication(
    Loaded& loaded, const std::string& applicantName, const std::string& applicantPhone)
{
    const auto* change = loaded.flow.state.find<RegistrationChangeState>();
    if (loaded.flow.step != step::Review || !change || !change->mismatch)
        throw Error(ErrorCode::FlowStep, "no mismatch awaits a review application");
    auto name = text::requireText(applicantName, "applicantName", kMaxNameLength);
    auto phone = text::requireText(applicantPhone, "applicantPhone", kMaxPhoneLength);
    text::requirePhone(phone, "applicantPhone");
    auto agency = engine_.storage().findAgency(loaded.flow.agencyCode);
    if (!agency)
        throw Error(ErrorCode::AgencyUnknown);
    const auto& presented = *change->mismatch;
    auto now = engine_.clock().now();
    FlowResult result;
    engine_.storage().transaction([&](Storage& tx) {
        // As in confirm: claim the flow first, write its end state in the same transaction.
        engine_.write(tx, loaded, false);
        auto receipt = engine_.newReceipt(
            tx, agency->code, ReceiptKind::ReviewApplication, ReceiptStatus::UnderReview, now);
        Review review;
        review.id = randomId();
        review.agencyCode = agency->code;
        review.receiptId = receipt.id;
        review.flowType = loaded.flow.type;
        review.applicantName = name;
        review.applicantPhone = phone;
        review.presentedCa = presented.details.ca;
        review.presentedIdentifier = presented.details.identifier;
        review.presentedOrganisationName = presented.details.organisationName;
        review.expectedIdentifier = agency->expectedIdentifier;
        review.presentedCert = certificateRef(presented);
        review.status = ReviewStatus::Pending;
        review.createdAt = now;
        receipt.reviewId = review.id;
        tx.insertReceipt(receipt);
        tx.insertReview(review);
        engine_.audit().append(tx,
            { "agency:" + agency->code, "review.apply", "ok", "", agency->code, receipt.number,
                R"({"review":")" + review.id + R"(","presentedIdentifier":")"
                    + review.presentedIdentifier + "\"}" });
        loaded.flow.state.of<RegistrationChangeState>().receipt = receiptView(receipt);
        loaded.flow.step = step::ReviewSubmitted;
        result = engine_.write(tx, loaded, true);
    });
    result.view = engine_.render(loaded);
    return result;
}

FlowResult RegistrationChange::managerCard(Loaded& loaded, const CardInput& input)
{
    return presentManager(loaded, input, newManager_, step::Confirm);
}

FlowResult RegistrationChange::confirm(Loaded& loaded, const ContactDetails& input)
{
    if (loaded.flow.step != step::Confirm)
        throw Error(ErrorCode::FlowStep, "nothing to confirm");
    ContactDetails contact;
    contact.name = text::requireText(input.name, "name", kMaxNameLength);
    contact.email = text::requireText(input.email, "email", kMaxEmailLength);
    text::requireEmail(contact.email, "email");
    contact.phone = text::requireText(input.phone, "phone", kMaxPhoneLength);
    text::requirePhone(contact.phone, "phone");
    contact.extension = text::trimmed(input.extension);
    text::requireExtension(contact.extension, "extension");
    if (!loaded.flow.state.cards.organisation || !loaded.flow.state.cards.manager)
        throw Error(ErrorCode::FlowStep, "both cards are needed before confirming");

    const auto agencyCode = loaded.flow.agencyCode;
    auto now = engine_.clock().now();
    FlowResult result;
    engine_.storage().transaction([&](Storage& tx) {
        // The flow first: a second confirm of it (a double click, another instance) waits
        // here until this transaction ends, then finds the flow moved on and writes nothing.
        // Its end state is written below, in this same transaction.
        engine_.write(tx, loaded, false);
        // Then the agency: two flows of one agency (two people, two instances) change its
        // registration one after the other, each seeing what the other wrote.
        tx.lockAgency(agencyCode);
        auto registration = tx.findRegistration(agencyCode);
        checkRegistration(registration);
        if (registration)
            engine_.requireCurrentCards(tx, loaded, !newOrganisation_, !newManager_);
        Registration next = registration.value_or(Registration { agencyCode, "", "", now, now });
        next.updatedAt = now;
        if (newOrganisation_)
            writeOrganisation(tx, loaded, registration, next, now);
        writeManager(tx, loaded, contact, registration, next, now);
        if (registration)
            tx.updateRegistration(next);
        else
            tx.insertRegistration(next);
        const auto pauseMs = engine_.settings().testPauseInsideConfirmMs;
        if (pauseMs > 0) {
            // TESTING ONLY: hold the transaction open with half the rows written, so a crash
            // test can kill the server here (issue 5 item 8).
            Poco::Logger::get("certgate.core")
                .warning("TESTING ONLY: confirm of %s paused inside its transaction", agencyCode);
            std::this_thread::sleep_for(std::chrono::milliseconds(pauseMs));
        }
        auto receipt = engine_.newReceipt(tx, agencyCode, kind_, ReceiptStatus::Done, now);
        tx.insertReceipt(receipt);
        engine_.audit().append(tx,
            { "agency:" + agencyCode, std::string("registration.") + loaded.flow.type, "ok", "",
                agencyCode, receipt.number,
                R"({"organisationSerial":")" + loaded.flow.state.cards.organisation->details.serial
                    + R"(","managerSerial":")" + loaded.flow.state.cards.manager->details.serial
                    + "\"}" });
        loaded.flow.state.of<RegistrationChangeState>().receipt = receiptView(receipt);
        loaded.flow.step = step::Done;
        result = engine_.write(tx, loaded, false);
    });
    result.view = engine_.render(loaded);
    return result;
}

void RegistrationChange::writeOrganisation(Storage& tx, const Loaded& loaded,
    const std::optional<Registration>& registration, Registration& next, std::int64_t now)
{
    const auto& org = *loaded.flow.state.cards.organisation;
    OrganisationCertificate certificate;
    certificate.id = randomId();
    certificate.agencyCode = next.agencyCode;
    certificate.cert = certificateRef(org);
    certificate.identifier = org.details.identifier;
    certificate.identifierType = org.details.identifierType;
    certificate.organisationName = org.details.organisationName;
    certificate.registeredAt = now;
    if (registration)
        tx.markOrgCertificateReplaced(registration->orgCertificateId, now);
    tx.insertOrgCertificate(certificate);
    next.orgCertificateId = certificate.id;
    const auto* change = loaded.flow.state.find<RegistrationChangeState>();
    if (!change || change->approvedReviewId.empty())
        return;
    // An approved review makes the presented identifier the agency's master data.
    auto agency = tx.findAgency(next.agencyCode);
    if (!agency)
        return;
    auto previous = agency->expectedIdentifier;
    agency->expectedCa = certificate.cert.ca;
    agency->expectedIdentifier = certificate.identifier;
    agency->updatedAt = now;
    tx.upsertAgency(*agency);
    engine_.audit().append(tx,
        { "agency:" + next.agencyCode, "agency.identifier-updated", "ok", "", next.agencyCode,
            change->approvedReviewId,
            R"({"from":")" + previous + R"(","to":")" + certificate.identifier + "\"}" });
}

void RegistrationChange::writeManager(Storage& tx, const Loaded& loaded,
    const ContactDetails& contact, const std::optional<Registration>& registration,
    Registration& next, std::int64_t now)
{
    if (!newManager_) {
        // The registered manager stays; the contact typed at confirmation is theirs.
        auto manager = tx.findManager(next.managerId);
        if (!manager)
            throw Error(ErrorCode::InternalError, "registered manager record missing");
        setContact(*manager, contact);
        tx.updateManagerContact(*manager);
        return;
    }
    const auto& mgr = *loaded.flow.state.cards.manager;
    Manager manager;
    manager.id = randomId();
    manager.agencyCode = next.agencyCode;
    setContact(manager, contact);
    manager.nationalIdEnc = mgr.nationalIdEnc;
    manager.nationalIdHash = mgr.nationalIdHash;
    manager.cert = certificateRef(mgr);
    manager.registeredAt = now;
    if (registration)
        tx.markManagerReplaced(registration->managerId, now);
    tx.insertManager(manager);
    next.managerId = manager.id;
}

} // namespace certgate::core
