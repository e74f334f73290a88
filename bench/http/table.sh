#!/usr/bin/env bash
# table.sh http|db RESULTS.jsonl [SECONDS]: the Markdown table of a bench/http/run.sh or
# bench/db/run.sh run, headed by the machine it ran on.
set -euo pipefail
kind=$1
results=$2
seconds=${3:-}
model=$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)
echo "Machine: ${model:-unknown CPU}, $(nproc) cores; load generator on the same cores;" \
    "$(date -u +%Y-%m-%d)${seconds:+; whole run ${seconds} s}."
echo
# shellcheck disable=SC2016 # jq programs, not shell
common='
  . as $all
  | def run($n): ($all | map(select(.name == $n)) | .[0]) // null;
    def f($x; $d): if $x == null then "–" else ($x * pow(10; $d) | round / pow(10; $d) | tostring) end;
'
http='
  def col($prefix):
    [run($prefix + "-saturation"), run($prefix + "-rate"), run($prefix + "-repeat")];
  (col("nginx")) as $n
  | ([["certgate-sqlite3", "certgate, SQLite"], ["certgate-postgresql", "certgate, PostgreSQL"]]
     | map(select(run(.[0] + "-saturation") != null))) as $servers
  | ($servers | map(. as $s | {label: $s[1], r: col($s[0])})) as $cols
  | ($n[0].loginsPerSecond) as $base
  | def row($title; g): "| " + $title + " | " + ([$n] + ($cols | map(.r)) | map(g) | join(" | ")) + " |";
    "| | nginx mTLS (baseline) | " + ($cols | map(.label) | join(" | ")) + " |",
    "|---|---|" + ($cols | map("---|") | join("")),
    row("logins/s at saturation, distinct cards"; f(.[0].loginsPerSecond; 0)),
    row("ratio to nginx mTLS (target ≥ 3×)"; if .[0] == null or $base == null then "–"
        else f(.[0].loginsPerSecond / $base; 2) + "×" end),
    row("logins/s, repeat card (target ≥ 10,000)"; f(.[2].loginsPerSecond; 0)),
    row("p50 / p99 at \(($n[1].offeredRate // 1000))/s offered, ms (target p99 < 10)";
        f(.[1].p50Ms; 2) + " / " + f(.[1].p99Ms; 2)),
    row("max at that rate, ms"; f(.[1].maxMs; 1)),
    row("server CPU per login, ms, distinct cards (target ≤ 0.5)"; f(.[0].serverCpuMsPerLogin; 3)),
    row("server CPU per login, ms, repeat card"; f(.[2].serverCpuMsPerLogin; 3)),
    row("server RSS under load, MiB (target < 64)"; f([.[].serverRssMiB] | max; 1)),
    row("TCP connections / with no byte / resumed"; ([.[].tcpConnections] | add | tostring) + " / "
        + ([.[].noByteConnections] | add | tostring) + " / " + ([.[].resumedHandshakes] | add | tostring)),
    row("failed logins"; [.[].failed] | add | tostring)
'
db='
    def cell($b; $q): (run($b + "-empty-" + $q)) as $e | (run($b + "-big-" + $q)) as $g
      | f($e.p50Ms; 2) + " / " + f($e.p99Ms; 2) + " | " + f($g.p50Ms; 2) + " / " + f($g.p99Ms; 2)
        + (if $e.p99Ms != null and $g.p99Ms != null and $e.p99Ms > 0
           then " (" + f($g.p99Ms / $e.p99Ms; 2) + "×)" else "" end);
    ["sqlite3", "postgresql"] as $backends
  | ($backends | map(select(run(. + "-empty-receipts") != null))) as $bs
  | ($bs | map(run(. + "-audit"))) as $audits
  | "| p50 / p99, ms | " + ($bs | map(. as $b | ($b + ", empty (baseline)") + " | " + ($b + ", big"))
      | join(" | ")) + " |",
    "|---|" + ($bs | map("---|---|") | join("")),
    (["receipts", "organisation-oid", "citizen-serial", "operator-login"][] as $q
      | "| " + $q + " | " + ($bs | map(cell(.; $q)) | join(" | ")) + " |"),
    "",
    "| | " + ($bs | join(" | ")) + " |",
    "|---|" + ($bs | map("---|") | join("")),
    "| seeding (agencies, operators, receipts, audit events) | "
      + ($audits | map(f(.seedSeconds; 1) + " s") | join(" | ")) + " |",
    "| `certgate audit verify` (events checked, ok) | "
      + ($audits | map(f(.verifySeconds; 1) + " s (" + (.checked | tostring) + ", "
        + (.ok | tostring) + ")") | join(" | ")) + " |"
'
case $kind in
http) jq -rs "$common $http" "$results" ;;
db) jq -rs "$common $db" "$results" ;;
*) echo "table.sh: http or db, not $kind" >&2 && exit 1 ;;
esac
