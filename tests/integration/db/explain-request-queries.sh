#!/usr/bin/env bash
# explain-request-queries.sh REPO: in a fresh schema of the test cluster (scripts/test-postgres.sh),
# applies sql/*.sql, seeds the big tables with a modest number of rows, ANALYZEs, and fails when
# the plan of a request-path query (server/db/src/repositories/*.cpp, with literal values)
# scans a big table sequentially.
set -euo pipefail
repo=$1
url=$(bash "$repo/scripts/test-postgres.sh" url)
schema="explain_$$_$RANDOM"
psql_url() { psql -X -q -v ON_ERROR_STOP=1 "$url" "$@"; }
psql_url -c "CREATE SCHEMA $schema"
trap 'psql_url -c "DROP SCHEMA $schema CASCADE" >/dev/null 2>&1 || true' EXIT
export PGOPTIONS="-c search_path=$schema"

for file in "$repo"/sql/[0-9]*.sql; do psql_url -f "$file" >/dev/null; done

# 20,000 agencies, 60,000 operators, 100,000 receipts, 50,000 audit events, 20,000 flows with a
# nonce each, plus registrations, certificates, managers, reviews and staff.
psql_url >/dev/null <<'SQL'
BEGIN;
INSERT INTO agencies SELECT lpad(i::text, 5, '0'), 'agency ' || i, 'region', 'gca', 'oid.' || i, 0
  FROM generate_series(0, 19999) AS s(i);
INSERT INTO org_certificates SELECT 'oc' || i, lpad(i::text, 5, '0'), 'gca', 'issuer', 'key', 'S' || i,
  'subject', 0, 1, 'der', 'oid.' || i, 'agency-oid', 'org', i, NULL FROM generate_series(0, 19999) AS s(i);
INSERT INTO managers SELECT 'm' || i, lpad(i::text, 5, '0'), 'n', 'e', 'p', '', 'enc', 'hash' || i, 'moica',
  'issuer', 'key', 'M' || i, 'subject', 0, 1, 'der', i, NULL FROM generate_series(0, 19999) AS s(i);
INSERT INTO registrations SELECT lpad(i::text, 5, '0'), 'oc' || i, 'm' || i, i, i
  FROM generate_series(0, 19999) AS s(i);
INSERT INTO operators SELECT 'op' || i, lpad((i % 20000)::text, 5, '0'), 'issuer', 'key', 'SER' || i, 'n',
  'enc', 'hash' || i, '[]', i, i, CASE WHEN i % 10 = 0 THEN i END FROM generate_series(0, 59999) AS s(i);
INSERT INTO receipts SELECT 'r' || i, 'N' || i, lpad((i % 20000)::text, 5, '0'), 'first-registration', 'done',
  i, '' FROM generate_series(0, 99999) AS s(i);
INSERT INTO reviews SELECT 'rv' || i, lpad((i % 20000)::text, 5, '0'), 'r' || i, 'first-registration', 'a',
  'p', 'gca', 'x', 'org', 'y', 'gca', 'issuer', 'key', 'S', 'subject', 0, 1, 'der',
  CASE WHEN i % 50 = 0 THEN 'pending' ELSE 'approved' END, i, NULL, '', '', NULL
  FROM generate_series(0, 19999) AS s(i);
INSERT INTO flows SELECT 'f' || i, 'query-serial', 'h' || i, 'c', 'citizen', '{}', '', i, i + 1000, 0
  FROM generate_series(0, 19999) AS s(i);
INSERT INTO nonces SELECT 'n' || i, 'f' || i, 'citizen', i, i + 300, NULL FROM generate_series(0, 19999) AS s(i);
INSERT INTO staff SELECT 'st' || i, 'n', 'issuer', 'ST' || i, 'admin', 0, NULL FROM generate_series(0, 1999) AS s(i);
INSERT INTO staff_sessions SELECT 'sh' || i, 'st' || (i % 2000), 'c', i, i + 100
  FROM generate_series(0, 19999) AS s(i);
INSERT INTO audit_events SELECT i, i, 'a', 'x', 'ok', '', '', '', '{}', 'p', 'h' FROM generate_series(1, 50000) AS s(i);
INSERT INTO rate_limits SELECT 'k' || i, i, 1 FROM generate_series(0, 19999) AS s(i);
COMMIT;
ANALYZE agencies, org_certificates, managers, registrations, operators, receipts, reviews, flows,
  nonces, staff, staff_sessions, audit_events, rate_limits;
SQL

# The check itself: an unindexed filter must be reported.
if ! psql_url -At -c "EXPLAIN SELECT * FROM receipts WHERE kind = 'x'" | grep -q "Seq Scan on receipts"; then
    echo "explain-request-queries: the plan check does not see a sequential scan" >&2
    exit 1
fi

big="agencies|org_certificates|managers|registrations|operators|receipts|reviews|flows|nonces|staff|staff_sessions|audit_events|rate_limits"
failed=0
while IFS= read -r query; do
    [[ -z $query || $query == --* ]] && continue
    plan=$(psql_url -At -c "EXPLAIN $query")
    if grep -Eq "Seq Scan on ($big)\b" <<<"$plan"; then
        echo "SEQUENTIAL SCAN: $query" >&2
        sed 's/^/    /' <<<"$plan" >&2
        failed=1
    else
        echo "ok: $query"
    fi
done <<'QUERIES'
-- Portal: agencies, registration and cards
SELECT * FROM agencies WHERE code = '01234'
SELECT * FROM registrations WHERE agency_code = '01234'
SELECT * FROM org_certificates WHERE id = 'oc5'
SELECT * FROM org_certificates WHERE agency_code = '01234' ORDER BY registered_at DESC, id DESC
SELECT * FROM managers WHERE id = 'm5'
SELECT * FROM managers WHERE agency_code = '01234' ORDER BY registered_at DESC, id DESC
UPDATE org_certificates SET replaced_at = 1 WHERE id = 'oc5'
UPDATE managers SET replaced_at = 1 WHERE id = 'm5'
UPDATE registrations SET updated_at = 1 WHERE agency_code = '01234'
-- Operators (operator login: by certificate)
SELECT * FROM operators WHERE id = 'op5'
SELECT * FROM operators WHERE agency_code = '01234' AND deleted_at IS NULL ORDER BY created_at, id
SELECT * FROM operators WHERE cert_serial = 'SER5' AND cert_issuer = 'issuer' AND deleted_at IS NULL ORDER BY agency_code, created_at, id
UPDATE operators SET updated_at = 1 WHERE id = 'op5' AND deleted_at IS NULL
-- Receipts (public receipts query) and reviews
SELECT * FROM receipts WHERE agency_code = '01234' ORDER BY received_at DESC, number DESC
SELECT * FROM receipts WHERE id = 'r5'
UPDATE receipts SET status = 'done' WHERE id = 'r5'
SELECT * FROM reviews WHERE id = 'rv5'
SELECT * FROM reviews WHERE agency_code = '01234' ORDER BY created_at DESC, id DESC
SELECT * FROM reviews WHERE status = 'pending' ORDER BY created_at, id LIMIT 50 OFFSET 0
-- Flows and nonces (every card step)
SELECT * FROM flows WHERE id = 'f5'
UPDATE flows SET step = 'done', version = 1 WHERE id = 'f5' AND version = 0
UPDATE nonces SET used_at = 10 WHERE value = 'n5' AND flow_id = 'f5' AND purpose = 'citizen' AND used_at IS NULL AND expires_at > 10
SELECT expires_at, used_at FROM nonces WHERE value = 'n5' AND flow_id = 'f5' AND purpose = 'citizen'
DELETE FROM nonces WHERE expires_at < 5
DELETE FROM flows WHERE expires_at < 5
DELETE FROM staff_sessions WHERE expires_at < 5
DELETE FROM rate_limits WHERE window_start < 5
-- Staff, sessions, audit chain, rate limits
SELECT * FROM staff WHERE id = 'st5'
SELECT * FROM staff WHERE cert_issuer = 'issuer' AND cert_serial = 'ST5'
SELECT * FROM staff_sessions WHERE id_hash = 'sh5'
DELETE FROM staff_sessions WHERE id_hash = 'sh5'
SELECT * FROM audit_events ORDER BY seq DESC LIMIT 1
SELECT * FROM audit_events WHERE seq >= 40000 ORDER BY seq LIMIT 500
INSERT INTO rate_limits (key, window_start, hits) VALUES ('k1', 1, 1) ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limits.hits + 1 RETURNING hits
QUERIES
exit "$failed"
