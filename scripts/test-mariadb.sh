#!/usr/bin/env bash
# test-mariadb.sh start|stop|status|url
#
# A throw-away MariaDB server for certgate's tests, separate from the distribution's service
# (which stays down). Idempotent: `start` creates a private data directory once under
# ${CERTGATE_MARIADB_DIR:-/tmp/certgate-mariadb}, starts `mariadbd` on it when it is not
# running and waits until it accepts connections; `stop` stops it when it runs; `url` prints
# the SOCI connection string of the test user.
#
#   CERTGATE_MARIADB_DIR   data/, the unix socket, the pid file, the log  default /tmp/certgate-mariadb
#   CERTGATE_MARIADB_PORT  TCP port on 127.0.0.1                          default 56206
#
# The server listens on 127.0.0.1 only and on a unix socket in that folder; root logs in over
# the socket only (unix_socket authentication: it is the user running this script), the test
# user `certgate` over TCP with a password. Tests make their own database per test
# (certgate_t_...), so the test user may create and drop databases. Runs as the current user
# (--user=root when that is root), never as a system service.
set -euo pipefail

readonly DIR=${CERTGATE_MARIADB_DIR:-/tmp/certgate-mariadb}
readonly PORT=${CERTGATE_MARIADB_PORT:-56206}
readonly USER_NAME=certgate
readonly PASSWORD=certgate-test
readonly DATABASE=certgate_test
readonly DATA=$DIR/data
readonly SOCKET=$DIR/mariadb.sock
readonly PIDFILE=$DIR/mariadbd.pid
readonly LOG=$DIR/server.log

url() {
    echo "host=127.0.0.1 port=$PORT dbname=$DATABASE user=$USER_NAME password=$PASSWORD"
}

need() {
    if ! command -v "$1" >/dev/null; then
        echo "test-mariadb.sh: $1 not found (scripts/install-deps.sh --test installs mariadb-server)" >&2
        exit 1
    fi
}

is_running() {
    [[ -f $PIDFILE ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null
}

admin() {
    mariadb --no-defaults --protocol=socket --socket="$SOCKET" -u root --batch --skip-column-names "$@"
}

create_datadir() {
    mkdir -p "$DIR"
    chmod 700 "$DIR"
    mariadb-install-db --no-defaults --datadir="$DATA" --user="$(id -un)" \
        --auth-root-authentication-method=socket --skip-test-db >"$DIR/install.log" 2>&1 || {
        cat "$DIR/install.log" >&2
        exit 1
    }
}

start() {
    need mariadbd
    need mariadb-install-db
    need mariadb
    if [[ ! -d $DATA/mysql ]]; then
        create_datadir
    fi
    if ! is_running; then
        # Test-only durability settings: a crash loses nothing a test needs. The server must
        # not inherit the lock descriptor, or it would hold the lock for its whole life.
        setsid mariadbd --no-defaults --datadir="$DATA" --user="$(id -un)" \
            --bind-address=127.0.0.1 --port="$PORT" --socket="$SOCKET" --pid-file="$PIDFILE" \
            --log-error="$LOG" --skip-name-resolve --max-connections=1000 \
            --character-set-server=utf8mb4 --collation-server=utf8mb4_bin \
            --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 --sync-binlog=0 \
            --innodb-buffer-pool-size=64M </dev/null >/dev/null 2>&1 9>&- &
    fi
    local tries=0
    until admin -e "SELECT 1" >/dev/null 2>&1; do
        tries=$((tries + 1))
        if ((tries > 120)); then
            echo "test-mariadb.sh: server on 127.0.0.1:$PORT not ready after 60 s" >&2
            tail -n 30 "$LOG" >&2 || true
            exit 1
        fi
        sleep 0.5
    done
    admin -e "CREATE USER IF NOT EXISTS '$USER_NAME'@'127.0.0.1' IDENTIFIED BY '$PASSWORD';
        GRANT ALL PRIVILEGES ON *.* TO '$USER_NAME'@'127.0.0.1';
        CREATE DATABASE IF NOT EXISTS $DATABASE CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;"
    echo "MariaDB ready: $(url)"
}

stop() {
    if is_running; then
        local pid
        pid=$(cat "$PIDFILE")
        kill "$pid"
        local tries=0
        while kill -0 "$pid" 2>/dev/null; do
            tries=$((tries + 1))
            if ((tries > 120)); then
                echo "test-mariadb.sh: server $pid still running after 60 s" >&2
                exit 1
            fi
            sleep 0.5
        done
        echo "MariaDB stopped"
    else
        echo "MariaDB not running"
    fi
}

# shellcheck source=scripts/test-server-main.sh
source "$(dirname "${BASH_SOURCE[0]}")/test-server-main.sh"
test_server_main "$@"
