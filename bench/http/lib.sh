# shellcheck shell=bash
# Shared by bench/http/run.sh and bench/db/run.sh (sourced): processes on free 127.0.0.1 ports,
# stopped on exit; a throw-away PostgreSQL cluster; certgate configured for the bench PKI.
# Expects $root (the repository) to be set.
: "${root:?set root before sourcing lib.sh}"
# shellcheck disable=SC2034 # used by the scripts that source this file
work_root="$root/build"
pki="$root/build/test-pki"
bin="$root/build/bin"
pg_dir=/tmp/certgate-bench-pg
bench_pki="$root/build/bench-http/pki"

say() { echo "bench: $*" >&2; }
die() {
    say "$*"
    exit 1
}

pids=()
pg_port=""
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    pg_stop
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

stop_pid() {
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

build_targets() { # LOG TARGET...
    local log=$1
    shift
    [[ -f $root/build/build.ninja ]] || (cd "$root" && cmake --preset ci >/dev/null)
    cmake --build "$root/build" --target "$@" >"$log" 2>&1 || {
        tail -n 30 "$log" >&2
        die "build failed ($log)"
    }
}

# The test cluster of scripts/test-postgres.sh, in its own folder and on a free port.
pg_start() {
    [[ -n $pg_port ]] && return
    pg_port=$(free_port)
    CERTGATE_PG_DIR=$pg_dir CERTGATE_PG_PORT=$pg_port bash "$root/scripts/test-postgres.sh" start >/dev/null
}
pg_stop() {
    [[ -n $pg_port ]] || return 0
    CERTGATE_PG_DIR=$pg_dir CERTGATE_PG_PORT=$pg_port bash "$root/scripts/test-postgres.sh" stop >/dev/null || true
    pg_port=""
}
# pg_fresh_db NAME: an empty database; prints its connection string.
pg_fresh_db() {
    pg_start
    runuser -u postgres -- psql -X -q -h "$pg_dir" -p "$pg_port" -U postgres -d postgres \
        -c "DROP DATABASE IF EXISTS $1" \
        -c "CREATE DATABASE $1 OWNER certgate ENCODING 'UTF8' TEMPLATE template0" >&2
    echo "host=127.0.0.1 port=$pg_port dbname=$1 user=certgate password=certgate-test"
}

# certgate_config DIR BACKEND: fresh keys, database and DIR/certgate.json; sets server_port
# and db_connection (the SQLite file or PostgreSQL database is named after DIR).
certgate_config() {
    local dir=$1 backend=$2
    rm -rf "$dir" && mkdir -p "$dir" && chmod 700 "$dir"
    for key in pii audit; do (umask 077 && openssl rand -base64 32 >"$dir/$key.key"); done
    server_port=$(free_port)
    if [[ $backend == sqlite3 ]]; then
        db_connection="db=$dir/certgate.db"
    else
        pg_start # here, not in the subshell below: pg_port must stay set for pg_stop
        db_connection=$(pg_fresh_db "certgate_bench_$(basename "$dir" | tr -c 'a-z0-9\n' _)")
    fi
    jq -n --arg pki "$pki" --arg dir "$dir" --arg root "$root" --argjson port "$server_port" \
        --arg backend "$backend" --arg connection "$db_connection" \
        --argjson workers "${BENCH_SERVER_WORKERS:-16}" '{
      server: { host: "127.0.0.1", port: $port, publicOrigin: ("https://localhost:" + ($port | tostring)),
                tls: { certificate: ($pki + "/tls/portal.pem"), privateKey: ($pki + "/tls/portal.key") },
                webRoot: ($root + "/web"), maxThreads: $workers },
      agent: { url: "http://127.0.0.1:27161" },
      database: { backend: $backend, connection: $connection, migrations: ($root + "/sql") },
      cas: { profiles: ($pki + "/ca-profiles"), plugins: ($root + "/build/lib/certgate/plugins") },
      security: { piiKeyFile: ($dir + "/pii.key"), auditKeyFile: ($dir + "/audit.key") },
      portal: { functionsFile: ($root + "/conf/functions.json"), sectionsFile: ($root + "/conf/sections.json"),
                holidaysFile: ($root + "/conf/holidays.json"), receiptQueriesPerMinute: 100000000,
                # one load generator on 127.0.0.1 is every client: the limits would be the bench
                rateLimits: { flowsPerClient: 100000000, noncesPerClient: 100000000,
                  cardStepsPerClient: 100000000, cardStepsPerFlow: 100000000,
                  cardStepsPerCertificate: 100000000, staffLoginsPerClient: 100000000 } }
    }' >"$dir/certgate.json"
    "$bin/certgate" migrate --config "$dir/certgate.json" >"$dir/migrate.log" 2>&1
}

# certgate_start DIR: serves DIR/certgate.json; sets server_pid.
certgate_start() {
    "$bin/certgate" serve --config "$1/certgate.json" >"$1/server.log" 2>&1 &
    server_pid=$!
    pids+=("$server_pid")
    wait_for_port "$server_port" "$server_pid" "$1/server.log"
}

# loadgen RESULTS NAME ARGS...: one measured run of certgate-loadgen, appended to RESULTS. A run
# with a failed request or a connection that got no byte is recorded, the others still run,
# and failed_runs makes the script fail at the end.
failed_runs=0
loadgen() {
    local results=$1 name=$2 out
    shift 2
    say "run $name"
    if ! out=$("$bin/certgate-loadgen" "$@"); then
        failed_runs=$((failed_runs + 1))
        say "run $name FAILED (a request failed or a connection got no byte)"
        jq -e . <<<"$out" >/dev/null 2>&1 || die "run $name produced no result: $out"
    fi
    jq -c --arg name "$name" '. + {name: $name}' <<<"$out" | tee -a "$results" >&2
}
finish() {
    ((failed_runs == 0)) || die "$failed_runs failed run(s): see the table's last rows"
}

# The bench cards, made again when the test PKI is newer than them.
make_cards() { # COUNT
    local card_count=$1 cards="$bench_pki/cards.tsv" template
    if [[ -s $cards && $cards -nt $pki/cards.json && $(wc -l <"$cards") -ge $card_count ]] &&
        [[ $(head -n 1 "$cards" | tr '\t' '\n' | wc -l) -eq 3 ]]; then
        return
    fi
    say "making $card_count bench cards under the test PKI's MOICA G2"
    rm -rf "$bench_pki" && mkdir -p "$bench_pki"
    template=$pki/$(jq -r '.cards["moica-wang"].signCert' "$pki/cards.json") # relative to $pki
    "$bin/certgate-loadgen" pki --template "$template" \
        --template-id "$(jq -r '.cards["moica-wang"].nationalId' "$pki/cards.json")" \
        --ca-cert "$pki/ca/moica-g2/cert.pem" --ca-key "$pki/ca/moica-g2/key.pem" \
        --out "$bench_pki" --count "$card_count"
}
