#!/usr/bin/env bash
# bench/http/run.sh: the end-to-end login benchmark (README.md beside this file).
# Builds what it needs, makes the bench PKI once, then measures on 127.0.0.1:
#   certgate serve on SQLite and on PostgreSQL: saturation, fixed 1,000/s, repeat card;
#   nginx mTLS (ssl_verify_client on, full handshakes) with the same cards, chain and CRL.
# Prints a Markdown table and writes it with the raw JSON to build/bench-http/.
#   BENCH_LOGINS=4000    logins per saturation run        BENCH_RATE=1000   offered load
#   BENCH_RATE_SECONDS=5 length of the fixed-rate run     BENCH_CONNECTIONS=16
#   BENCH_CARDS=1000     distinct cards                   BENCH_PERF=1      perf profile
#   BENCH_BACKENDS="sqlite3 postgresql"
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

logins=${BENCH_LOGINS:-4000}
rate=${BENCH_RATE:-1000}
rate_seconds=${BENCH_RATE_SECONDS:-5}
connections=${BENCH_CONNECTIONS:-16}
card_count=${BENCH_CARDS:-1000}
backends=${BENCH_BACKENDS:-sqlite3 postgresql}
# shellcheck source=bench/http/lib.sh
. "$root/bench/http/lib.sh"
work="$work_root/bench-http"
results="$work/results.jsonl"

# Optional perf profile of PID while COMMAND runs: the top shared objects and symbols.
with_perf() { # NAME PID COMMAND...
    local name=$1 pid=$2
    shift 2
    if [[ ${BENCH_PERF:-0} != 1 ]]; then
        "$@"
        return
    fi
    perf record -q -g -p "$pid" -o "$work/$name.perf.data" 2>/dev/null &
    local perf_pid=$!
    "$@"
    kill -INT "$perf_pid" || true
    wait "$perf_pid" || true
    perf report -i "$work/$name.perf.data" --no-children -g none --sort dso --stdio 2>/dev/null |
        grep -v '^#' | grep -v '^$' | head -n 12 >"$work/$name.perf-dso.txt" || true
    perf report -i "$work/$name.perf.data" --no-children -g none --sort dso,symbol --stdio 2>/dev/null |
        grep -v '^#' | grep '%' | head -n 30 >"$work/$name.perf-symbols.txt" || true
}

bench_certgate() { # BACKEND
    local backend=$1 common
    certgate_config "$work/$backend" "$backend"
    certgate_start "$work/$backend"
    common=(--port "$server_port" --origin "https://localhost:$server_port" --tls-ca "$pki/tls/ca.pem"
        --cards "$bench_pki" --connections "$connections" --pid "$server_pid" --requests-per-connection 100)
    # Warm-up: parsed CRLs, database pages, connections of the pool.
    "$bin/certgate-loadgen" login "${common[@]}" --logins 200 >/dev/null
    with_perf "certgate-$backend" "$server_pid" \
        loadgen "$results" "certgate-$backend-saturation" login "${common[@]}" --logins "$logins"
    loadgen "$results" "certgate-$backend-rate" login "${common[@]}" --logins $((rate * rate_seconds)) --rate "$rate"
    loadgen "$results" "certgate-$backend-repeat" login "${common[@]}" --logins "$logins" --repeat
    stop_pid "$server_pid"
    pg_stop
}

bench_nginx() {
    local dir="$work/nginx" port master workers common
    rm -rf "$dir" && mkdir -p "$dir/tmp"
    port=$(free_port)
    cat "$pki/ca/moica-g2/cert.pem" "$pki/ca/root-g2/cert.pem" >"$dir/client-ca.pem"
    cat "$pki/ca/moica-g2/crl.pem" "$pki/ca/root-g2/crl.pem" >"$dir/crl.pem"
    cat >"$dir/nginx.conf" <<EOF
# nginx mTLS baseline: every connection a full handshake with a verified client certificate.
daemon off;
user root;
worker_processes auto;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $dir/tmp; proxy_temp_path $dir/tmp; fastcgi_temp_path $dir/tmp;
    uwsgi_temp_path $dir/tmp; scgi_temp_path $dir/tmp;
    server {
        listen 127.0.0.1:$port ssl;
        ssl_certificate $pki/tls/portal.pem;
        ssl_certificate_key $pki/tls/portal.key;
        ssl_client_certificate $dir/client-ca.pem;
        ssl_verify_client on;
        ssl_verify_depth 2;
        ssl_crl $dir/crl.pem;
        ssl_session_cache off;
        ssl_session_tickets off;
        location / { return 200 "ok\n"; }
    }
}
EOF
    nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" &
    master=$!
    pids+=("$master")
    wait_for_port "$port" "$master" "$dir/error.log"
    workers=$(ps -o pid= --ppid "$master" | tr -d ' ' | paste -sd, -)
    common=(--port "$port" --tls-ca "$pki/tls/ca.pem" --cards "$bench_pki" --connections "$connections"
        --pid "$master,$workers")
    "$bin/certgate-loadgen" mtls "${common[@]}" --logins 200 >/dev/null
    with_perf nginx "${workers%%,*}" loadgen "$results" nginx-saturation mtls "${common[@]}" --logins "$logins"
    loadgen "$results" nginx-rate mtls "${common[@]}" --logins $((rate * rate_seconds)) --rate "$rate"
    loadgen "$results" nginx-repeat mtls "${common[@]}" --logins "$logins" --repeat
    stop_pid "$master"
}

mkdir -p "$work"
started=$(date +%s)
build_targets "$work/build.log" certgate plugins test-pki certgate-loadgen
make_cards "$card_count"
: >"$results"
bench_nginx
for backend in $backends; do bench_certgate "$backend"; done
bash "$root/bench/http/table.sh" http "$results" "$(($(date +%s) - started))" | tee "$work/results.md"
finish
