#!/usr/bin/env bash
# test-postgres.sh start|stop|status|url|crash|promote|sql STATEMENT
#
# A throw-away PostgreSQL cluster for certgate's tests, separate from the distribution's
# default cluster (which stays down). Idempotent: `start` creates the cluster once under
# ${CERTGATE_PG_DIR:-/tmp/certgate-pg}, starts it when it is not running and waits until it
# accepts connections; `stop` stops it when it runs; `url` prints the SOCI/libpq connection
# string of the test database.
#
#   CERTGATE_PG_DIR   cluster folder (data/, the unix socket, the log)  default /tmp/certgate-pg
#   CERTGATE_PG_PORT  TCP port on 127.0.0.1                             default 55432
#   CERTGATE_PG_BIN   server binaries                        default newest /usr/lib/postgresql/*/bin
#
# Replication (the failover test): a primary started with CERTGATE_PG_SYNC_STANDBY=NAME
# acknowledges a commit only once the standby that streams as NAME has it (synchronous_commit
# on); a cluster created with CERTGATE_PG_PRIMARY_DIR and CERTGATE_PG_PRIMARY_PORT (a running
# cluster of this script) is that primary's streaming replica (pg_basebackup -R over the
# primary's unix socket), streaming as ${CERTGATE_PG_STANDBY_NAME:-certgate_replica}.
# `crash` stops the server at once (immediate: no shutdown checkpoint, clients cut off),
# `promote` makes a replica a primary, `sql` runs a statement as the superuser and prints the
# result (tuples only).
#
# The server listens on 127.0.0.1 only (scram-sha-256 with a password) and on a unix socket
# in the cluster folder (trust, used by this script to create the role and database).
# initdb refuses to run as root, so when started as root everything runs as `postgres`.
# Tests make their own schema per test inside certgate_test, so they can run in parallel.
set -euo pipefail

readonly DIR=${CERTGATE_PG_DIR:-/tmp/certgate-pg}
readonly PORT=${CERTGATE_PG_PORT:-55432}
readonly ROLE=certgate
readonly PASSWORD=certgate-test
readonly DATABASE=certgate_test
readonly DATA=$DIR/data

pg_bin() {
    if [[ -n ${CERTGATE_PG_BIN:-} ]]; then
        echo "$CERTGATE_PG_BIN"
        return
    fi
    local found
    found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [[ -z $found ]]; then
        echo "test-postgres.sh: no PostgreSQL server found (apt-get install postgresql)" >&2
        exit 1
    fi
    echo "$found"
}

url() {
    echo "host=127.0.0.1 port=$PORT dbname=$DATABASE user=$ROLE password=$PASSWORD"
}

# Runs a command as the cluster owner: `postgres` when we are root, else ourselves.
as_owner() {
    if [[ $(id -u) == 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

is_running() {
    [[ -f $DATA/PG_VERSION ]] && as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

# The script's own statements never wait for a synchronous standby (there is none yet while
# the primary is being set up).
psql_admin() {
    as_owner env PGOPTIONS="-c synchronous_commit=local" "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$DIR" -p "$PORT" -U postgres -d postgres "$@"
}

make_folder() {
    mkdir -p "$DIR"
    if [[ $(id -u) == 0 ]]; then
        chown postgres:postgres "$DIR"
    fi
    chmod 700 "$DIR"
}

create_replica() {
    make_folder
    local standby=${CERTGATE_PG_STANDBY_NAME:-certgate_replica}
    as_owner "$BIN/pg_basebackup" -D "$DATA" -R -X stream -c fast -d \
        "host=$CERTGATE_PG_PRIMARY_DIR port=$CERTGATE_PG_PRIMARY_PORT user=postgres application_name=$standby" \
        >"$DIR/basebackup.log" 2>&1 || {
        cat "$DIR/basebackup.log" >&2
        exit 1
    }
}

create_cluster() {
    make_folder
    local pwfile=$DIR/superuser-password
    # The superuser only ever logs in over the unix socket (trust); its password is random.
    as_owner sh -c "umask 077 && head -c 24 /dev/urandom | base64 > '$pwfile'"
    as_owner "$BIN/initdb" -D "$DATA" -U postgres --pwfile="$pwfile" --auth-local=trust \
        --auth-host=scram-sha-256 --encoding=UTF8 --locale=C >"$DIR/initdb.log" 2>&1 || {
        cat "$DIR/initdb.log" >&2
        exit 1
    }
}

start() {
    if [[ ! -f $DATA/PG_VERSION && -n ${CERTGATE_PG_PRIMARY_DIR:-} ]]; then
        create_replica
    elif [[ ! -f $DATA/PG_VERSION ]]; then
        create_cluster
    fi
    if ! is_running; then
        # Test-only durability settings: a crash of the machine may lose what a test does not
        # need, a crash of the server loses nothing (fsync only matters to the former). The
        # server must not inherit the lock descriptor, or it would hold the lock for its whole
        # life.
        local commit="-c synchronous_commit=off"
        if [[ -n ${CERTGATE_PG_SYNC_STANDBY:-} ]]; then
            commit="-c synchronous_commit=on -c synchronous_standby_names=$CERTGATE_PG_SYNC_STANDBY"
        fi
        as_owner "$BIN/pg_ctl" -D "$DATA" -l "$DIR/server.log" -w -t 60 \
            -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=1000 -c fsync=off $commit -c full_page_writes=off" \
            start >/dev/null 9>&- || {
            tail -n 30 "$DIR/server.log" >&2
            exit 1
        }
    fi
    local tries=0
    until "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; do
        tries=$((tries + 1))
        if ((tries > 120)); then
            echo "test-postgres.sh: server on 127.0.0.1:$PORT not ready after 60 s" >&2
            tail -n 30 "$DIR/server.log" >&2
            exit 1
        fi
        sleep 0.5
    done
    if [[ -z $(psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'") ]]; then
        psql_admin -c "CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD'"
    fi
    if [[ -z $(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'") ]]; then
        psql_admin -c "CREATE DATABASE $DATABASE OWNER $ROLE ENCODING 'UTF8' TEMPLATE template0"
    fi
    echo "PostgreSQL ready: $(url)"
}

stop() {
    if is_running; then
        as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >/dev/null
        echo "PostgreSQL stopped"
    else
        echo "PostgreSQL not running"
    fi
}

crash() {
    if is_running; then
        as_owner "$BIN/pg_ctl" -D "$DATA" -m immediate -w -t 60 stop >/dev/null
        echo "PostgreSQL stopped (immediate)"
    else
        echo "PostgreSQL not running"
    fi
}

promote() {
    as_owner "$BIN/pg_ctl" -D "$DATA" -w -t 60 promote >/dev/null
    echo "PostgreSQL promoted"
}

sql() {
    psql_admin -tA -c "$1"
}

BIN=$(pg_bin)
readonly BIN

# shellcheck source=scripts/test-server-main.sh
source "$(dirname "${BASH_SOURCE[0]}")/test-server-main.sh"
TEST_SERVER_COMMANDS="crash promote sql" test_server_main "$@"
