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
work="$root/build/bench-http"
pki="$root/build/test-pki"
bin="$root/build/bin"
results="$work/results.jsonl"
pg_dir=/tmp/certgate-bench-pg

say() { echo "bench-http: $*" >&2; }
die() {
    say "$*"
    exit 1
}

pids=()
pg_started=""
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [[ -n $pg_started ]]; then
        CERTGATE_PG_DIR=$pg_dir CERTGATE_PG_PORT=$pg_started bash scripts/test-postgres.sh stop >/dev/null || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A TCP port on 127.0.0.1 that nothing listens on.
free_port() {
    local port
    for _ in $(seq 1 50); do
        port=$((20000 + RANDOM % 30000))
        if ! ss -Htln "sport = :$port" | grep -q .; then
            echo "$port"
            return
        fi
    done
    die "no free port found"
}

wait_for_port() { # PORT PID LOG
    for _ in $(seq 1 150); do
        ss -Htln "sport = :$1" | grep -q . && return 0
        kill -0 "$2" 2>/dev/null || break
        sleep 0.2
    done
    tail -n 20 "$3" >&2
    die "nothing listens on port $1 (see $3)"
}

build() {
    [[ -f build/build.ninja ]] || cmake --preset ci >/dev/null
    cmake --build build --target certgate plugins test-pki certgate-loadgen >"$work/build.log" 2>&1 ||
        {
            tail -n 30 "$work/build.log" >&2
            die "build failed (build/bench-http/build.log)"
        }
}

# The bench cards, made again when the test PKI is newer than them.
make_cards() {
    local cards="$work/pki/cards.tsv" template
    if [[ -s $cards && $cards -nt $pki/cards.json && $(wc -l <"$cards") -ge $card_count ]]; then
        return
    fi
    say "making $card_count bench cards under the test PKI's MOICA G2"
    rm -rf "$work/pki" && mkdir -p "$work/pki"
    template=$(jq -r '.cards["moica-wang"].signCert' "$pki/cards.json")
    "$bin/certgate-loadgen" pki --template "$template" \
        --template-id "$(jq -r '.cards["moica-wang"].nationalId' "$pki/cards.json")" \
        --ca-cert "$pki/ca/moica-g2/cert.pem" --ca-key "$pki/ca/moica-g2/key.pem" \
        --out "$work/pki" --count "$card_count"
}

loadgen() { # NAME ARGS... : one measured run, appended to the results
    local name=$1 out
    shift
    say "run $name"
    if ! out=$("$bin/certgate-loadgen" "$@"); then
        echo "$out" >&2
        die "run $name failed (a login failed or a connection got no byte)"
    fi
    jq -c --arg name "$name" '. + {name: $name}' <<<"$out" | tee -a "$results" >&2
}

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
    kill -INT "$perf_pid" && wait "$perf_pid" || true
    perf report -i "$work/$name.perf.data" --no-children --sort dso --stdio 2>/dev/null |
        grep -v '^#' | grep -v '^$' | head -n 12 >"$work/$name.perf-dso.txt" || true
    perf report -i "$work/$name.perf.data" --no-children --sort dso,symbol --stdio 2>/dev/null |
        grep -v '^#' | grep '%' | head -n 30 >"$work/$name.perf-symbols.txt" || true
}

start_certgate() { # BACKEND -> sets server_pid server_port
    local backend=$1 dir="$work/$1" connection
    rm -rf "$dir" && mkdir -p "$dir" && chmod 700 "$dir"
    for key in pii audit; do (umask 077 && openssl rand -base64 32 >"$dir/$key.key"); done
    server_port=$(free_port)
    if [[ $backend == sqlite3 ]]; then
        connection="db=$dir/certgate.db"
    else
        local pg_port
        pg_port=$(free_port)
        CERTGATE_PG_DIR=$pg_dir CERTGATE_PG_PORT=$pg_port bash scripts/test-postgres.sh start >/dev/null
        pg_started=$pg_port
        runuser -u postgres -- psql -X -q -h "$pg_dir" -p "$pg_port" -U postgres -d postgres \
            -c "DROP DATABASE IF EXISTS certgate_bench" \
            -c "CREATE DATABASE certgate_bench OWNER certgate ENCODING 'UTF8' TEMPLATE template0"
        connection="host=127.0.0.1 port=$pg_port dbname=certgate_bench user=certgate password=certgate-test"
    fi
    jq -n --arg pki "$pki" --arg dir "$dir" --arg root "$root" --argjson port "$server_port" \
        --arg backend "$backend" --arg connection "$connection" '{
      server: { host: "127.0.0.1", port: $port, publicOrigin: ("https://localhost:" + ($port | tostring)),
                tls: { certificate: ($pki + "/tls/portal.pem"), privateKey: ($pki + "/tls/portal.key") },
                webRoot: ($root + "/web") },
      agent: { url: "http://127.0.0.1:61161" },
      database: { backend: $backend, connection: $connection, migrations: ($root + "/sql") },
      cas: { profiles: ($pki + "/ca-profiles"), plugins: ($root + "/build/lib/certgate/plugins") },
      security: { piiKeyFile: ($dir + "/pii.key"), auditKeyFile: ($dir + "/audit.key") },
      portal: { functionsFile: ($root + "/conf/functions.json"), sectionsFile: ($root + "/conf/sections.json"),
                holidaysFile: ($root + "/conf/holidays.json") }
    }' >"$dir/certgate.json"
    "$bin/certgate" migrate --config "$dir/certgate.json" >"$dir/migrate.log" 2>&1
    "$bin/certgate" serve --config "$dir/certgate.json" >"$dir/server.log" 2>&1 &
    server_pid=$!
    pids+=("$server_pid")
    wait_for_port "$server_port" "$server_pid" "$dir/server.log"
}

stop_pid() {
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

bench_certgate() { # BACKEND
    local backend=$1 common
    start_certgate "$backend"
    common=(--port "$server_port" --origin "https://localhost:$server_port" --tls-ca "$pki/tls/ca.pem"
        --cards "$work/pki" --connections "$connections" --pid "$server_pid")
    # Warm-up: parsed CRLs, database pages, connections of the pool.
    "$bin/certgate-loadgen" login "${common[@]}" --logins 200 >/dev/null
    with_perf "certgate-$backend" "$server_pid" \
        loadgen "certgate-$backend-saturation" login "${common[@]}" --logins "$logins"
    loadgen "certgate-$backend-rate" login "${common[@]}" --logins $((rate * rate_seconds)) --rate "$rate"
    loadgen "certgate-$backend-repeat" login "${common[@]}" --logins "$logins" --repeat
    stop_pid "$server_pid"
    if [[ -n $pg_started ]]; then
        CERTGATE_PG_DIR=$pg_dir CERTGATE_PG_PORT=$pg_started bash scripts/test-postgres.sh stop >/dev/null
        pg_started=""
    fi
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
    common=(--port "$port" --tls-ca "$pki/tls/ca.pem" --cards "$work/pki" --connections "$connections"
        --pid "$master,$workers")
    "$bin/certgate-loadgen" mtls "${common[@]}" --logins 200 >/dev/null
    with_perf nginx "${workers%%,*}" loadgen nginx-saturation mtls "${common[@]}" --logins "$logins"
    loadgen nginx-rate mtls "${common[@]}" --logins $((rate * rate_seconds)) --rate "$rate"
    loadgen nginx-repeat mtls "${common[@]}" --logins "$logins" --repeat
    stop_pid "$master"
}

mkdir -p "$work"
started=$(date +%s)
build
make_cards
: >"$results"
bench_nginx
for backend in $backends; do bench_certgate "$backend"; done
bash "$root/bench/http/table.sh" "$results" "$(($(date +%s) - started))" | tee "$work/results.md"
