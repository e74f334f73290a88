#!/usr/bin/env bash
# bench/db/run.sh: cost as the work grows (README.md beside this file). For SQLite and
# PostgreSQL: the p99 of each public query and of operator login on an (almost) empty database,
# then the same after seeding 100,000 agencies, 300,000 operators, 1,000,000 receipts and
# 1,000,000 audit events (a valid chain), and the time of `certgate audit verify` over them.
#   BENCH_QUERIES=1000 requests per measurement   BENCH_CONNECTIONS=4   BENCH_SCALE=1 (sizes ×)
#   BENCH_BACKENDS="sqlite3 postgresql"
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
queries=${BENCH_QUERIES:-1000}
connections=${BENCH_CONNECTIONS:-4}
scale=${BENCH_SCALE:-1}
backends=${BENCH_BACKENDS:-sqlite3 postgresql}
# shellcheck source=bench/http/lib.sh
. "$root/bench/http/lib.sh"
work="$work_root/bench-db"
results="$work/results.jsonl"
agencies=$(awk "BEGIN { print int(100000 * $scale) }")
operators=$((3 * agencies))
receipts=$((10 * agencies))
audit=$((10 * agencies))

# sql: runs standard input on the current database ($backend, $db_connection).
sql() {
    if [[ $backend == sqlite3 ]]; then
        sqlite3 -bail "${db_connection#db=}"
    else
        psql -X -q -v ON_ERROR_STOP=1 "$db_connection" >/dev/null
    fi
}

# Dialect pieces: a row source 0..N-1 as s(i), zero-padded 5 digits, 32 hex digits.
series() {
    if [[ $backend == sqlite3 ]]; then
        echo "(WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $(($1 - 1))) SELECT i FROM n) AS s"
    else
        echo "generate_series(0, $(($1 - 1))) AS s(i)"
    fi
}
pad5() { if [[ $backend == sqlite3 ]]; then echo "printf('%05d', $1)"; else echo "lpad(($1)::text, 5, '0')"; fi; }
hex32() { if [[ $backend == sqlite3 ]]; then echo "printf('%032X', $1)"; else echo "upper(lpad(to_hex($1), 32, '0'))"; fi; }

# What every measurement needs, on the empty database too: the demo agencies (A0001 for the
# organisation-OID query), ten receipts of A0001, and each bench card an operator of A0001.
seed_common() {
    local issuer serial
    "$bin/certgate" import-agencies "$root/conf/demo/agencies.csv" --config "$dir/certgate.json" >/dev/null 2>&1
    issuer=$("$bin/certgate" inspect-cert "$bench_pki/card-00000.pem" --ca-profiles "$pki/ca-profiles" \
        --plugins "$root/build/lib/certgate/plugins" 2>/dev/null | jq -r .issuer)
    {
        echo "BEGIN;"
        echo "INSERT INTO receipts (id, number, agency_code, kind, status, received_at, review_id)"
        echo "SELECT 'A0001-' || i, 'A0001-' || i, 'A0001', 'first-registration', 'done', 1700000000 + i, '' FROM $(series 10);"
        while IFS=$'\t' read -r _ _ serial; do
            echo "INSERT INTO operators VALUES ('op-$serial', 'A0001', '$issuer', '', '$serial', 'Bench', 'x', 'x', '[\"F01\"]', 0, 0, NULL);"
        done <"$bench_pki/cards.tsv"
        echo "COMMIT;"
    } | sql
}

# The big tables, in one transaction per table; the audit chain through COPY / .import.
seed_big() {
    local t0
    t0=$(date +%s.%N)
    say "seeding $agencies agencies, $operators operators, $receipts receipts, $audit audit events ($backend)"
    {
        echo "BEGIN;"
        echo "INSERT INTO agencies (code, name, region, expected_ca, expected_identifier, updated_at)"
        echo "SELECT $(pad5 i), 'Bench agency ' || i, '臺北市', 'gca', '2.16.886.101.90000.' || i, 0 FROM $(series "$agencies");"
        echo "COMMIT; BEGIN;"
        echo "INSERT INTO operators (id, agency_code, cert_issuer, cert_issuer_key_id, cert_serial, name,"
        echo "  national_id_enc, national_id_hash, functions, created_at, updated_at, deleted_at)"
        echo "SELECT $(hex32 i), $(pad5 "i % $agencies"), 'OU=Bench CA,C=TW', '', $(hex32 "i + 1000000000"), 'Op ' || i,"
        echo "  'x', $(hex32 "i + 2000000000"), '[\"F01\"]', i, i, CASE WHEN i % 10 = 0 THEN i ELSE NULL END FROM $(series "$operators");"
        echo "COMMIT; BEGIN;"
        echo "INSERT INTO receipts (id, number, agency_code, kind, status, received_at, review_id)"
        echo "SELECT $(hex32 i), 'B' || $(hex32 i), $(pad5 "i % $agencies"), 'first-registration', 'done', 1600000000 + i, '' FROM $(series "$receipts");"
        echo "COMMIT;"
    } | sql
    local key="$dir/audit.key"
    if [[ $backend == sqlite3 ]]; then
        "$bin/certgate-seed-audit" --backend sqlite3 --connection "$db_connection" --audit-key-file "$key" \
            --count "$audit" >"$dir/audit.csv"
        sqlite3 -bail "${db_connection#db=}" ".import --csv $dir/audit.csv audit_events"
        rm -f "$dir/audit.csv"
        echo "ANALYZE;" | sql
    else
        "$bin/certgate-seed-audit" --backend postgresql --connection "$db_connection" --audit-key-file "$key" \
            --count "$audit" | psql -X -q -v ON_ERROR_STOP=1 "$db_connection" -c "\\copy audit_events FROM PSTDIN WITH (FORMAT csv)"
        echo "ANALYZE;" | sql
    fi
    seed_seconds=$(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $t0 }")
}

measure() { # SIZE
    local size=$1 common gca
    certgate_start "$dir"
    common=(--port "$server_port" --origin "https://localhost:$server_port" --tls-ca "$pki/tls/ca.pem"
        --connections "$connections" --pid "$server_pid")
    gca=(--cert "$pki/$(jq -r '.cards["gca-moi"].signCert' "$pki/cards.json")"
        --key "$pki/$(jq -r '.cards["gca-moi"].signKey' "$pki/cards.json")")
    "$bin/certgate-loadgen" login "${common[@]}" --cards "$bench_pki" --logins 100 >/dev/null
    loadgen "$results" "$backend-$size-receipts" get "${common[@]}" --path "/api/v1/receipts?agencyCode=A0001" \
        --logins "$queries"
    loadgen "$results" "$backend-$size-organisation-oid" login "${common[@]}" "${gca[@]}" --flow query-oid \
        --step organisation-card --purpose organisation --agency A0001 --logins "$queries"
    loadgen "$results" "$backend-$size-citizen-serial" login "${common[@]}" --cards "$bench_pki" --logins "$queries"
    loadgen "$results" "$backend-$size-operator-login" login "${common[@]}" --cards "$bench_pki" \
        --flow operator-login --logins "$queries"
    stop_pid "$server_pid"
}

bench_backend() {
    backend=$1
    dir="$work/$backend-empty"
    certgate_config "$dir" "$backend"
    seed_common
    measure empty
    dir="$work/$backend-big"
    certgate_config "$dir" "$backend"
    seed_big
    seed_common
    measure big
    local t0 out verify_seconds
    t0=$(date +%s.%N)
    out=$("$bin/certgate" audit verify --config "$dir/certgate.json" 2>"$dir/verify.log") || {
        echo "$out" >&2
        die "certgate audit verify failed on the seeded database ($backend)"
    }
    verify_seconds=$(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $t0 }")
    jq -nc --arg name "$backend-audit" --argjson seed "$seed_seconds" --argjson verify "$verify_seconds" \
        --argjson events "$audit" --argjson out "$out" \
        '{name: $name, seedSeconds: $seed, verifySeconds: $verify, auditEvents: $events,
          checked: $out.checked, ok: $out.ok}' |
        tee -a "$results" >&2
    pg_stop
}

mkdir -p "$work"
started=$(date +%s)
build_targets "$work/build.log" certgate plugins test-pki certgate-loadgen certgate-seed-audit
make_cards 1000
: >"$results"
for b in $backends; do bench_backend "$b"; done
bash "$root/bench/http/table.sh" db "$results" "$(($(date +%s) - started))" | tee "$work/results.md"
finish
