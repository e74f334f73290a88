#pragma once

#include "DatabaseFixture.hpp"

#include <certgate/core/Records.hpp>

#include <string>
#include <tuple>

namespace certgate::db::test {

// Records with every field set to something distinctive (Chinese text, long base64), and
// the tuple of their fields for comparisons: the core structs have no operator==.

/// Long base64 text such as a certificate's DER (about 8 KiB).
inline std::string longBase64(char seed = 'M')
{
    static constexpr char alphabet[]
        = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (std::size_t i = 0; i < 8192; ++i)
        out += alphabet[(i * 7 + static_cast<std::size_t>(seed)) % 64];
    return out + "==";
}

inline core::CertificateRef certificate(const std::string& serial, const std::string& ca = "moica")
{
    core::CertificateRef cert;
    cert.ca = ca;
    cert.issuer = "CN=內政部憑證管理中心,O=行政院,C=TW";
    cert.issuerKeyId = "E7F6D8A1B2C3D4E5F60718293A4B5C6D7E8F9012";
    cert.serial = serial;
    cert.subject = "CN=王小明,SERIALNUMBER=0000000112345678,C=TW";
    cert.notBefore = T0 - 86400 * 365;
    cert.notAfter = T0 + 86400 * 365 * 5;
    cert.derBase64 = longBase64(serial.empty() ? 'x' : serial[0]);
    return cert;
}

inline core::Agency agency(const std::string& code, const std::string& name = "臺北市政府")
{
    return { code, name, "臺北市", "gca", "2.16.886.101.20003.20065." + code, T0 };
}

inline core::OrganisationCertificate orgCertificate(
    const std::string& id, const std::string& agencyCode)
{
    core::OrganisationCertificate c;
    c.id = id;
    c.agencyCode = agencyCode;
    c.cert = certificate("4A5B6C7D8E9F00112233445566778899", "gca");
    c.cert.subject = "CN=臺北市政府,OU=" + agencyCode + ",O=行政院,C=TW";
    c.identifier = "2.16.886.101.20003.20065." + agencyCode;
    c.identifierType = "agency-oid";
    c.organisationName = "臺北市政府";
    c.registeredAt = T0 + 10;
    return c;
}

inline core::Manager manager(const std::string& id, const std::string& agencyCode)
{
    core::Manager m;
    m.id = id;
    m.agencyCode = agencyCode;
    m.name = "陳美玲";
    m.email = "chen@example.gov.tw";
    m.phone = "(02)2701-3411";
    m.extension = "5312";
    m.nationalIdEnc = "v1:" + longBase64('e').substr(0, 96);
    m.nationalIdHash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    m.cert = certificate("0A1B2C3D4E5F6071");
    m.registeredAt = T0 + 20;
    return m;
}

inline core::Operator op(
    const std::string& id, const std::string& agencyCode, const std::string& serial)
{
    core::Operator o;
    o.id = id;
    o.agencyCode = agencyCode;
    o.certIssuer = "CN=內政部憑證管理中心,O=行政院,C=TW";
    o.certIssuerKeyId = "E7F6D8A1B2C3D4E5F60718293A4B5C6D7E8F9012";
    o.certSerial = serial;
    o.name = "林志豪";
    o.nationalIdEnc = "v1:ciphertext-" + id;
    o.nationalIdHash = "hash-" + id;
    o.functions = { "insurance.enrol", "保險費查詢", "quote\"back\\slash,comma", "tab\there" };
    o.createdAt = T0 + 30;
    o.updatedAt = T0 + 31;
    return o;
}

inline core::Review review(
    const std::string& id, const std::string& agencyCode, std::int64_t createdAt)
{
    core::Review r;
    r.id = id;
    r.agencyCode = agencyCode;
    r.receiptId = "receipt-" + id;
    r.flowType = "first-registration";
    r.applicantName = "張大同";
    r.applicantPhone = "0912-345-678";
    r.presentedCa = "gca";
    r.presentedIdentifier = "2.16.886.101.99999";
    r.presentedOrganisationName = "臺北市政府（舊）";
    r.expectedIdentifier = "2.16.886.101.20003.20065." + agencyCode;
    r.presentedCert = certificate("77AA", "gca");
    r.status = core::ReviewStatus::Pending;
    r.createdAt = createdAt;
    r.note = "";
    return r;
}

inline core::Flow flow(const std::string& id)
{
    core::Flow f;
    f.id = id;
    f.type = "first-registration";
    f.sessionHash = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8";
    f.csrfToken = "csrf-" + id;
    f.step = "organisation-card";
    f.state.client = "10.0.0.1";
    f.state.cards.citizen = core::CardDetails {};
    f.state.cards.citizen->organisationName = "臺北市政府";
    f.state.cards.citizen->name = R"(quote "x")";
    f.state.of<core::RegistrationChangeState>().termsAccepted = true;
    f.agencyCode = "A0001";
    f.createdAt = T0;
    f.expiresAt = T0 + 1800;
    f.version = 1;
    return f;
}

inline core::Nonce nonce(const std::string& value, const std::string& flowId,
    const std::string& purpose = "organisation-card", std::int64_t expiresAt = T0 + 300)
{
    return { value, flowId, purpose, T0, expiresAt };
}

inline core::Staff staff(const std::string& id, const std::string& serial)
{
    return { id, "黃小華", "CN=內政部憑證管理中心,O=行政院,C=TW", serial, "reviewer", T0,
        std::nullopt };
}

inline core::AuditEvent auditEvent(std::int64_t seq)
{
    core::AuditEvent e;
    e.seq = seq;
    e.at = T0 + seq;
    e.actor = "agency:A0001";
    e.action = "registration.confirm";
    e.outcome = seq % 2 ? "ok" : "refused";
    e.errorCode = seq % 2 ? "" : "OID_MISMATCH";
    e.agencyCode = "A0001";
    e.subject = "R20251127" + std::to_string(seq);
    e.details = R"({"id":"A12345****","說明":"測試"})";
    e.prevHash = std::string(64, static_cast<char>('a' + (seq % 6)));
    e.hash = std::string(64, static_cast<char>('0' + (seq % 10)));
    return e;
}

// Field tuples (comparable and printable by GoogleTest).

inline auto fields(const core::CertificateRef& c)
{
    return std::tie(
        c.ca, c.issuer, c.issuerKeyId, c.serial, c.subject, c.notBefore, c.notAfter, c.derBase64);
}
inline auto fields(const core::Agency& a)
{
    return std::tie(a.code, a.name, a.region, a.expectedCa, a.expectedIdentifier, a.updatedAt);
}
inline auto fields(const core::OrganisationCertificate& c)
{
    return std::tuple_cat(std::tie(c.id, c.agencyCode), fields(c.cert),
        std::tie(c.identifier, c.identifierType, c.organisationName, c.registeredAt, c.replacedAt));
}
inline auto fields(const core::Manager& m)
{
    return std::tuple_cat(std::tie(m.id, m.agencyCode, m.name, m.email, m.phone, m.extension,
                              m.nationalIdEnc, m.nationalIdHash),
        fields(m.cert), std::tie(m.registeredAt, m.replacedAt));
}
inline auto fields(const core::Registration& r)
{
    return std::tie(r.agencyCode, r.orgCertificateId, r.managerId, r.registeredAt, r.updatedAt);
}
inline auto fields(const core::Operator& o)
{
    return std::tie(o.id, o.agencyCode, o.certIssuer, o.certIssuerKeyId, o.certSerial, o.name,
        o.nationalIdEnc, o.nationalIdHash, o.functions, o.createdAt, o.updatedAt, o.deletedAt);
}
inline auto fields(const core::Receipt& r)
{
    return std::tie(r.id, r.number, r.agencyCode, r.kind, r.status, r.receivedAt, r.reviewId);
}
inline auto fields(const core::Review& r)
{
    return std::tuple_cat(std::tie(r.id, r.agencyCode, r.receiptId, r.flowType, r.applicantName,
                              r.applicantPhone, r.presentedCa, r.presentedIdentifier,
                              r.presentedOrganisationName, r.expectedIdentifier),
        fields(r.presentedCert),
        std::tie(r.status, r.createdAt, r.decidedAt, r.decidedBy, r.note, r.effectiveFrom));
}
inline auto fields(const core::Flow& f)
{
    return std::tie(f.id, f.type, f.sessionHash, f.csrfToken, f.step, f.state, f.agencyCode,
        f.createdAt, f.expiresAt, f.version);
}
inline auto fields(const core::Staff& s)
{
    return std::tie(s.id, s.name, s.certIssuer, s.certSerial, s.role, s.createdAt, s.disabledAt);
}
inline auto fields(const core::StaffSession& s)
{
    return std::tie(s.idHash, s.staffId, s.csrfToken, s.createdAt, s.expiresAt);
}
inline auto fields(const core::AuditEvent& e)
{
    return std::tie(e.seq, e.at, e.actor, e.action, e.outcome, e.errorCode, e.agencyCode, e.subject,
        e.details, e.prevHash, e.hash);
}

} // namespace certgate::db::test
