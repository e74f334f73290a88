# Sourced by scripts/test-postgres.sh and scripts/test-mariadb.sh: their command line.
# The caller defines DIR (the server's folder) and the functions start, stop, is_running, url,
# and may name more commands (functions of that name, given the remaining arguments) in
# TEST_SERVER_COMMANDS.
#   test_server_main start|stop|status|url|<one of TEST_SERVER_COMMANDS> [arguments]
test_server_main() {
    local command=${1:-}
    if [[ -n $command && " ${TEST_SERVER_COMMANDS:-} " == *" $command "* ]]; then
        server_command "$@"
        return
    fi
    case $command in
    start | stop) server_command "$command" ;;
    status)
        if is_running; then echo running; else
            echo stopped
            exit 3
        fi
        ;;
    url) url ;;
    *)
        echo "usage: $0 start|stop|status|url${TEST_SERVER_COMMANDS:+|${TEST_SERVER_COMMANDS// /|}}" >&2
        exit 2
        ;;
    esac
}

# Runs a command that changes the server, serialised with the others on the same server
# (parallel test runs, two terminals).
server_command() {
    mkdir -p "$(dirname "$DIR")"
    exec 9>"$DIR.lock"
    flock 9
    # The server must not inherit a working directory its owner cannot enter.
    cd /
    "$@"
}
