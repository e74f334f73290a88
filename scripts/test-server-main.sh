# Sourced by scripts/test-postgres.sh and scripts/test-mariadb.sh: their command line.
# The caller defines DIR (the server's folder) and the functions start, stop, is_running, url.
#   test_server_main start|stop|status|url
test_server_main() {
    local command=${1:-}
    case $command in
    start | stop)
        # Serialise start/stop of the same server (parallel test runs, two terminals).
        mkdir -p "$(dirname "$DIR")"
        exec 9>"$DIR.lock"
        flock 9
        # The server must not inherit a working directory its owner cannot enter.
        cd /
        "$command"
        ;;
    status)
        if is_running; then echo running; else
            echo stopped
            exit 3
        fi
        ;;
    url) url ;;
    *)
        echo "usage: $0 start|stop|status|url" >&2
        exit 2
        ;;
    esac
}
