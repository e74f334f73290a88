#!/usr/bin/env bash
# run-readme-demo.sh SOURCE_DIR BUILD_DIR WORK
#
# Runs the README's demo commands exactly as written, against the demo the README's own
# command starts, in a COPY of the clone (so it also proves the tree relocatable).
#
# The README marks each ```sh block from "## Quick start" to "## How it fits together" with an
# HTML comment the page does not show:
#   <!-- readme-test: demo -->               the command that starts the demo (run first)
#   <!-- readme-test: demo-reset -->         the command that starts it afresh (run last)
#   <!-- readme-test: run -->                run as written, in the clone's folder; exit 0
#   <!-- readme-test: run; expect: TEXT -->  ... and its output contains TEXT
#   <!-- readme-test: skip (WHY) -->         not run; at most one (the test command itself)
# An unmarked block fails the test.
#
# Isolation: the commands name the demo's fixed ports (8443, 27161) and files in /tmp, so
# they run in their own network namespace (a loopback of their own) and mount namespace (a
# private /tmp, and /etc/certgate hidden), never meeting another run on this machine.
# The copy: what demo.sh reads from the clone (scripts, tests/pki, ca-profiles, conf, web,
# sql) and from the build (programs, plugins, the test PKI). After the demo ran in it, no
# file of the copy's test PKI or demo folder names the original clone, one token removed
# from the copy is missing from the copy's agent (its own tokens), and the commands pass.
set -euo pipefail
export LC_ALL=C.UTF-8

if [[ ${1:-} == --inside ]]; then
    shift
    inside=1
fi
src=$(realpath "${1:?usage: $0 SOURCE_DIR BUILD_DIR WORK}")
build=$(realpath "${2:?}")
work=$(realpath -m "${3:?}")
clone=$work/clone
fail() { echo "FAIL - $*" >&2; exit 1; }

# ---- inside the namespaces: start the demo, run the blocks -----------------------------------
if [[ -n ${inside:-} ]]; then
    ip link set lo up
    mkdir -p "$work/tmp" "$work/etc-certgate"
    mount --bind "$work/tmp" /tmp
    [[ ! -d /etc/certgate ]] || mount --bind "$work/etc-certgate" /etc/certgate
    cd "$clone"
    demo_pid=""
    stop_demo() {
        [[ -n $demo_pid ]] || return 0
        kill -TERM -- "-$demo_pid" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 -- "-$demo_pid" 2>/dev/null || break; sleep 0.1; done
        demo_pid=""
    }
    trap stop_demo EXIT
    start_demo() { # BLOCK: the README's command, as written
        CERTGATE_DEMO_PREBUILT=1 setsid bash -c "$(<"$1")" >"$work/demo.out" 2>&1 &
        demo_pid=$!
        for _ in $(seq 1 300); do
            grep -q "certgate demo is running" "$work/demo.out" && break
            kill -0 "$demo_pid" 2>/dev/null || { cat "$work/demo.out" >&2; fail "the demo stopped: $(<"$1")"; }
            sleep 0.2
        done
        grep -q "certgate demo is running" "$work/demo.out" || { cat "$work/demo.out" >&2; fail "the demo did not start"; }
        echo "ok   - the README's command started the demo in the copy: $(<"$1")"
    }
    audit_events() { build/bin/certgate audit verify --config build/demo/certgate.json | jq -e .checked; }
    start_demo "$work/blocks/demo.sh"

    # The copy's agent lists the copy's tokens: the one removed from the copy is gone.
    tokens=$(curl -sf -H 'Origin: https://localhost:8443' http://127.0.0.1:27161/v1/tokens)
    jq -e '[.. | strings] | index("moica-wang")' <<<"$tokens" >/dev/null || fail "agent lists no moica-wang: $tokens"
    ! jq -e '[.. | strings] | index("moica-liu")' <<<"$tokens" >/dev/null ||
        fail "the copy's agent lists moica-liu, removed from the copy: it reads another tree's tokens"
    echo "ok   - the copy's agent uses the copy's tokens"
    # No file the demo uses names a file of the original tree (the copy lives inside the
    # original's build folder, so the pattern is the original's own folders; logs aside).
    original="($src|$build)/(build/)?(test-pki|lib|bin|demo|web|sql|conf|ca-profiles|tests/pki|scripts)\b"
    named=$(grep -rlE --exclude='*.log' "$original" "$clone/build/test-pki" "$clone/build/demo" || true)
    [[ -z $named ]] || fail "files of the copy name the original tree: $named"
    # ... and the copy's files name the copy (the check above is not vacuous).
    grep -qF "$clone/build/test-pki/softhsm/tokens" "$clone/build/test-pki/softhsm/softhsm2.conf" ||
        fail "the copy's softhsm2.conf does not name the copy's tokens"
    echo "ok   - no file of the copy's test PKI or demo names the original tree"

    # Without --config, the commands say where the demo's configuration is.
    set +e
    out=$(build/bin/certgate audit verify 2>&1)
    rc=$?
    set -e
    [[ $rc == 2 && $out == *"--config build/demo/certgate.json"* ]] ||
        fail "certgate audit verify without a configuration: rc $rc, '$out'"
    echo "ok   - without --config the CLI names the demo's configuration"

    for block in "$work"/blocks/run-*.sh; do
        expect=$(<"${block%.sh}.expect")
        set +e
        out=$(bash -euo pipefail "$block" 2>"${block%.sh}.err")
        rc=$?
        set -e
        printf '%s\n' "$out" >"${block%.sh}.out"
        if ((rc != 0)); then
            cat "${block%.sh}.err" >&2
            fail "README block exited $rc: $(<"$block")"
        fi
        [[ -z $expect || $out == *"$expect"* ]] || fail "README block's output lacks '$expect': $(<"$block") -> $out"
        echo "ok   - README block ran as written: $(head -n 1 "$block" | cut -c1-80)${expect:+ (output has $expect)}"
    done

    # The README's --reset starts from an empty database (and drops the clock offset).
    before=$(audit_events)
    stop_demo
    start_demo "$work/blocks/demo-reset.sh"
    after=$(audit_events)
    ((after < before)) || fail "after --reset the audit chain has $after events, before it $before"
    [[ ! -e build/demo/clock-offset ]] || fail "--reset kept build/demo/clock-offset"
    echo "ok   - --reset started afresh ($before audit events before, $after after)"
    exit 0
fi

# ---- outside: extract the blocks, make the copy, enter the namespaces ---------------------------
rm -rf "$work"
mkdir -p "$work/blocks"
awk -v out="$work/blocks" '
    /^## Quick start/ { on = 1 } /^## How it fits together/ { on = 0 }
    !on { next }
    inblock {
        if ($0 ~ "^" fence "```[ \t]*$") { inblock = 0; close(file); next }
        line = $0; sub("^" fence, "", line); print line > file; next
    }
    match($0, /^[ \t]*<!-- readme-test: .* -->[ \t]*$/) {
        marker = $0; sub(/^[ \t]*<!-- readme-test: /, "", marker); sub(/ -->[ \t]*$/, "", marker); next
    }
    match($0, /^[ \t]*```sh[ \t]*$/) {
        fence = $0; sub(/```sh[ \t]*$/, "", fence); n++; inblock = 1
        if (marker == "") { print "unmarked" > (out "/unmarked-" n); file = out "/unmarked-" n ".sh" }
        else if (marker == "demo") file = out "/demo.sh"
        else if (marker == "demo-reset") file = out "/demo-reset.sh"
        else if (marker ~ /^skip/) { print marker > (out "/skip-" n); file = out "/skip-" n ".sh" }
        else if (marker ~ /^run/) {
            expect = marker; if (!sub(/^run; expect: /, "", expect)) expect = ""
            printf "%s", expect > (out sprintf("/run-%02d.expect", n)); file = out sprintf("/run-%02d.sh", n)
        } else { print marker > (out "/unknown-" n); file = out "/unknown-" n ".sh" }
        marker = ""; printf "" > file; next
    }
' "$src/README.md"
shopt -s nullglob
blocks=("$work"/blocks/*)
unmarked=("$work"/blocks/unmarked-* "$work"/blocks/unknown-*)
skipped=("$work"/blocks/skip-*.sh)
runs=("$work"/blocks/run-*.sh)
((${#blocks[@]} > 0)) || fail "no README block between Quick start and How it fits together"
((${#unmarked[@]} == 0)) || fail "README sh blocks without a readme-test marker: $(cat "${unmarked[@]/%/.sh}" 2>/dev/null)"
[[ -f $work/blocks/demo.sh && $(<"$work/blocks/demo.sh") == "bash scripts/demo.sh" ]] ||
    fail "the README's demo block is not 'bash scripts/demo.sh'"
[[ -f $work/blocks/demo-reset.sh && $(<"$work/blocks/demo-reset.sh") == "bash scripts/demo.sh --reset" ]] ||
    fail "the README's demo-reset block is not 'bash scripts/demo.sh --reset'"
((${#skipped[@]} <= 1)) || fail "more than one README block is skipped: ${skipped[*]}"
for s in "${skipped[@]}"; do
    [[ $(<"$s") == "bash scripts/test.sh" ]] || fail "a skipped README block is not the test command: $(<"$s")"
done
((${#runs[@]} >= 3)) || fail "only ${#runs[@]} README blocks to run"
echo "ok   - README: the demo and --reset blocks, ${#runs[@]} to run, ${#skipped[@]} skipped (bash scripts/test.sh)"

mkdir -p "$clone/build/bin" "$clone/build/lib" "$clone/tests"
cp -a "$src/scripts" "$src/ca-profiles" "$src/conf" "$src/web" "$src/sql" "$src/README.md" "$clone/"
cp -a "$src/tests/pki" "$clone/tests/"
cp -a "$build/bin/certgate" "$build/bin/certgate-agent" "$clone/build/bin/"
cp -a "$build/lib/certgate" "$clone/build/lib/"
cp -a "$build/test-pki" "$clone/build/"
rm -rf "$clone/build/test-pki.lock" "$clone/build/demo"
# One token removed from the copy only (moica-liu: no README command uses it).
removed=$(grep -laF moica-liu "$clone"/build/test-pki/softhsm/tokens/*/token.object)
[[ $(wc -l <<<"$removed") == 1 ]] || fail "cannot tell moica-liu's token folder: $removed"
rm -rf "$(dirname "$removed")"

if ((EUID == 0)); then ns=(unshare --net --mount); else ns=(unshare --map-root-user --net --mount); fi
"${ns[@]}" bash "$0" --inside "$src" "$build" "$work"
echo "PASS - the README's demo commands ran as written, in a copied tree"
