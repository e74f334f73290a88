#!/usr/bin/env bash
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
# check-test-pki.sh DIR
#
# Proves that the test PKI in DIR (made by make-test-pki.sh) is what DIR/cards.json says:
# chains (through either root generation, by key id), validity of the bad cards, key
# usage, policies, subjectDirectoryAttributes, serials, CRLs and OCSP, the SoftHSM2 tokens
# and a real signature made on a token, the derived CA profiles and the TLS material.
# Prints one line per check; exits 1 if any failed.
set -uo pipefail

DIR=${1:?usage: $0 DIR}
M=$DIR/cards.json
SCRIPT_DIR=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
PROFILE_SRC_DIR=$(realpath "$SCRIPT_DIR/../../ca-profiles")
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

PASS=0 FAIL=0
ok() { PASS=$((PASS + 1)); [[ -n ${VERBOSE:-} ]] && echo "ok   - $*"; return 0; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL - $*"; }
check() { # DESCRIPTION CMD...: pass if CMD succeeds
    local what=$1
    shift
    if "$@" >"$TMP/out" 2>&1; then ok "$what"; else bad "$what: $(tr '\n' ' ' <"$TMP/out" | cut -c1-300)"; fi
}
eq() { # DESCRIPTION ACTUAL EXPECTED
    if [[ $2 == "$3" ]]; then ok "$1"; else bad "$1: got '$2', expected '$3'"; fi
}

[[ -f $M ]] || { echo "FAIL - $M missing (run make-test-pki.sh first)"; exit 1; }
# The manifest's paths are relative to DIR and start with "./": j answers them absolute.
j() { jq -r --arg dir "$DIR" 'walk(if type == "string" and startswith("./") then $dir + .[1:] else . end)
    | '"$1" "${@:2}" "$M"; }

MODULE=$(j .module)
PIN=$(j .pin)
export SOFTHSM2_CONF
SOFTHSM2_CONF=$(j .softhsmConf)
ROOT_G1=$(j '.roots["root-g1"]')
ROOT_G2=$(j '.roots["root-g2"]')
ROOT_G3=$(j '.roots["root-g3"]')
LINK=$(j '.roots["root-g1-to-g2"]')
ROOTS=$(j .rootsBundle)
NOW=$(date -u +%s)

hexnorm() { local s=${1^^}; s=${s//:/}; while [[ $s == 0?* ]]; do s=${s#0}; done; echo "$s"; }
ski_of() { openssl x509 -in "$1" -noout -ext subjectKeyIdentifier | tail -n 1 | tr -d ' :\n'; }
aki_of() { openssl x509 -in "$1" -noout -ext authorityKeyIdentifier | sed -n 2p | tr -d ' :\n' | sed 's/^keyid//'; }

# openssl verify, then the error number (0 = OK).
verify_code() {
    local out re='(^|'$'\n'')error ([0-9]+) at '
    out=$(openssl verify "$@" 2>&1)
    if [[ $out == *": OK" ]]; then echo 0; elif [[ $out =~ $re ]]; then echo "${BASH_REMATCH[2]}"; else echo "?"; fi
}

# The SDA extension as "OID=VALUE" lines (asn1parse of the extension's OCTET STRING).
sda_of() {
    local line off="" found="" attr="" want=""
    while IFS= read -r line; do
        if [[ -n $found ]]; then
            [[ $line =~ ^\ *([0-9]+):.*OCTET\ STRING ]] && off=${BASH_REMATCH[1]}
            break
        fi
        [[ $line =~ OBJECT\ +:(X509v3\ Subject\ Directory\ Attributes|2\.5\.29\.9)$ ]] && found=1
    done < <(openssl asn1parse -in "$1")
    [[ -n $off ]] || return 1
    # SEQUENCE { SEQUENCE { OBJECT attr, SET { value } } ... }: print attr=value.
    while IFS= read -r line; do
        if [[ $line == *" OBJECT "* ]]; then
            line=${line##*:} line=${line// /}
            if [[ -n $want ]]; then echo "$attr=$line"; want=""; else attr=$line want=1; fi
        elif [[ $line == *STRING* && -n $want ]]; then
            echo "$attr=${line##*:}"
            want=""
        fi
    done < <(openssl asn1parse -in "$1" -strparse "$off")
}

tw_letter_value() {
    local letters=ABCDEFGHIJKLMNOPQRSTUVWXYZ
    local values=(10 11 12 13 14 15 16 17 34 18 19 20 21 22 35 23 24 25 26 27 28 29 32 30 31 33)
    local prefix=${letters%%"$1"*}
    echo "${values[${#prefix}]}"
}
tw_id_valid() {
    local id=$1 v sum i
    [[ $id =~ ^[A-Z][1289][0-9]{8}$ ]] || return 1
    v=$(tw_letter_value "${id:0:1}")
    sum=$((v / 10 + (v % 10) * 9))
    for i in 1 2 3 4 5 6 7 8; do sum=$((sum + ${id:i:1} * (9 - i))); done
    (((sum + ${id:9:1}) % 10 == 0))
}

# ---- CAs ------------------------------------------------------------------------------
eq "root-g1 and root-g2 share one subject" "$(openssl x509 -in "$ROOT_G1" -noout -subject)" \
    "$(openssl x509 -in "$ROOT_G2" -noout -subject)"
if [[ $(ski_of "$ROOT_G1") != "$(ski_of "$ROOT_G2")" ]]; then ok "roots have different keys"; else bad "roots share a key"; fi
eq "link AKI = root-g1 SKI" "$(aki_of "$LINK")" "$(ski_of "$ROOT_G1")"
eq "link SKI = root-g2 SKI" "$(ski_of "$LINK")" "$(ski_of "$ROOT_G2")"
eq "link subject = root subject" "$(openssl x509 -in "$LINK" -noout -subject)" "$(openssl x509 -in "$ROOT_G2" -noout -subject)"
eq "link verifies under root-g1" "$(verify_code -CAfile "$ROOT_G1" "$LINK")" 0

while IFS=$'\t' read -r ca cert crl ski ocsp; do
    eq "$ca: SKI in manifest" "$(ski_of "$cert")" "$ski"
    case $ca in
    root-*) continue ;;
    esac
    ca_text=$(openssl x509 -in "$cert" -noout -text)
    if [[ $ca_text == *"CA:TRUE"* && $ca_text == *"Certificate Sign, CRL Sign"* ]]; then ok "$ca: CA extensions"; else
        bad "$ca: CA extensions"; fi
    if [[ $ca == moica-g3 ]]; then
        # Like the real MOICA G3: under the G3 root only, which no link joins to G1/G2.
        eq "$ca: chain to root-g3" "$(verify_code -CAfile "$ROOT_G3" "$cert")" 0
        eq "$ca: no chain to root-g2" "$(verify_code -CAfile "$ROOT_G2" "$cert")" 20
    else
        eq "$ca: chain to root-g2" "$(verify_code -CAfile "$ROOT_G2" "$cert")" 0
        eq "$ca: chain to root-g1 through the link" "$(verify_code -CAfile "$ROOT_G1" -untrusted "$LINK" "$cert")" 0
    fi
    next=$(date -u -d "$(openssl crl -in "$crl" -noout -nextupdate | cut -d= -f2)" +%s)
    if ((next > NOW + 20 * 86400)); then ok "$ca: CRL fresh"; else bad "$ca: CRL nextUpdate $(openssl crl -in "$crl" -noout -nextupdate) is stale"; fi
    check "$ca: CRL signature" openssl crl -in "$crl" -CAfile "$cert" -noout
    ocsp_text=$(openssl x509 -in "$ocsp" -noout -text)
    if [[ $ocsp_text == *"OCSP Signing"* && $ocsp_text == *"OCSP No Check"* ]]; then ok "$ca: OCSP responder cert"; else
        bad "$ca: OCSP responder cert"; fi
done < <(j '.cas | to_entries[] | [.key, .value.cert, .value.crl, .value.ski, .value.ocspCert] | @tsv')

# MOICA G2 and G3: one DN, two keys.
G2=$(j '.cas["moica-g2"].cert') G3=$(j '.cas["moica-g3"].cert')
eq "moica-g2 and moica-g3 share one subject" "$(openssl x509 -in "$G2" -noout -subject)" "$(openssl x509 -in "$G3" -noout -subject)"
if [[ $(ski_of "$G2") != "$(ski_of "$G3")" ]]; then ok "moica-g2/g3 keys differ"; else bad "moica-g2/g3 share a key"; fi
# The G3 root in the shape of the real GRCA G3: its own DN, RSA 4096, digitalSignature too.
g3_text=$(openssl x509 -in "$ROOT_G3" -noout -text)
if [[ $g3_text == *"Public-Key: (4096 bit)"* && $g3_text == *"Digital Signature, Certificate Sign, CRL Sign"* \
    && $g3_text == *"Root Certification Authority - G3"* ]]; then ok "root-g3 mirrors GRCA G3"; else
    bad "root-g3 does not mirror GRCA G3"; fi
if [[ $(openssl x509 -in "$G3" -noout -text) == *"Public-Key: (4096 bit)"* ]]; then ok "moica-g3 is RSA 4096"; else
    bad "moica-g3 is not RSA 4096"; fi

# ---- Cards ----------------------------------------------------------------------------
declare -A CA_CERT=() CA_CRL=() CA_INDEX=() CA_SKI=()
while IFS=$'\t' read -r ca cert crl idx ski; do
    CA_CERT[$ca]=$cert CA_CRL[$ca]=$crl CA_INDEX[$ca]=$idx CA_SKI[$ca]=$ski
done < <(j '.cas | to_entries[] | [.key, .value.cert, .value.crl, .value.index, .value.ski] | @tsv')

TOKENS=$(pkcs11-tool --module "$MODULE" -L 2>&1)
# Tokens are selected by slot id: pkcs11-tool's --token-label matches label prefixes
# ("moica-wang" would also match "moica-wang-renewed").
p11() { pkcs11-tool --module "$MODULE" --slot "$@"; }
ncards=0
while IFS=$'\t' read -r c kind profile issuer_ca sign enc chain serial enc_serial issuer_kid expect keytype slot \
    st id last4 ssn name identifier; do
    ncards=$((ncards + 1))
    crl=${CA_CRL[$issuer_ca]}
    # One openssl call per certificate: serial=, subject= (RFC 4514), then the text.
    text=$(openssl x509 -in "$sign" -noout -serial -subject -nameopt RFC2253,-esc_msb -text)
    enc_text=$(openssl x509 -in "$enc" -noout -serial -text)
    sign_serial_raw=${text%%$'\n'*} sign_serial_raw=${sign_serial_raw#serial=}
    subject_line=$(sed -n 2p <<<"$text")
    aki=${text#*Authority Key Identifier: $'\n'} aki=${aki%%$'\n'*} aki=${aki//[ :]/} aki=${aki#keyid}
    eq "$c: serial" "$(hexnorm "$sign_serial_raw")" "$serial"
    enc_serial_raw=${enc_text%%$'\n'*}
    eq "$c: encryption serial" "$(hexnorm "${enc_serial_raw#serial=}")" "$enc_serial"
    eq "$c: AKI = issuer SKI" "$aki" "$issuer_kid"
    eq "$c: issuer SKI in manifest" "${CA_SKI[$issuer_ca]}" "$issuer_kid"
    if [[ $'\n'$(<"${CA_INDEX[$issuer_ca]}") == *$'\t'"$sign_serial_raw"$'\t'* ]]; then ok "$c: in $issuer_ca index.txt"; else
        bad "$c: not in $issuer_ca index.txt"; fi

    # Expected chain result for each card (openssl verify error numbers).
    want=0
    case $expect in
    CERT_EXPIRED) want=10 ;;
    CERT_NOT_YET_VALID) want=9 ;;
    esac
    eq "$c: verify via the roots" "$(verify_code -CAfile "$ROOTS" -untrusted "$chain" "$sign")" "$want"
    if [[ $issuer_ca != moica-g3 ]]; then
        eq "$c: verify via root-g1 + link" "$(verify_code -CAfile "$ROOT_G1" -untrusted "$chain" "$sign")" "$want"
    fi
    eq "$c: encryption cert verifies" "$(verify_code -CAfile "$ROOTS" -untrusted "$chain" "$enc")" "$want"
    if [[ $want == 0 ]]; then
        eq "$c: policy 2.16.886.101.0.3.3 (explicit)" \
            "$(verify_code -CAfile "$ROOTS" -untrusted "$chain" -policy 2.16.886.101.0.3.3 -explicit_policy "$sign")" 0
        want_crl=0
        [[ $expect == CERT_REVOKED ]] && want_crl=23
        eq "$c: CRL check" "$(verify_code -CAfile "$ROOTS" -untrusted "$chain" -crl_check -CRLfile "$crl" "$sign")" "$want_crl"
    fi

    has_ds=no
    [[ $text == *"Digital Signature"* ]] && has_ds=yes
    if [[ $expect == CERT_KEY_USAGE ]]; then eq "$c: digitalSignature" $has_ds no; else eq "$c: digitalSignature" $has_ds yes; fi
    if [[ $enc_text == *"Key Encipherment, Data Encipherment"* ]]; then
        ok "$c: encryption key usage"; else bad "$c: encryption key usage"; fi
    case $keytype in
    rsa:*) key_ok=$([[ $text == *"Public-Key: (${keytype#rsa:} bit)"* && $text == *rsaEncryption* ]] && echo yes) ;;
    ec:P-256) key_ok=$([[ $text == *"id-ecPublicKey"* && $text == *"prime256v1"* ]] && echo yes) ;;
    *) key_ok="" ;;
    esac
    eq "$c: key $keytype" "$key_ok" yes
    if [[ $text == *"http://127.0.0.1:18080/crl/$issuer_ca.crl"* && $text == *"OCSP - URI:http://127.0.0.1:18081/$issuer_ca"* ]]; then
        ok "$c: CRLDP and AIA"; else bad "$c: CRLDP/AIA"; fi
    if [[ $text == *"Policy: 2.16.886.101.0.3.3"* ]]; then ok "$c: policy"; else bad "$c: no policy 2.16.886.101.0.3.3"; fi

    # subjectDirectoryAttributes (2.5.29.9) against the manifest.
    sda=$(sda_of "$sign")
    want_sda=("2.16.886.1.100.2.1=$st")
    case $kind/$profile in
    citizen/*)
        if tw_id_valid "$id"; then ok "$c: national ID checksum"; else bad "$c: national ID $id invalid"; fi
        eq "$c: idLast4" "$last4" "${id: -4}"
        want_sda+=("2.16.886.1.100.2.51=$last4")
        eq "$c: subject" "$subject_line" "subject=serialNumber=$ssn,CN=$name,C=TW"
        ;;
    organisation/gca) want_sda+=("2.16.886.1.100.2.102=$identifier") ;;
    organisation/xca) want_sda+=("2.16.886.1.100.2.102=$identifier" "2.16.886.1.100.2.2=secondary") ;;
    organisation/moeaca) want_sda+=("2.16.886.1.100.2.2=primary" "2.16.886.1.100.2.101=$identifier") ;;
    esac
    eq "$c: SDA" "$sda" "$(printf '%s\n' "${want_sda[@]}")"

    # Token: present at its slot, two keys and two certificates, cert 01 is signCert.
    if [[ $TOKENS == *"token label        : $c"$'\n'* ]]; then ok "$c: token present"; else bad "$c: token missing"; fi
    objs=$(p11 "$slot" --login --pin "$PIN" -O 2>&1)
    # Expect private key, public key and certificate under id 01 and under id 02.
    summary=$(awk '/^[A-Z][a-z]+ Key Object|^Certificate Object/ { t = $1 } /^ +ID: / { print t $2 }' <<<"$objs" | sort | tr '\n' ' ')
    eq "$c: objects on token" "$summary" "Certificate01 Certificate02 Private01 Private02 Public01 Public02 "
    rm -f "$TMP/tok.der"
    p11 "$slot" --read-object --type cert --id 01 -o "$TMP/tok.der" >/dev/null 2>&1
    if cmp -s "$TMP/tok.der" "${sign%.pem}.der"; then ok "$c: token cert 01 = signCert"; else
        bad "$c: token cert 01 differs from signCert"; fi
done < <(j '.cards | to_entries[] | .value as $v | [.key, $v.kind, $v.ca, $v.issuerCa, $v.signCert, $v.encCert, $v.chain,
    $v.serial, $v.encSerial, $v.issuerKeyId, ($v.expect // "-"), $v.signKeyType, $v.slot, $v.subjectType,
    ($v.nationalId // "-"), ($v.idLast4 // "-"), ($v.subjectSerialNumber // "-"), ($v.name // "-"),
    ($v.identifier // "-")] | @tsv')

eq "one token per card" "$(grep -c 'token label' <<<"$TOKENS")" "$ncards"

# A MOICA G3 card must NOT chain through MOICA G2 (same DN, wrong key).
KAO=$(j '.cards["moica-g3-kao"].signCert')
if [[ $(verify_code -CAfile "$ROOTS" -untrusted "$G2" "$KAO") != 0 ]]; then ok "moica-g3-kao does not chain via moica-g2"; else
    bad "moica-g3-kao chains via moica-g2"; fi
eq "moica-testca issuer key = gtestca SKI" "$(j '.cards["moica-testca"].issuerKeyId')" "${CA_SKI[gtestca]}"

# CRL lists the revoked card with reason keyCompromise.
REV=$(j '.cards["moica-revoked"].serial')
if openssl crl -in "${CA_CRL[moica-g2]}" -noout -text | grep -A4 "Serial Number: 0*$REV\$" | grep -q "Key Compromise"; then
    ok "moica-g2 CRL lists $REV (keyCompromise)"; else bad "moica-g2 CRL does not list $REV as keyCompromise"; fi
check "DER CRL parses" openssl crl -inform DER -in "$(j '.cas["moica-g2"].crlDer')" -noout

# OCSP through the delegated responder, offline.
ocsp_status() { # CARD
    local c=$1 ca cert
    ca=$(j ".cards[\"$c\"].issuerCa")
    cert=$(j ".cards[\"$c\"].signCert")
    openssl ocsp -issuer "${CA_CERT[$ca]}" -cert "$cert" -no_nonce -reqout "$TMP/req.der" >/dev/null 2>&1
    openssl ocsp -index "${CA_INDEX[$ca]}" -CA "${CA_CERT[$ca]}" \
        -rsigner "$(j ".cas[\"$ca\"].ocspCert")" -rkey "$(j ".cas[\"$ca\"].ocspKey")" \
        -reqin "$TMP/req.der" -respout "$TMP/resp.der" >/dev/null 2>&1
    openssl ocsp -respin "$TMP/resp.der" -issuer "${CA_CERT[$ca]}" -cert "$cert" \
        -CAfile "$ROOTS" -verify_other "$(j ".cards[\"$c\"].chain")" 2>&1 | sed -n "s|^$cert: ||p; /Response verify OK/p" | tr '\n' ' '
}
eq "OCSP moica-wang" "$(ocsp_status moica-wang)" "Response verify OK good "
eq "OCSP moica-revoked" "$(ocsp_status moica-revoked)" "Response verify OK revoked "

# Real signatures made on tokens (key id 01), checked with the certificate's public key.
# SoftHSM 2.6 has no CKM_ECDSA_SHA256: ECDSA signs a SHA-256 digest with plain CKM_ECDSA.
printf 'certgate test data %s' "$NOW" >"$TMP/data"
openssl dgst -sha256 -binary "$TMP/data" >"$TMP/data.sha256"
sign_check() { # CARD MECHANISM INPUT [extra pkcs11-tool args]
    local c=$1 mech=$2 in=$3
    shift 3
    openssl x509 -in "$(j ".cards[\"$c\"].signCert")" -noout -pubkey >"$TMP/pub.pem"
    p11 "$(j ".cards[\"$c\"].slot")" --login --pin "$PIN" --sign -m "$mech" --id 01 -i "$in" -o "$TMP/sig" "$@" &&
        openssl dgst -sha256 -verify "$TMP/pub.pem" -signature "$TMP/sig" "$TMP/data"
}
check "moica-wang signs on its token (RS256)" sign_check moica-wang SHA256-RSA-PKCS "$TMP/data"
check "gca-moi signs on its token (RS256)" sign_check gca-moi SHA256-RSA-PKCS "$TMP/data"
check "moica-ecdsa signs on its token (ES256)" sign_check moica-ecdsa ECDSA "$TMP/data.sha256" --signature-format openssl

# ---- CA profiles -----------------------------------------------------------------------
PROFILES=$(j .caProfiles)
for id in gca xca moeaca hca moica; do
    p=$PROFILES/$id.json
    [[ -f $p ]] || { bad "profile $id missing"; continue; }
    keep='del(.test, .trustAnchors, .intermediates, .issuerKeyIds, .deniedIssuerKeyIds, .revocation)'
    eq "profile $id: only trust/revocation fields differ" "$(jq -S "$keep" "$p")" "$(jq -S "$keep" "$PROFILE_SRC_DIR/$id.json")"
    eq "profile $id: test" "$(jq .test "$p")" true
    eq "profile $id: denied = gtestca" "$(jq -c .deniedIssuerKeyIds "$p")" "[\"$(j .cas.gtestca.ski)\"]"
    eq "profile $id: revocation mode" "$(jq -r .revocation.mode "$p")" crl
    eq "profile $id: every path is relative to the profile" \
        "$(jq -r '(.trustAnchors + .intermediates + .revocation.crl.files)[] | select(startswith("/"))' "$p")" ""
    missing=$(jq -r '(.trustAnchors + .intermediates + .revocation.crl.files)[]' "$p" |
        while read -r f; do [[ -f $PROFILES/$f ]] || echo "$f"; done)
    eq "profile $id: files exist" "$missing" ""
    for kid in $(jq -r '.issuerKeyIds[]' "$p"); do
        known=""
        for ca in "${!CA_SKI[@]}"; do [[ ${CA_SKI[$ca]} == "$kid" ]] && known=$ca; done
        if [[ -n $known ]]; then ok "profile $id: issuer key $kid is $known"; else bad "profile $id: unknown issuer key $kid"; fi
    done
done
eq "moica profile: two MOICA generations" "$(jq -c .issuerKeyIds "$PROFILES/moica.json")" \
    "[\"${CA_SKI[moica-g2]}\",\"${CA_SKI[moica-g3]}\"]"

# ---- Relocatable: no file names this tree's absolute path, but softhsm2.conf ------------
REAL_DIR=$(realpath "$DIR")
eq "manifest paths are relative (./...)" \
    "$(jq -r '[.. | strings | select(startswith("/"))] - [.module] | .[]' "$M")" ""
eq "no generated file names $REAL_DIR except softhsm2.conf" \
    "$(grep -rlF --exclude=generate.log "$REAL_DIR" "$REAL_DIR" | grep -vx "$REAL_DIR/softhsm/softhsm2.conf")" ""
eq "softhsm2.conf names this tree's tokens" "$(sed -n 's/^directories.tokendir = //p' "$SOFTHSM2_CONF")" \
    "$REAL_DIR/softhsm/tokens"

# ---- TLS -------------------------------------------------------------------------------
TLS_CA=$(j .tls.ca) TLS_CERT=$(j .tls.certificate) TLS_KEY=$(j .tls.privateKey)
eq "TLS cert for portal.certgate.test" \
    "$(verify_code -CAfile "$TLS_CA" -purpose sslserver -verify_hostname portal.certgate.test "$TLS_CERT")" 0
eq "TLS cert for localhost" "$(verify_code -CAfile "$TLS_CA" -purpose sslserver -verify_hostname localhost "$TLS_CERT")" 0
eq "TLS cert for 127.0.0.1" "$(verify_code -CAfile "$TLS_CA" -purpose sslserver -verify_ip 127.0.0.1 "$TLS_CERT")" 0
eq "TLS key matches cert" "$(openssl pkey -in "$TLS_KEY" -pubout)" "$(openssl x509 -in "$TLS_CERT" -noout -pubkey)"
if grep -q "BEGIN PRIVATE KEY" "$TLS_KEY"; then ok "TLS key is unencrypted PKCS#8"; else bad "TLS key is not unencrypted PKCS#8"; fi

echo "check-test-pki: $PASS passed, $FAIL failed ($ncards cards)"
((FAIL == 0))
