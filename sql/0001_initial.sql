-- certgate schema, version 1 (SPEC §7). Runs unchanged on SQLite 3.40 and PostgreSQL 15:
-- TEXT, BIGINT only; times are Unix seconds; certificates base64 DER; ids made by the
-- application. Rules for these files: README.md beside them.

-- Agency master data (要保機關), imported by the bureau.
CREATE TABLE agencies (
    code TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    region TEXT NOT NULL,
    expected_ca TEXT NOT NULL,
    expected_identifier TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Organisation certificates an agency registered, current and replaced (history).
CREATE TABLE org_certificates (
    id TEXT NOT NULL PRIMARY KEY,
    agency_code TEXT NOT NULL REFERENCES agencies (code),
    ca TEXT NOT NULL,
    issuer TEXT NOT NULL,
    issuer_key_id TEXT NOT NULL,
    serial TEXT NOT NULL,
    subject TEXT NOT NULL,
    not_before BIGINT NOT NULL,
    not_after BIGINT NOT NULL,
    der_base64 TEXT NOT NULL,
    identifier TEXT NOT NULL,
    identifier_type TEXT NOT NULL,
    organisation_name TEXT NOT NULL,
    registered_at BIGINT NOT NULL,
    replaced_at BIGINT
);
CREATE INDEX org_certificates_agency_idx ON org_certificates (agency_code, registered_at);

-- Managers (授權管理者), current and replaced. National IDs: ciphertext and keyed hash only.
CREATE TABLE managers (
    id TEXT NOT NULL PRIMARY KEY,
    agency_code TEXT NOT NULL REFERENCES agencies (code),
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT NOT NULL,
    extension TEXT NOT NULL,
    national_id_enc TEXT NOT NULL,
    national_id_hash TEXT NOT NULL,
    cert_ca TEXT NOT NULL,
    cert_issuer TEXT NOT NULL,
    cert_issuer_key_id TEXT NOT NULL,
    cert_serial TEXT NOT NULL,
    cert_subject TEXT NOT NULL,
    cert_not_before BIGINT NOT NULL,
    cert_not_after BIGINT NOT NULL,
    cert_der_base64 TEXT NOT NULL,
    registered_at BIGINT NOT NULL,
    replaced_at BIGINT
);
CREATE INDEX managers_agency_idx ON managers (agency_code, registered_at);

-- The current registration of an agency: which organisation certificate and manager.
CREATE TABLE registrations (
    agency_code TEXT NOT NULL PRIMARY KEY REFERENCES agencies (code),
    org_certificate_id TEXT NOT NULL REFERENCES org_certificates (id),
    manager_id TEXT NOT NULL REFERENCES managers (id),
    registered_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Operators (經辦人). Deleted ones stay with deleted_at set; a certificate (issuer + serial)
-- is authorised at most once per agency among the active ones. functions: JSON array.
CREATE TABLE operators (
    id TEXT NOT NULL PRIMARY KEY,
    agency_code TEXT NOT NULL REFERENCES agencies (code),
    cert_issuer TEXT NOT NULL,
    cert_issuer_key_id TEXT NOT NULL,
    cert_serial TEXT NOT NULL,
    name TEXT NOT NULL,
    national_id_enc TEXT NOT NULL,
    national_id_hash TEXT NOT NULL,
    functions TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE UNIQUE INDEX operators_active_certificate_uq
    ON operators (agency_code, cert_issuer, cert_serial) WHERE deleted_at IS NULL;
CREATE INDEX operators_active_serial_idx ON operators (cert_serial) WHERE deleted_at IS NULL;

-- Registration receipts (收件紀錄). review_id is '' when no review case belongs to it; no
-- foreign key, because a review case and its receipt refer to each other.
CREATE TABLE receipts (
    id TEXT NOT NULL PRIMARY KEY,
    number TEXT NOT NULL,
    agency_code TEXT NOT NULL REFERENCES agencies (code),
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    review_id TEXT NOT NULL
);
CREATE UNIQUE INDEX receipts_number_uq ON receipts (number);
CREATE INDEX receipts_agency_idx ON receipts (agency_code, received_at);

-- Review cases opened by an identifier mismatch (申請資料比對不符).
CREATE TABLE reviews (
    id TEXT NOT NULL PRIMARY KEY,
    agency_code TEXT NOT NULL REFERENCES agencies (code),
    receipt_id TEXT NOT NULL,
    flow_type TEXT NOT NULL,
    applicant_name TEXT NOT NULL,
    applicant_phone TEXT NOT NULL,
    presented_ca TEXT NOT NULL,
    presented_identifier TEXT NOT NULL,
    presented_organisation_name TEXT NOT NULL,
    expected_identifier TEXT NOT NULL,
    cert_ca TEXT NOT NULL,
    cert_issuer TEXT NOT NULL,
    cert_issuer_key_id TEXT NOT NULL,
    cert_serial TEXT NOT NULL,
    cert_subject TEXT NOT NULL,
    cert_not_before BIGINT NOT NULL,
    cert_not_after BIGINT NOT NULL,
    cert_der_base64 TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    decided_at BIGINT,
    decided_by TEXT NOT NULL,
    note TEXT NOT NULL,
    effective_from BIGINT
);
CREATE INDEX reviews_status_idx ON reviews (status, created_at);
CREATE INDEX reviews_agency_idx ON reviews (agency_code, created_at);

-- Server-side state of a function in progress (SPEC §9: no state in the server process).
CREATE TABLE flows (
    id TEXT NOT NULL PRIMARY KEY,
    type TEXT NOT NULL,
    session_hash TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    step TEXT NOT NULL,
    state TEXT NOT NULL,
    agency_code TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX flows_expires_idx ON flows (expires_at);

-- Challenge nonces (SPEC §5): single use, bound to a flow and a step.
CREATE TABLE nonces (
    value TEXT NOT NULL PRIMARY KEY,
    flow_id TEXT NOT NULL REFERENCES flows (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX nonces_expires_idx ON nonces (expires_at);
CREATE INDEX nonces_flow_idx ON nonces (flow_id);

-- Ops staff (allow-listed by their citizen certificate) and their sessions.
CREATE TABLE staff (
    id TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    cert_issuer TEXT NOT NULL,
    cert_serial TEXT NOT NULL,
    role TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    disabled_at BIGINT
);
CREATE UNIQUE INDEX staff_certificate_uq ON staff (cert_issuer, cert_serial);

CREATE TABLE staff_sessions (
    id_hash TEXT NOT NULL PRIMARY KEY,
    staff_id TEXT NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX staff_sessions_expires_idx ON staff_sessions (expires_at);
CREATE INDEX staff_sessions_staff_idx ON staff_sessions (staff_id);

-- Audit log: append-only, hash-chained by the application; seq is assigned by the appender
-- and a duplicate seq fails, so concurrent appenders retry.
CREATE TABLE audit_events (
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL,
    error_code TEXT NOT NULL,
    agency_code TEXT NOT NULL,
    subject TEXT NOT NULL,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    CONSTRAINT audit_events_pk PRIMARY KEY (seq)
);

-- Fixed-window rate limits shared by every server instance.
CREATE TABLE rate_limits (
    key TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    hits BIGINT NOT NULL,
    CONSTRAINT rate_limits_pk PRIMARY KEY (key, window_start)
);
CREATE INDEX rate_limits_window_idx ON rate_limits (window_start);

-- Named counters (receipt numbers per day, ...).
CREATE TABLE counters (
    name TEXT NOT NULL PRIMARY KEY,
    value BIGINT NOT NULL
);
