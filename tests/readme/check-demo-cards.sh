#!/usr/bin/env bash
# check-demo-cards.sh SOURCE_DIR TEST_PKI_DIR
#
# The demo's three descriptions of its cards agree: the README's demo table (and the serial
# its walk-through quotes), the test PKI's manifest (cards.json: names, IDs, organisations,
# identifiers and each card's purpose, which names its agency code) and the demo's agency
# master data (conf/demo/agencies.csv), plus the card lines scripts/demo.sh prints.
# Prints one line per disagreement; exits 1 if there is any.
set -uo pipefail
export LC_ALL=C.UTF-8

src=${1:?usage: $0 SOURCE_DIR TEST_PKI_DIR}
manifest=${2:?usage: $0 SOURCE_DIR TEST_PKI_DIR}/cards.json
readme=$src/README.md
agencies=$src/conf/demo/agencies.csv
failures=0 checks=0
bad() { failures=$((failures + 1)); echo "FAIL - $*"; }
card() { jq -r --arg c "$1" ".cards[\$c].$2 // empty" "$manifest"; }
agency() { awk -F, -v code="$1" -v col="$2" 'NR > 1 && $1 == code { print $col }' "$agencies"; }
codes() { grep -oE '\b[A-E][0-9]{4}\b' | sort -u; }
[[ -f $manifest && -f $readme && -f $agencies ]] || { echo "FAIL - missing $manifest, $readme or $agencies"; exit 1; }

# ---- README's demo table: | card (token label) | what it is | use it for | -------------------
table=$(awk '/^\| card \(token label\)/ { on = 1; next } on && !/^\|/ { exit } on && !/^\|---/' "$readme")
[[ $(wc -l <<<"$table") -ge 10 ]] || bad "README's demo table not found or shorter than 10 rows"
while IFS= read -r row; do
    IFS='|' read -r _ labels what use _ <<<"$row"
    mapfile -t row_cards < <(grep -oE '`[a-z0-9-]+`' <<<"$labels" | tr -d '`')
    known=() purposes="" people=""
    for c in "${row_cards[@]}"; do
        checks=$((checks + 1))
        if [[ -z $(card "$c" token) ]]; then bad "README table names $c, which cards.json does not have"; continue; fi
        known+=("$c")
        purposes+="$(card "$c" purpose)"$'\n'
        people+="$(card "$c" name)"$'\n'"$(card "$c" organisationName)"$'\n'"$(card "$c" nationalId)"$'\n'
    done
    # Every national ID and every name (Han characters) the row shows belongs to one of its cards.
    for word in $(grep -oE '\b[A-Z][12][0-9]{8}\b' <<<"$what") $(grep -oP '\p{Han}{2,}' <<<"$what"); do
        checks=$((checks + 1))
        grep -qxF "$word" <<<"$people" || bad "README table row ${known[*]}: '$word' is none of its cards' names or IDs"
    done
    # Every OID or business number it shows is one of its cards' identifiers.
    for word in $(grep -oE '\b2\.16\.886(\.[0-9]+)+\b' <<<"$what"); do
        checks=$((checks + 1))
        [[ $(for c in "${known[@]}"; do card "$c" identifier; done) == *"$word"* ]] ||
            bad "README table row ${known[*]}: identifier $word is none of its cards'"
    done
    # Every agency code it shows is one its cards' purposes in cards.json name.
    for code in $(codes <<<"$what $use"); do
        checks=$((checks + 1))
        grep -q "agency $code" <<<"$purposes" || bad "README table row ${known[*]}: agency $code, cards.json purposes: $purposes"
    done
done <<<"$table"

# ---- cards.json purposes against agencies.csv -------------------------------------------------
while IFS=$'\t' read -r c kind ca org identifier purpose; do
    for code in $(codes <<<"$purpose"); do
        checks=$((checks + 1))
        [[ -n $(agency "$code" 1) ]] || { bad "cards.json $c: purpose names agency $code, not in agencies.csv"; continue; }
        [[ $kind == organisation ]] || continue
        if [[ $purpose == *"presented for agency $code"*mismatch* ]]; then
            [[ $(agency "$code" 4) == "$ca" && $(agency "$code" 5) != "$identifier" ]] ||
                bad "cards.json $c: agency $code should expect a $ca card with another identifier than $identifier"
        elif [[ $purpose == *"agency $code"* ]]; then
            [[ $(agency "$code" 2) == "$org" && $(agency "$code" 4) == "$ca" && $(agency "$code" 5) == "$identifier" ]] ||
                bad "cards.json $c ($org, $ca, $identifier) disagrees with agencies.csv $code ($(agency "$code" 2), $(agency "$code" 4), $(agency "$code" 5))"
        fi
    done
done < <(jq -r '.cards | to_entries[] | [.key, .value.kind, .value.ca, .value.organisationName // "",
    .value.identifier // "", .value.purpose] | @tsv' "$manifest")
# Every demo agency is some card's.
for code in $(tail -n +2 "$agencies" | cut -d, -f1); do
    checks=$((checks + 1))
    jq -e --arg a "agency $code" '[.cards[] | select(.purpose | contains($a))] | length > 0' "$manifest" >/dev/null ||
        bad "agencies.csv $code: no card's purpose in cards.json names it"
done

# ---- the walk-through's quoted serial and demo.sh's card lines --------------------------------
serial=$(grep -oE "moica-huang\`'s serial \(\`[0-9A-F]+\`\)" "$readme" | grep -oE '[0-9A-F]{16,}')
checks=$((checks + 1))
[[ -n $serial && $serial == "$(card moica-huang serial)" ]] ||
    bad "README quotes moica-huang's serial '$serial', cards.json has $(card moica-huang serial)"
while read -r c id; do
    checks=$((checks + 1))
    [[ $(card "$c" nationalId) == "$id" ]] || bad "demo.sh prints $c ($id), cards.json has $(card "$c" nationalId)"
done < <(grep -oE 'moica-[a-z]+ \((ID )?[A-Z][12][0-9]{8}\)' "$src/scripts/demo.sh" | tr -d '()' | sed 's/ ID / /')
while read -r code name c; do
    checks=$((checks + 1))
    [[ $(agency "$code" 2) == "$name" && $(agency "$code" 5) == "$(card "$c" identifier)" ]] ||
        bad "demo.sh prints agency $code $name with $c; agencies.csv and cards.json disagree"
done < <(grep -oP 'agency [A-E][0-9]{4} \p{Han}+:\s+organisation card [a-z-]+' "$src/scripts/demo.sh" |
    sed -E 's/^agency //; s/:\s+organisation card / /')

((checks >= 30)) || bad "only $checks checks ran; the table or the manifest is not what this script reads"
echo "$checks checks, $failures failed"
((failures == 0))
