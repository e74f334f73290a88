#!/usr/bin/env bash
# make-test-pki.sh OUTDIR
#
# Generates certgate's test PKI: two GRCA-like root generations with a G1->G2 link
# certificate, the five organisation/citizen CAs with their real issuer DNs (plus a
# second MOICA generation and a government *test* CA), one SoftHSM2 token per test
# card, TLS material for the HTTPS portal, test CA profiles derived from
# ca-profiles/*.json, and a manifest OUTDIR/cards.json that says what is where.
# See README.md beside this file for the roster and what each card is for.
#
# Re-running is cheap: when OUTDIR/cards.json is newer than this script and every
# ca-profiles/*.json (and the certificates are not about to expire) only the CRLs are
# re-signed (nextUpdate = now + 30 days) and the script exits. Otherwise everything is
# generated into a temporary directory beside OUTDIR and renamed into place at the end,
# so a crash never leaves a half-generated OUTDIR.
#
# Tools: openssl 3.0 CLI, softhsm2-util, pkcs11-tool, jq (plus coreutils and flock).
set -euo pipefail

readonly PIN=123456
readonly SO_PIN=87654321
readonly MODULE=/usr/lib/softhsm/libsofthsm2.so
readonly POLICY_LEVEL3=2.16.886.101.0.3.3
readonly CRL_BASE=http://127.0.0.1:18080/crl   # CRLDP: <base>/<ca>.crl
readonly OCSP_BASE=http://127.0.0.1:18081      # AIA OCSP: <base>/<ca>
readonly ROOT_DN="/C=TW/O=certgate Test Government Root Certification Authority"
readonly CA_KEY=rsa:3072                       # roots and CAs
readonly EE_KEY=rsa:2048                       # end entities

SCRIPT_PATH=$(realpath "${BASH_SOURCE[0]}")
SCRIPT_DIR=$(dirname "$SCRIPT_PATH")
REPO_ROOT=$(realpath "$SCRIPT_DIR/../..")
PROFILE_SRC_DIR=$REPO_ROOT/ca-profiles
readonly SCRIPT_PATH SCRIPT_DIR REPO_ROOT PROFILE_SRC_DIR

die() { echo "make-test-pki: $*" >&2; exit 1; }

# --------------------------------------------------------------------------------------
# Identifier checksums (taiwan-pki.md §3). Every identifier in the roster is asserted
# below, so a typo cannot produce a card that the server rightly refuses as invalid.
# --------------------------------------------------------------------------------------

# Letter of a national ID / new resident number -> its two-digit value (note I, O, W-Z).
tw_letter_value() {
    local letters=ABCDEFGHIJKLMNOPQRSTUVWXYZ
    local values=(10 11 12 13 14 15 16 17 34 18 19 20 21 22 35 23 24 25 26 27 28 29 32 30 31 33)
    local prefix=${letters%%"$1"*}
    echo "${values[${#prefix}]}"
}

# National ID (2nd char 1/2) or new-format resident number (2nd char 8/9, since 2021):
# tens digit x1 + units digit x9 + digits 2..9 x 8..1 + check digit == 0 (mod 10).
tw_id_valid() {
    local id=$1 v sum i
    [[ $id =~ ^[A-Z][1289][0-9]{8}$ ]] || return 1
    v=$(tw_letter_value "${id:0:1}")
    sum=$((v / 10 + (v % 10) * 9))
    for i in 1 2 3 4 5 6 7 8; do sum=$((sum + ${id:i:1} * (9 - i))); done
    (((sum + ${id:9:1}) % 10 == 0))
}

# Unified business number: weights 1,2,1,2,1,2,4,1, add the digits of each product;
# valid if the sum is divisible by 5 (rule since 2023-04-01), or if digit 7 is a 7
# and sum+1 is divisible by 5.
ubn_valid() {
    local ubn=$1 w=(1 2 1 2 1 2 4 1) sum=0 i p
    [[ $ubn =~ ^[0-9]{8}$ ]] || return 1
    for i in 0 1 2 3 4 5 6 7; do
        p=$((${ubn:i:1} * w[i]))
        sum=$((sum + p / 10 + p % 10))
    done
    ((sum % 5 == 0)) || { [[ ${ubn:6:1} == 7 ]] && (((sum + 1) % 5 == 0)); }
}

# Self-test of the checksum functions against known answers, then they guard the roster.
assert_checksums_work() {
    tw_id_valid A123456789 || die "checksum self-test: A123456789 must be valid"
    ! tw_id_valid A123456788 || die "checksum self-test: A123456788 must be invalid"
    tw_id_valid A800000014 || die "checksum self-test: A800000014 must be valid"
    ubn_valid 22099131 || die "checksum self-test: UBN 22099131 must be valid"
    ubn_valid 12345675 || die "checksum self-test: UBN 12345675 (digit-7 rule) must be valid"
    ! ubn_valid 12345678 || die "checksum self-test: UBN 12345678 must be invalid"
}

# --------------------------------------------------------------------------------------
# Deterministic values
# --------------------------------------------------------------------------------------

# Certificate serial: first 16 bytes of sha256("certgate-test:<name>:<use>") with the top
# bit cleared (a positive 16-byte INTEGER, like real MOICA serials). Uppercase hex.
serial_from_sha256() { # HEXDIGEST
    local h=${1:0:32}
    h=${h^^}
    printf '%X%s\n' $((16#${h:0:1} & 7)) "${h:1}"
}
serial_hex() { # NAME USE
    local h
    h=$(printf 'certgate-test:%s:%s' "$1" "$2" | sha256sum)
    serial_from_sha256 "$h"
}

# The manifest shows serials the way the server does: uppercase hex, no leading zeros.
strip_zeros() {
    local s=$1
    while [[ $s == 0?* ]]; do s=${s#0}; done
    echo "$s"
}

# 16-digit subject serialNumber ("自然人序號") = sha256("certgate-test:person:<id>")
# (first 60 bits, mod 10^16). Derived from the person, not the card, so a renewed card
# of the same person carries the same one.
subject_serial_from_sha256() { # HEXDIGEST
    printf '%016d' $((16#${1:0:15} % 10000000000000000))
}

# --------------------------------------------------------------------------------------
# The card roster. def_card NAME key=value...; read back as ${CARD[NAME.key]}.
#   ca        profile id the card belongs to (moica, gca, xca, moeaca, hca)
#   issuer    CA that issues it (moica-g2, moica-g3, gtestca, gca, ...)
#   kind      citizen | organisation | server
#   signkey   key spec of the signing key (default rsa:2048); encryption key is rsa:2048
#   validity  normal | expired | notyet
#   signku    keyUsage of the signing cert (default digitalSignature, nonRepudiation)
#   revoke    CRL reason: the card's certificates are revoked after issuance
#   expect    the SPEC §5 error code a validator must answer for this card
# --------------------------------------------------------------------------------------
declare -A CARD=()
CARDS=()
def_card() {
    local name=$1 kv
    shift
    CARDS+=("$name")
    for kv in "$@"; do CARD["$name.${kv%%=*}"]=${kv#*=}; done
}

define_roster() {
    local M="ca=moica kind=citizen issuer=moica-g2"
    # shellcheck disable=SC2086 # $M is a list of key=value words on purpose
    {
    # Citizens (MOICA G2). Demo agencies (conf/demo/agencies.csv, README's demo table):
    # A0001 內政部 (gca-moi), B0001 建國中學 (xca-school), C0001 the test company
    # (moeaca-company), D0001 the hospital (hca-hospital); 外交部's card (gca-mofa, agency
    # A0002) presented for E0001 is the identifier mismatch that goes to review.
    def_card moica-wang $M name=王大明 id=A120315781 purpose="agency A0001 manager"
    def_card moica-wang-renewed $M name=王大明 id=A120315781 \
        purpose="agency A0001 manager's renewed card: same person and ID, new keys and serial"
    def_card moica-lin $M name=林小美 id=B225041636 purpose="new manager of agency A0001 (replace-manager flows)"
    def_card moica-chen $M name=陳志強 id=H108362943 purpose="agency A0001 operator"
    def_card moica-chen-renewed $M name=陳志強 id=H108362943 \
        purpose="agency A0001 operator's renewed card (serial not yet on file until the manager edits it)"
    def_card moica-huang $M name=黃淑芬 id=F227190583 purpose="agency A0001 operator"
    def_card moica-lee $M name=李國華 id=W104927361 purpose="bureau ops staff (admin pages allow-list)"
    def_card moica-tsai $M name=蔡明哲 id=D126350492 purpose="agency B0001 manager"
    def_card moica-wu $M name=吳佩君 id=K229503715 purpose="agency C0001 manager"
    def_card moica-liu $M name=劉建宏 id=Z107462859 purpose="agency D0001 manager"
    def_card moica-resident $M name="JOHN SMITH" id=A800123450 subjecttype=2.16.886.1.100.3.1.9 \
        purpose="foreign resident, new-format resident number (2nd char 8), subjectType alienResident"
    # Second MOICA generation: same issuer DN as moica-g2, other key.
    def_card moica-g3-kao ca=moica kind=citizen issuer=moica-g3 name=高美玲 id=G223861046 \
        purpose="citizen card issued by MOICA G3 (same issuer DN as G2, chain only by key id)"

    # Bad citizen cards: each must be refused with its 'expect' code.
    def_card moica-expired $M name=張家豪 id=A152183071 validity=expired expect=CERT_EXPIRED \
        purpose="expired certificate (now-3y .. now-1y)"
    def_card moica-notyet $M name=楊雅婷 id=B281936409 validity=notyet expect=CERT_NOT_YET_VALID \
        purpose="not yet valid (now+1y .. now+3y)"
    def_card moica-revoked $M name=許文彬 id=C104617291 revoke=keyCompromise expect=CERT_REVOKED \
        purpose="revoked (keyCompromise) in moica-g2's index and CRL"
    def_card moica-nodigsig $M name=鄭怡君 id=N223075812 signku=keyEncipherment expect=CERT_KEY_USAGE \
        purpose="signing certificate without digitalSignature (keyUsage keyEncipherment only)"
    def_card moica-testca ca=moica kind=citizen issuer=gtestca name=謝宗翰 id=P109582631 expect=CERT_UNTRUSTED \
        purpose="issued by the government TEST CA with the production policy: refused by issuer key id"
    def_card moica-ecdsa $M name=郭靜怡 id=Q226741093 signkey=ec:P-256 \
        purpose="ECDSA P-256 signing key (ES256); valid card"
    def_card moica-rsa1024 $M name=洪志明 id=R103865277 signkey=rsa:1024 expect=CERT_POLICY \
        purpose="RSA-1024 signing key (below the 2048-bit minimum)"
    }

    # Organisation cards.
    def_card gca-moi ca=gca kind=organisation issuer=gca org=內政部 identifier=2.16.886.101.20003.20001 \
        purpose="agency A0001 organisation card (GCA, agency OID)"
    def_card gca-moi-renewed ca=gca kind=organisation issuer=gca org=內政部 identifier=2.16.886.101.20003.20001 \
        purpose="agency A0001 renewed organisation card: same agency, new keys (replace-organisation flows)"
    def_card gca-mofa ca=gca kind=organisation issuer=gca org=外交部 identifier=2.16.886.101.20003.20002 \
        purpose="agency A0002 organisation card (GCA); presented for agency E0001 its OID mismatches (review path)"
    def_card gca-server ca=gca kind=server issuer=gca org=內政部 host=portal.example.gov.tw expect=WRONG_CARD_KIND \
        purpose="GCA server certificate (subjectType 3.3.1): never a login card"
    def_card xca-school ca=xca kind=organisation issuer=xca org=臺北市立建國高級中學 \
        identifier=2.16.886.111.90005.90003.100004 county=臺北市 town=中正區 rank=secondary \
        purpose="agency B0001 organisation card (XCA school, org OID under 2.16.886.111)"
    def_card moeaca-company ca=moeaca kind=organisation issuer=moeaca org=臺灣測試科技股份有限公司 identifier=24580035 \
        rank=primary purpose="agency C0001 organisation card (MOEACA company, unified business number)"
    def_card hca-hospital ca=hca kind=organisation issuer=hca org=臺北測試綜合醫院 identifier=1137010024 \
        purpose="agency D0001 organisation card (HCA healthcare institution, 10-character code)"
}

# Values derived once per card: certificate serials and the subject serialNumber. All
# preimages are hashed by ONE sha256sum run (process starts are the slow part here).
derive_card_values() {
    local dir=$WORK/derive c digest file
    mkdir -p "$dir"
    for c in "${CARDS[@]}"; do
        printf 'certgate-test:%s:sign' "$c" >"$dir/$c.serial"
        printf 'certgate-test:%s:enc' "$c" >"$dir/$c.encserial"
        case ${CARD[$c.kind]} in
        citizen) printf 'certgate-test:person:%s' "${CARD[$c.id]}" >"$dir/$c.ssn" ;;
        server) printf 'certgate-test:person:%s' "${CARD[$c.host]}" >"$dir/$c.ssn" ;;
        esac
    done
    while read -r digest file; do
        case $file in
        *.ssn) CARD[$file]=$(subject_serial_from_sha256 "$digest") ;;
        *) CARD[$file]=$(serial_from_sha256 "$digest") ;;
        esac
    done < <(cd "$dir" && sha256sum -- *)
    rm -rf "$dir"
}

assert_roster_identifiers() {
    local c id
    for c in "${CARDS[@]}"; do
        case ${CARD[$c.kind]} in
        citizen)
            id=${CARD[$c.id]}
            tw_id_valid "$id" || die "card $c: national ID $id fails the checksum"
            if [[ ${CARD[$c.subjecttype]:-} == 2.16.886.1.100.3.1.9 ]]; then
                [[ ${id:1:1} == [89] ]] || die "card $c: resident number $id is not new-format"
            else
                [[ ${id:1:1} == [12] ]] || die "card $c: national ID $id has a resident-number 2nd char"
            fi
            ;;
        organisation)
            id=${CARD[$c.identifier]}
            case ${CARD[$c.ca]} in
            gca) [[ $id =~ ^2\.16\.886\.101(\.[0-9]+)+$ ]] || die "card $c: $id is not an agency OID" ;;
            xca) [[ $id =~ ^2\.16\.886\.111(\.[0-9]+)+$ ]] || die "card $c: $id is not under 2.16.886.111" ;;
            moeaca) ubn_valid "$id" || die "card $c: UBN $id fails the checksum" ;;
            hca) [[ $id =~ ^[0-9A-Z]{10}$ ]] || die "card $c: institution code $id is not 10 characters" ;;
            esac
            ;;
        esac
    done
}

# --------------------------------------------------------------------------------------
# OpenSSL configuration. One relocatable ca.cnf for every CA: the CA directory comes from
# $CERTGATE_CA_DIR, so the same file works in the temporary build directory and, for CRL
# refreshes, in the final OUTDIR.
# --------------------------------------------------------------------------------------
write_openssl_configs() {
    local dir=$1
    mkdir -p "$dir/ext"
    cat >"$dir/req.cnf" <<'EOF'
# CSRs: names are UTF-8 (the GPKI DNs are Chinese); C and serialNumber stay PrintableString.
[req]
distinguished_name = req_dn
string_mask = utf8only
utf8 = yes
prompt = no
[req_dn]
EOF
    cat >"$dir/ca.cnf" <<EOF
# openssl ca configuration shared by all test CAs; CERTGATE_CA_DIR selects the CA.
[ca]
default_ca = CA_default

[CA_default]
dir = \$ENV::CERTGATE_CA_DIR
database = \$dir/index.txt
serial = \$dir/serial
crlnumber = \$dir/crlnumber
new_certs_dir = \$dir/newcerts
certificate = \$dir/cert.pem
private_key = \$dir/key.pem
default_md = sha256
default_crl_days = 30
policy = policy_any
# Renewed cards and CA generations share subjects, as in the real GPKI.
unique_subject = no
# Keep the request's RDN order (C, CN, serialNumber / C, L, L, O ...).
preserve = yes
email_in_dn = no
copy_extensions = none
string_mask = utf8only
utf8 = yes
crl_extensions = crl_ext

[policy_any]
countryName = optional
stateOrProvinceName = optional
localityName = optional
organizationName = optional
organizationalUnitName = optional
commonName = optional
serialNumber = optional
emailAddress = optional

[crl_ext]
authorityKeyIdentifier = keyid:always

# Self-signed roots (root-g1, root-g2, tls-ca; root-g3 has its own section below).
[v3_root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

# GRCA G3 as the real one: digitalSignature too, no authority key identifier.
[v3_root_g3]
basicConstraints = critical, CA:TRUE
keyUsage = critical, digitalSignature, keyCertSign, cRLSign
subjectKeyIdentifier = hash

# GRCA G1 -> G2 link: root DN with root-g2's key, signed by root-g1 (like the real one,
# which also lists every GPKI assurance level).
[v3_link]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
certificatePolicies = 2.16.886.101.0.3.0, 2.16.886.101.0.3.1, 2.16.886.101.0.3.2, $POLICY_LEVEL3, 2.16.886.101.0.3.4

# Subordinate (issuing) CAs, like the real MOICA G2: pathlen 0, assurance level 3.
[v3_subca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
certificatePolicies = $POLICY_LEVEL3

# The government test CA also allows the test policy, but (like MOICA's real test CA)
# its cards carry the production policy, so only its key id tells them apart.
[v3_testca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
certificatePolicies = 2.16.886.101.0.3.0, $POLICY_LEVEL3

# Delegated OCSP responder of each CA (openssl ocsp -rsigner).
[v3_ocsp]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = OCSPSigning
noCheck = ignored
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

# HTTPS server certificate of the portal (tls-ca, not GPKI).
[v3_tls_server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:portal.certgate.test, DNS:localhost, IP:127.0.0.1
EOF
}

# ee_ext_config FILE ISSUER_CA KEYUSAGE EKU SAN SDA...
# One extension file per end-entity certificate. SDA items are "ATTR_OID=TYPE:VALUE"
# (TYPE = OID or PRINTABLESTRING ...) and become subjectDirectoryAttributes, built with
# OpenSSL's generic ASN.1 syntax:
#   SEQUENCE OF Attribute ::= SEQUENCE { type OBJECT IDENTIFIER, values SET OF ANY }
ee_ext_config() {
    local file=$1 issuer=$2 ku=$3 eku=$4 san=$5 item n=0
    shift 5
    {
        echo "[ext]"
        echo "basicConstraints = critical, CA:FALSE"
        echo "keyUsage = critical, $ku"
        [[ -n $eku ]] && echo "extendedKeyUsage = $eku"
        [[ -n $san ]] && echo "subjectAltName = $san"
        echo "subjectKeyIdentifier = hash"
        echo "authorityKeyIdentifier = keyid:always"
        echo "certificatePolicies = $POLICY_LEVEL3"
        echo "crlDistributionPoints = URI:$CRL_BASE/$issuer.crl"
        echo "authorityInfoAccess = OCSP;URI:$OCSP_BASE/$issuer"
        echo "2.5.29.9 = ASN1:SEQUENCE:sda"
        echo
        echo "[sda]"
        for item in "$@"; do n=$((n + 1)); echo "attr$n = SEQUENCE:sda_attr$n"; done
        n=0
        for item in "$@"; do
            n=$((n + 1))
            echo
            echo "[sda_attr$n]"
            echo "type = OID:${item%%=*}"
            echo "values = SET:sda_values$n"
            echo "[sda_values$n]"
            echo "value = ${item#*=}"
        done
    } >"$file"
}

# --------------------------------------------------------------------------------------
# The CAs. DNs, parents and extension sections are data, known before any key exists,
# so that keys and requests can be made in parallel up front.
# --------------------------------------------------------------------------------------
GPKI_CAS=(root-g1 root-g2 root-g3 gca xca moeaca hca moica-g2 moica-g3 gtestca)
declare -A CA_DN=(
    [root-g1]=$ROOT_DN
    [root-g2]=$ROOT_DN # same DN, different key: GRCA G1/G2 are told apart by key id only
    # GRCA G3's own DN, RSA 4096, no link from G2: MOICA G3 chains to it (like the real ones)
    [root-g3]="/C=TW/O=行政院/CN=certgate Test Government Root Certification Authority - G3"
    [gca]="/C=TW/O=行政院/OU=政府憑證管理中心"
    [xca]="/C=TW/O=行政院/OU=組織及團體憑證管理中心"
    [moeaca]="/C=TW/O=行政院/OU=工商憑證管理中心"
    [hca]="/C=TW/O=行政院/OU=醫事憑證管理中心"
    [moica-g2]="/C=TW/O=行政院/OU=內政部憑證管理中心"
    [moica-g3]="/C=TW/O=行政院/OU=內政部憑證管理中心" # same DN as G2, other key
    [gtestca]="/C=TW/O=行政院/OU=政府測試憑證管理中心"
    [tls-ca]="/C=TW/O=certgate Test TLS CA/CN=certgate Test TLS Root CA"
)
declare -A CA_PARENT=() CA_SECTION=()
for _ca in gca xca moeaca hca moica-g2 moica-g3; do CA_PARENT[$_ca]=root-g2 CA_SECTION[$_ca]=v3_subca; done
CA_PARENT[gtestca]=root-g2 CA_SECTION[gtestca]=v3_testca
CA_PARENT[moica-g3]=root-g3
# Key sizes where the real generation differs from CA_KEY: GRCA G3 and MOICA G3 are RSA 4096.
declare -A CA_KEYSPEC=([root-g3]=rsa:4096 [moica-g3]=rsa:4096)
unset _ca
# Which issuing CAs each CA profile (ca-profiles/<id>.json) accepts.
declare -A PROFILE_CAS=([gca]=gca [xca]=xca [moeaca]=moeaca [hca]=hca [moica]="moica-g2 moica-g3")
readonly GPKI_CAS CA_DN CA_PARENT CA_SECTION CA_KEYSPEC PROFILE_CAS

# --------------------------------------------------------------------------------------
# Helpers: time, parallel jobs, openssl
# --------------------------------------------------------------------------------------

# openssl ca time strings (UTCTime form; all our dates are before 2050).
readonly DAY=86400 YEAR=$((365 * 86400))
# The portal's TLS certificate is the first thing to expire; the manifest's
# regenerateAfter (epoch seconds) is 30 days before that.
readonly TLS_DAYS=397
at() { TZ=UTC printf '%(%y%m%d%H%M%S)TZ' $((NOW + $1)); }
# The usual validity periods, computed once (see set_times).
set_times() {
    T_YESTERDAY=$(at "-$DAY")
    T_2Y=$(at $((2 * YEAR)))
}
elapsed() { local t=${EPOCHREALTIME/[.,]/}; echo "$(((t - START_US) / 1000)) ms"; }
step() { echo "make-test-pki: [$(elapsed)] $*" >&2; }

# spawn CMD ARGS...: run in the background, at most JOBS at a time; any failure aborts.
# (Background subshells do not inherit the EXIT trap, so they never clean up WORK.)
JOBS=$(nproc)
RUNNING=0
spawn() {
    "$@" &
    RUNNING=$((RUNNING + 1))
    if ((RUNNING >= JOBS)); then
        wait -n || die "a parallel job failed (see $LOG)"
        RUNNING=$((RUNNING - 1))
    fi
}
wait_all() {
    while ((RUNNING > 0)); do
        wait -n || die "a parallel job failed (see $LOG)"
        RUNNING=$((RUNNING - 1))
    done
}

# Private key (unencrypted PKCS#8 PEM: softhsm2-util --import wants PKCS#8) and its
# certificate request, in one openssl call. SPEC = rsa:BITS | ec:CURVE.
make_key() { # SPEC KEY DN CSR
    local spec=$1 key=$2 dn=$3 csr=$4 newkey=()
    case $spec in
    rsa:*) newkey=(-newkey "$spec") ;;
    ec:*) newkey=(-newkey EC -pkeyopt "ec_paramgen_curve:${spec#ec:}" -pkeyopt ec_param_enc:named_curve) ;;
    *) die "unknown key spec $spec" ;;
    esac
    # (stderr is kept per key, not in the shared log: key generation prints progress dots)
    if ! (umask 077 && openssl req -new "${newkey[@]}" -nodes -keyout "$key" -config "$CNF_DIR/req.cnf" -utf8 \
        -subj "$dn" -out "$csr" 2>"$key.err"); then
        die "cannot make key $key: $(<"$key.err")"
    fi
}

# openssl_ca CA_DIR ARGS...: `openssl ca` for the CA in CA_DIR (see ca.cnf).
openssl_ca() {
    local ca_dir=$1
    shift
    CERTGATE_CA_DIR=$ca_dir openssl ca -batch -notext -config "$CNF_DIR/ca.cnf" -utf8 "$@" >>"$LOG" 2>&1
}

# issue CA SERIAL CSR OUT START END EXTFILE SECTION [openssl ca options...]
# Every certificate goes through `openssl ca`, so it is in the issuing CA's index.txt and
# can be revoked, listed in CRLs and answered for by `openssl ocsp -index`. The serial
# file is set just before, so serials are deterministic.
issue() {
    local ca_dir=$WORK/ca/$1 serial=$2 csr=$3 out=$4 start=$5 end=$6 extfile=$7 section=$8
    shift 8
    echo "$serial" >"$ca_dir/serial"
    openssl_ca "$ca_dir" -in "$csr" -out "$out" -startdate "$start" -enddate "$end" \
        -extfile "$extfile" -extensions "$section" "$@"
}

# PEM -> DER without another openssl start (`openssl ca -notext` and `-gencrl` write
# just one PEM block).
pem_to_der() { # PEM DER
    local lines
    mapfile -t lines <"$1"
    printf '%s' "${lines[@]:1:${#lines[@]}-2}" | base64 -d >"$2"
}
to_der() { pem_to_der "$1" "${1%.pem}.der"; }

# cert_info FILE: one openssl call; sets CI_SERIAL CI_SUBJECT CI_ISSUER CI_NOT_BEFORE
# CI_NOT_AFTER (ISO 8601) CI_SKI CI_AKI (uppercase hex, no colons). DNs are RFC 4514.
cert_info() {
    local line next=""
    CI_SERIAL="" CI_SUBJECT="" CI_ISSUER="" CI_NOT_BEFORE="" CI_NOT_AFTER="" CI_SKI="" CI_AKI=""
    while IFS= read -r line; do
        case $next in
        ski) CI_SKI=${line//[ :]/} next="" && continue ;;
        aki) CI_AKI=${line//[ :]/} CI_AKI=${CI_AKI#keyid} next="" && continue ;;
        esac
        case $line in
        serial=*) CI_SERIAL=${line#serial=} ;;
        subject=*) CI_SUBJECT=${line#subject=} ;;
        issuer=*) CI_ISSUER=${line#issuer=} ;;
        notBefore=*) CI_NOT_BEFORE=${line#notBefore=} CI_NOT_BEFORE=${CI_NOT_BEFORE/ /T} ;;
        notAfter=*) CI_NOT_AFTER=${line#notAfter=} CI_NOT_AFTER=${CI_NOT_AFTER/ /T} ;;
        *"Subject Key Identifier"*) next=ski ;;
        *"Authority Key Identifier"*) next=aki ;;
        esac
    done < <(openssl x509 -in "$1" -noout -serial -subject -issuer -startdate -enddate \
        -ext subjectKeyIdentifier,authorityKeyIdentifier -nameopt RFC2253,-esc_msb -dateopt iso_8601)
    [[ -n $CI_SERIAL && -n $CI_SKI ]] || die "cannot read $1"
}

# --------------------------------------------------------------------------------------
# CAs
# --------------------------------------------------------------------------------------
new_ca_dir() {
    local d=$WORK/ca/$1
    mkdir -p "$d/newcerts"
    : >"$d/index.txt"
    echo "unique_subject = no" >"$d/index.txt.attr"
    echo 1000 >"$d/crlnumber"
}

# Self-signed root, in its own index.txt (so it too has a deterministic serial).
make_root() { # NAME [SECTION]
    local d=$WORK/ca/$1
    serial_hex "$1" ca >"$d/serial"
    openssl_ca "$d" -selfsign -keyfile "$d/key.pem" -in "$d/cert.csr" -out "$d/cert.pem" \
        -startdate "$(at "-$DAY")" -enddate "$(at $((20 * YEAR)))" -extensions "${2:-v3_root}"
}

# The G1->G2 link certificate: subject = the shared root DN with root-g2's key (root-g2's
# own request is reused), issuer = root-g1. So AKI = root-g1's SKI and SKI = root-g2's
# SKI, exactly as the real GRCA G1->G2 link certificate.
make_link() {
    mkdir -p "$WORK/ca/root-g1-to-g2"
    issue root-g1 "$(serial_hex root-g1-to-g2 ca)" "$WORK/ca/root-g2/cert.csr" "$WORK/ca/root-g1-to-g2/cert.pem" \
        "$(at "-$DAY")" "$(at $((20 * YEAR)))" "$CNF_DIR/ca.cnf" v3_link
}

make_sub_ca() { # NAME
    local name=$1
    issue "${CA_PARENT[$name]}" "$(serial_hex "$name" ca)" "$WORK/ca/$name/cert.csr" "$WORK/ca/$name/cert.pem" \
        "$(at "-$DAY")" "$(at $((15 * YEAR)))" "$CNF_DIR/ca.cnf" "${CA_SECTION[$name]}"
}

# Delegated OCSP responder certificate of a CA (EKU OCSPSigning + id-pkix-ocsp-nocheck),
# for `openssl ocsp -index ... -CA cert.pem -rsigner ocsp.pem -rkey ocsp.key`.
make_ocsp_responder() { # NAME
    issue "$1" "$(serial_hex "$1" ocsp)" "$WORK/ca/$1/ocsp.csr" "$WORK/ca/$1/ocsp.pem" \
        "$T_YESTERDAY" "$T_2Y" "$CNF_DIR/ca.cnf" v3_ocsp
}

# (Re)sign a CA's CRL (nextUpdate = now + 30 days): PEM in the CA dir, DER at
# crl/<ca>.crl (the CRLDP path: a test HTTP server can serve OUTDIR/crl as /crl).
# Written beside and renamed, so a concurrent reader never sees half a CRL.
gen_crl() { # CA_DIR CRL_DIR NAME
    local ca_dir=$1 crl_dir=$2 name=$3
    openssl_ca "$ca_dir" -gencrl -crldays 30 -out "$ca_dir/crl.pem.new"
    pem_to_der "$ca_dir/crl.pem.new" "$crl_dir/$name.crl.new"
    mv -f "$ca_dir/crl.pem.new" "$ca_dir/crl.pem"
    mv -f "$crl_dir/$name.crl.new" "$crl_dir/$name.crl"
}

# --------------------------------------------------------------------------------------
# Cards
# --------------------------------------------------------------------------------------

# Subject DN of a card, per CA (taiwan-pki.md §1.3 and §7).
card_subject() {
    local c=$1
    case ${CARD[$c.ca]}/${CARD[$c.kind]} in
    moica/citizen) echo "/C=TW/CN=${CARD[$c.name]}/serialNumber=${CARD[$c.ssn]}" ;;
    gca/organisation) echo "/C=TW/O=行政院/OU=${CARD[$c.org]}" ;;
    gca/server) echo "/C=TW/O=行政院/OU=${CARD[$c.org]}/CN=${CARD[$c.host]}/serialNumber=${CARD[$c.ssn]}" ;;
    xca/organisation) echo "/C=TW/L=${CARD[$c.county]}/L=${CARD[$c.town]}/O=${CARD[$c.org]}" ;;
    moeaca/organisation | hca/organisation) echo "/C=TW/O=${CARD[$c.org]}/serialNumber=${CARD[$c.identifier]}" ;;
    *) die "card $c: no subject rule" ;;
    esac
}

# subjectDirectoryAttributes of a card, one "ATTR_OID=TYPE:VALUE" per line. The subject
# type (2.16.886.1.100.2.1) is an OBJECT IDENTIFIER value; identifiers per CA.
readonly AT_SUBJECT_TYPE=2.16.886.1.100.2.1
card_subject_type() {
    case ${CARD[$1.ca]}/${CARD[$1.kind]} in
    moica/citizen) echo "${CARD[$1.subjecttype]:-2.16.886.1.100.3.1.1}" ;;
    gca/organisation) echo 2.16.886.1.100.3.2.1.1 ;;
    */server) echo 2.16.886.1.100.3.3.1 ;;
    xca/organisation) echo 2.16.886.1.100.3.2.11 ;;
    moeaca/organisation) echo 2.16.886.1.100.3.2.2.1.1 ;;
    hca/organisation) echo 2.16.886.1.100.3.2.21 ;;
    esac
}
card_sda() {
    local c=$1 id
    echo "$AT_SUBJECT_TYPE=OID:$(card_subject_type "$c")"
    case ${CARD[$c.ca]}/${CARD[$c.kind]} in
    moica/citizen)
        id=${CARD[$c.id]}
        echo "2.16.886.1.100.2.51=PRINTABLESTRING:${id: -4}" # last 4 of the national ID
        ;;
    gca/organisation)
        echo "2.16.886.1.100.2.102=OID:${CARD[$c.identifier]}" # agency OID
        ;;
    xca/organisation)
        echo "2.16.886.1.100.2.102=OID:${CARD[$c.identifier]}" # organisation OID (2.16.886.111...)
        echo "2.16.886.1.100.2.2=PRINTABLESTRING:${CARD[$c.rank]}"
        ;;
    moeaca/organisation)
        echo "2.16.886.1.100.2.2=PRINTABLESTRING:${CARD[$c.rank]}"
        echo "2.16.886.1.100.2.101=PRINTABLESTRING:${CARD[$c.identifier]}" # UBN
        ;;
    esac
}

card_validity() { # prints "START END"
    case ${CARD[$1.validity]:-normal} in
    normal) echo "$T_YESTERDAY $T_2Y" ;;
    expired) echo "$(at $((-3 * YEAR))) $(at "-$YEAR")" ;;
    notyet) echo "$(at "$YEAR") $(at $((3 * YEAR)))" ;;
    esac
}

# Issue the signing (key id 01) and encryption (key id 02) certificates of one card.
# Must run serially per CA (index.txt, serial file).
issue_card() {
    local c=$1 d=$WORK/cards/$1 issuer validity sda=() sign_ku sign_eku san=""
    issuer=${CARD[$c.issuer]}
    read -r -a validity <<<"$(card_validity "$c")"
    mapfile -t sda < <(card_sda "$c")
    if [[ ${CARD[$c.kind]} == server ]]; then
        sign_ku=${CARD[$c.signku]:-digitalSignature, keyEncipherment}
        # Many real server certificates also allow clientAuth: with it the card passes the
        # usage check and reaches the rule that a server certificate is never a login card
        # (subjectType ...3.3.1 → WRONG_CARD_KIND), which is what this card is for.
        sign_eku="serverAuth, clientAuth"
        san="DNS:${CARD[$c.host]}"
    else
        sign_ku=${CARD[$c.signku]:-digitalSignature, nonRepudiation}
        sign_eku="clientAuth, emailProtection"
    fi
    ee_ext_config "$CNF_DIR/ext/$c-sign.cnf" "$issuer" "$sign_ku" "$sign_eku" "$san" "${sda[@]}"
    ee_ext_config "$CNF_DIR/ext/$c-enc.cnf" "$issuer" "keyEncipherment, dataEncipherment" "" "$san" "${sda[@]}"
    issue "$issuer" "${CARD[$c.serial]}" "$d/sign.csr" "$d/sign.pem" "${validity[@]}" "$CNF_DIR/ext/$c-sign.cnf" ext
    issue "$issuer" "${CARD[$c.encserial]}" "$d/enc.csr" "$d/enc.pem" "${validity[@]}" "$CNF_DIR/ext/$c-enc.cnf" ext
    if [[ -n ${CARD[$c.revoke]:-} ]]; then
        # A revoked card has both of its certificates revoked.
        openssl_ca "$WORK/ca/$issuer" -revoke "$d/sign.pem" -crl_reason "${CARD[$c.revoke]}"
        openssl_ca "$WORK/ca/$issuer" -revoke "$d/enc.pem" -crl_reason "${CARD[$c.revoke]}"
    fi
}

write_softhsm_conf() { # TOKENDIR
    printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n' "$1"
}

# SoftHSM2 reads a relative tokendir against the working directory, not against the file, so
# OUTDIR/softhsm/softhsm2.conf names the token folder absolutely, and every run (the CRL
# refresh too: the build, the test fixture and demo.sh run this script) writes it for where
# OUTDIR is now. A copied tree therefore uses its own tokens once this script ran in it.
place_softhsm_conf() { # DIR: OUTDIR or the temporary tree that becomes it
    local conf=$1/softhsm/softhsm2.conf want
    want=$(write_softhsm_conf "$OUTDIR/softhsm/tokens")
    [[ -f $conf && $(<"$conf") == "$want" ]] || printf '%s\n' "$want" >"$conf"
}

# One SoftHSM2 token per card, labelled with the card name (SoftHSM gives initialised
# tokens random slot ids). Each token is built in its own token directory, made by the
# caller (softhsm/stage/<card>/tokens), so cards can be done in parallel without racing
# for the "free" slot; the caller then moves every <uuid> directory into softhsm/tokens.
make_token() { # CARD
    local c=$1 d=$WORK/cards/$1 stage=$WORK/softhsm/stage/$1 use id label line
    write_softhsm_conf "$stage/tokens" >"$stage/softhsm2.conf"
    (
        export SOFTHSM2_CONF=$stage/softhsm2.conf
        softhsm2-util --init-token --free --label "$c" --so-pin "$SO_PIN" --pin "$PIN" >"$stage/init.out"
        for use in sign enc; do
            if [[ $use == sign ]]; then id=01 label=signature; else id=02 label=encryption; fi
            softhsm2-util --import "$d/$use.key" --token "$c" --id "$id" --label "$label" --pin "$PIN"
            pkcs11-tool --module "$MODULE" --token-label "$c" --login --pin "$PIN" \
                --write-object "$d/$use.der" --type cert --id "$id" --label "$label"
        done
    ) >>"$LOG" 2>&1
    # The slot id, for the manifest (pkcs11-tool's --token-label matches label PREFIXES,
    # so tests select a token by slot). SoftHSM derives it from the token's serial number,
    # so it stays the same once the token is moved to OUTDIR.
    TOKEN_SLOT=""
    while read -r line; do
        [[ $line =~ reassigned\ to\ slot\ ([0-9]+) ]] && TOKEN_SLOT=${BASH_REMATCH[1]}
    done <"$stage/init.out"
    [[ -n $TOKEN_SLOT ]] || die "card $c: softhsm2-util did not say which slot the token got"
}

# --------------------------------------------------------------------------------------
# Manifest pieces. Every path is relative to OUTDIR (the folder holding cards.json) and
# starts with "./", so a copied tree names its own files; readers put their OUTDIR in front.
# --------------------------------------------------------------------------------------
declare -A CA_SKI=()

# Manifest entry of a CA; also remembers its SKI in CA_SKI.
ca_json() { # NAME
    local name=$1 f=./ca/$1 issued_by
    cert_info "$WORK/ca/$name/cert.pem"
    CA_SKI[$name]=$CI_SKI
    case $name in root-*) issued_by=$name ;; *) issued_by=${CA_PARENT[$name]} ;; esac
    jq -n --arg name "$name" --arg issuedBy "$issued_by" --arg dir "$f" --arg ski "$CI_SKI" \
        --arg subject "$CI_SUBJECT" --arg notAfter "$CI_NOT_AFTER" --arg crlDer "./crl/$name.crl" '{($name): {
            cert: ($dir + "/cert.pem"), certDer: ($dir + "/cert.der"), key: ($dir + "/key.pem"),
            ski: $ski, subject: $subject, issuedBy: $issuedBy, notAfter: $notAfter,
            crl: ($dir + "/crl.pem"), crlDer: $crlDer, index: ($dir + "/index.txt"), dir: $dir,
            ocspCert: ($dir + "/ocsp.pem"), ocspKey: ($dir + "/ocsp.key"),
            ocspUrl: ("'"$OCSP_BASE"'/" + $name), crlUrl: ("'"$CRL_BASE"'/" + $name + ".crl")}}'
}

card_json() { # CARD
    local c=$1 f=./cards/$1 kind algorithm signkey id="" name="" org="" identifier="" idtype="" host=""
    local subject_sn=""
    kind=${CARD[$c.kind]}
    signkey=${CARD[$c.signkey]:-$EE_KEY}
    case $signkey in ec:P-256) algorithm=ES256 ;; *) algorithm=RS256 ;; esac
    case $kind in
    citizen)
        id=${CARD[$c.id]} name=${CARD[$c.name]}
        subject_sn=${CARD[$c.ssn]}
        ;;
    organisation)
        org=${CARD[$c.org]} identifier=${CARD[$c.identifier]}
        case ${CARD[$c.ca]} in
        gca) idtype="agency-oid" ;; xca) idtype="org-oid" ;; moeaca) idtype=ubn ;; hca) idtype="institution-code" ;;
        esac
        ;;
    server)
        org=${CARD[$c.org]} host=${CARD[$c.host]}
        subject_sn=${CARD[$c.ssn]}
        ;;
    esac
    cert_info "$WORK/cards/$c/sign.pem"
    jq -n --arg c "$c" --arg ca "${CARD[$c.ca]}" --arg kind "$kind" --arg algorithm "$algorithm" \
        --arg signKeyType "$signkey" --arg f "$f" --arg issuerCa "${CARD[$c.issuer]}" \
        --arg issuerCert "./ca/${CARD[$c.issuer]}/cert.pem" --arg issuerKeyId "$CI_AKI" \
        --arg issuer "$CI_ISSUER" --arg subject "$CI_SUBJECT" \
        --arg serial "$(strip_zeros "${CARD[$c.serial]}")" --arg encSerial "$(strip_zeros "${CARD[$c.encserial]}")" \
        --arg notBefore "$CI_NOT_BEFORE" --arg notAfter "$CI_NOT_AFTER" --arg subjectType "$(card_subject_type "$c")" \
        --arg purpose "${CARD[$c.purpose]}" --arg expect "${CARD[$c.expect]:-}" \
        --arg name "$name" --arg id "$id" --arg subjectSn "$subject_sn" \
        --arg org "$org" --arg identifier "$identifier" --arg idtype "$idtype" --arg rank "${CARD[$c.rank]:-}" \
        --arg host "$host" --argjson slot "$TOKEN_SLOT" '
        def opt($k; $v): if $v == "" then {} else {($k): $v} end;
        {($c): ({
            token: $c, slot: $slot, ca: $ca, kind: $kind, algorithm: $algorithm, signKeyType: $signKeyType,
            keyId: "01", signCert: ($f + "/sign.pem"), signCertDer: ($f + "/sign.der"), signKey: ($f + "/sign.key"),
            encKeyId: "02", encCert: ($f + "/enc.pem"), encCertDer: ($f + "/enc.der"), encKey: ($f + "/enc.key"),
            chain: ($f + "/chain.pem"),
            serial: $serial, encSerial: $encSerial,
            issuerCa: $issuerCa, issuerCert: $issuerCert, issuerKeyId: $issuerKeyId, issuer: $issuer,
            subject: $subject, subjectType: $subjectType, notBefore: $notBefore, notAfter: $notAfter,
            purpose: $purpose}
          + opt("expect"; $expect)
          + (if $kind == "citizen" then
               {name: $name, nationalId: $id, idLast4: $id[-4:], subjectSerialNumber: $subjectSn}
             elif $kind == "organisation" then
               {organisationName: $org, identifier: $identifier, identifierType: $idtype} + opt("cardRank"; $rank)
             else
               {organisationName: $org, host: $host, subjectSerialNumber: $subjectSn}
             end))}'
}

# After issuance, per card and in parallel: DER copies, chain file, token, manifest entry.
finish_card() { # CARD
    local c=$1 d=$WORK/cards/$1 issuer
    issuer=${CARD[$c.issuer]}
    to_der "$d/sign.pem"
    to_der "$d/enc.pem"
    # Issuing CA + G1->G2 link: with either root as anchor this completes the chain.
    printf '%s\n' "$(<"$WORK/ca/$issuer/cert.pem")" "$(<"$WORK/ca/root-g1-to-g2/cert.pem")" >"$d/chain.pem"
    make_token "$c"
    card_json "$c" >"$WORK/manifest/card-$c.json"
}

# Test CA profile: the production profile with ONLY test, trustAnchors, intermediates,
# issuerKeyIds, deniedIssuerKeyIds and revocation replaced, so tests exercise the same
# identity rules as production. Paths are relative to the profile (ProfileLoader resolves
# them against its folder), so the profiles hold no absolute path either.
write_test_profile() { # PROFILE_ID
    local id=$1 name intermediates=../ca/root-g1-to-g2/cert.pem skis="" crls=""
    # Lists are passed newline-separated and split in jq (paths hold no newlines).
    for name in ${PROFILE_CAS[$id]}; do
        intermediates+=$'\n'../ca/$name/cert.pem
        skis+=${skis:+$'\n'}${CA_SKI[$name]}
        crls+=${crls:+$'\n'}../ca/$name/crl.pem
    done
    jq --arg g1 ../ca/root-g1/cert.pem --arg g2 ../ca/root-g2/cert.pem \
        --arg g3 ../ca/root-g3/cert.pem \
        --arg denied "${CA_SKI[gtestca]}" --arg intermediates "$intermediates" --arg skis "$skis" --arg crls "$crls" '
        .test = true
        | .trustAnchors = [$g1, $g2, $g3]
        | .intermediates = ($intermediates | split("\n"))
        | .issuerKeyIds = ($skis | split("\n"))
        | .deniedIssuerKeyIds = [$denied]
        | .revocation = {
            mode: "crl", failOpen: false,
            ocsp: ((.revocation.ocsp // {responder: null, timeoutMs: 3000, maxAgeSeconds: 86400, clockSkewSeconds: 300})
                   + {url: null}),
            crl: {urls: [], files: ($crls | split("\n")), timeoutMs: 5000}}' \
        "$PROFILE_SRC_DIR/$id.json" >"$WORK/ca-profiles/$id.json"
}

# --------------------------------------------------------------------------------------
# Fast path: the PKI is current, only re-sign the CRLs
# --------------------------------------------------------------------------------------
# Up to date: cards.json is newer than this script and every production profile, and
# nothing expires within 30 days (regenerateAfter). Prints the CAs as "name<TAB>dir".
up_to_date_cas() {
    local m=$OUTDIR/cards.json p
    [[ -f $m && $m -nt $SCRIPT_PATH ]] || return 1
    for p in "$PROFILE_SRC_DIR"/*.json; do [[ $m -nt $p ]] || return 1; done
    jq -er --argjson now "$NOW" --arg outdir "$OUTDIR" 'if (.regenerateAfter // 0) > $now
        then (.cas | to_entries[] | [.key, $outdir + (.value.dir | ltrimstr("."))] | @tsv) else error("stale") end' \
        "$m" 2>/dev/null
}

refresh_crls() { # reads "name<TAB>dir" lines
    local name dir
    CNF_DIR=$OUTDIR/openssl
    LOG=$OUTDIR/generate.log
    while IFS=$'\t' read -r name dir; do
        spawn gen_crl "$dir" "$OUTDIR/crl" "$name"
    done
    wait_all
}

# --------------------------------------------------------------------------------------
# Full generation, into WORK
# --------------------------------------------------------------------------------------
generate() {
    local name c
    mkdir -p "$WORK"/{ca,cards,crl,tls,ca-profiles,softhsm/tokens,softhsm/stage,manifest}
    touch "$WORK/.certgate-test-pki"
    CNF_DIR=$WORK/openssl
    LOG=$WORK/generate.log
    : >"$LOG"
    write_openssl_configs "$CNF_DIR"
    for name in "${GPKI_CAS[@]}" tls-ca; do new_ca_dir "$name"; done
    mkdir -p "${CARDS[@]/#/$WORK/cards/}"

    # 1. Every key and request, in parallel: RSA key generation is most of the work.
    #    Big keys first so the jobs finish together.
    step "generating keys and requests"
    for name in "${GPKI_CAS[@]}" tls-ca; do
        spawn make_key "${CA_KEYSPEC[$name]:-$CA_KEY}" "$WORK/ca/$name/key.pem" "${CA_DN[$name]}" "$WORK/ca/$name/cert.csr"
    done
    for name in "${GPKI_CAS[@]}"; do
        spawn make_key "$EE_KEY" "$WORK/ca/$name/ocsp.key" \
            "${CA_DN[$name]}/CN=certgate test OCSP responder ($name)" "$WORK/ca/$name/ocsp.csr"
    done
    local subject
    for c in "${CARDS[@]}"; do
        subject=$(card_subject "$c")
        spawn make_key "${CARD[$c.signkey]:-$EE_KEY}" "$WORK/cards/$c/sign.key" "$subject" "$WORK/cards/$c/sign.csr"
        spawn make_key "$EE_KEY" "$WORK/cards/$c/enc.key" "$subject" "$WORK/cards/$c/enc.csr"
    done
    spawn make_key "$EE_KEY" "$WORK/tls/portal.key" "/C=TW/O=certgate Test/CN=portal.certgate.test" "$WORK/tls/portal.csr"
    wait_all

    # 2. CA certificates (serial: each CA's database is touched by one process at a time).
    step "issuing CA certificates"
    make_root root-g1
    make_root root-g2
    make_root root-g3 v3_root_g3
    make_root tls-ca
    make_link
    for name in gca xca moeaca hca moica-g2 moica-g3 gtestca; do make_sub_ca "$name"; done
    for name in "${GPKI_CAS[@]}"; do make_ocsp_responder "$name"; done
    rm -f "$WORK"/ca/*/*.csr
    cat "$WORK/ca/root-g1/cert.pem" "$WORK/ca/root-g2/cert.pem" "$WORK/ca/root-g3/cert.pem" >"$WORK/roots.pem"
    cat "$WORK/ca/root-g1-to-g2/cert.pem" "$WORK"/ca/{gca,xca,moeaca,hca,moica-g2,moica-g3,gtestca}/cert.pem \
        >"$WORK/intermediates.pem"

    # 3. Card certificates (serial per CA), then revocations are in; sign the CRLs.
    step "issuing ${#CARDS[@]} cards"
    for c in "${CARDS[@]}"; do issue_card "$c"; done
    rm -f "$WORK"/cards/*/*.csr "$WORK"/cards/*/*.err "$WORK"/ca/*/*.err "$WORK"/tls/*.err
    for name in "${GPKI_CAS[@]}"; do spawn gen_crl "$WORK/ca/$name" "$WORK/crl" "$name"; done
    wait_all

    # 4. TLS material for the HTTPS portal (tls-ca is not GPKI; 397 days is within what
    #    browsers accept for a server certificate).
    step "TLS material"
    issue tls-ca "$(serial_hex portal tls)" "$WORK/tls/portal.csr" "$WORK/tls/portal.pem" \
        "$T_YESTERDAY" "$(at $((TLS_DAYS * DAY)))" "$CNF_DIR/ca.cnf" v3_tls_server
    rm -f "$WORK/tls/portal.csr"
    cp "$WORK/ca/tls-ca/cert.pem" "$WORK/tls/ca.pem"

    # 5. Per card, in parallel: DER, chain, SoftHSM2 token, manifest entry.
    step "SoftHSM2 tokens"
    local stages=()
    for c in "${CARDS[@]}"; do stages+=("$WORK/softhsm/stage/$c/tokens"); done
    mkdir -p "${stages[@]}"
    for c in "${CARDS[@]}"; do spawn finish_card "$c"; done
    for name in "${GPKI_CAS[@]}" root-g1-to-g2 tls-ca; do spawn to_der "$WORK/ca/$name/cert.pem"; done
    wait_all
    mv "$WORK"/softhsm/stage/*/tokens/* "$WORK/softhsm/tokens/"
    rm -rf "$WORK/softhsm/stage"
    # The softhsm2.conf that ships points at the FINAL token directory.
    place_softhsm_conf "$WORK"

    # 6. Test CA profiles and the manifest (written last).
    step "CA profiles and manifest"
    local ca_files=() card_files=()
    for name in "${GPKI_CAS[@]}"; do
        ca_json "$name" >"$WORK/manifest/ca-$name.json"
        ca_files+=("$WORK/manifest/ca-$name.json")
    done
    for name in "${!PROFILE_CAS[@]}"; do write_test_profile "$name"; done
    for c in "${CARDS[@]}"; do card_files+=("$WORK/manifest/card-$c.json"); done
    jq -n --arg outdir . --arg pin "$PIN" --arg soPin "$SO_PIN" --arg mod "$MODULE" \
        --arg generatedAt "$(TZ=UTC printf '%(%Y-%m-%dT%H:%M:%SZ)T' "$NOW")" \
        --arg crlBase "$CRL_BASE" --arg ocspBase "$OCSP_BASE" \
        --argjson regenerateAfter $((NOW + TLS_DAYS * DAY - 30 * DAY)) \
        --slurpfile cas <(jq -s 'add' "${ca_files[@]}") \
        --slurpfile cards <(jq -s 'add' "${card_files[@]}") '{
            paths: "relative to the folder of this file; each starts with ./",
            pin: $pin, soPin: $soPin, "module": $mod,
            softhsmConf: ($outdir + "/softhsm/softhsm2.conf"),
            caProfiles: ($outdir + "/ca-profiles"),
            generatedAt: $generatedAt,
            tls: {ca: ($outdir + "/tls/ca.pem"), certificate: ($outdir + "/tls/portal.pem"),
                  privateKey: ($outdir + "/tls/portal.key"),
                  names: ["portal.certgate.test", "localhost", "127.0.0.1"]},
            roots: {"root-g1": ($outdir + "/ca/root-g1/cert.pem"), "root-g2": ($outdir + "/ca/root-g2/cert.pem"),
                    "root-g3": ($outdir + "/ca/root-g3/cert.pem"),
                    "root-g1-to-g2": ($outdir + "/ca/root-g1-to-g2/cert.pem")},
            rootsBundle: ($outdir + "/roots.pem"),
            intermediatesBundle: ($outdir + "/intermediates.pem"),
            crlDir: ($outdir + "/crl"), crlBaseUrl: $crlBase, ocspBaseUrl: $ocspBase,
            regenerateAfter: $regenerateAfter,
            cas: $cas[0],
            cards: $cards[0]}' >"$WORK/cards.json.new"
    rm -rf "$WORK/manifest"
    mv "$WORK/cards.json.new" "$WORK/cards.json"
}

# --------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------
(($# == 1)) || die "usage: $0 OUTDIR"
for tool in openssl softhsm2-util pkcs11-tool jq flock sha256sum nproc; do
    command -v "$tool" >/dev/null || die "$tool not found (apt-get install openssl softhsm2 opensc jq)"
done
[[ -f $MODULE ]] || die "$MODULE not found (apt-get install softhsm2)"
shopt -s nullglob

OUTDIR=$(realpath -m "$1")
case $OUTDIR in / | "$HOME" | "$REPO_ROOT" | "$REPO_ROOT"/ca-profiles*) die "refusing OUTDIR $OUTDIR" ;; esac
mkdir -p "$(dirname "$OUTDIR")"
# Never wipe a directory this script did not make.
if [[ -d $OUTDIR && ! -e $OUTDIR/.certgate-test-pki && -n $(ls -A "$OUTDIR") ]]; then
    die "$OUTDIR exists, is not empty and was not made by this script; not touching it"
fi

# One run at a time per OUTDIR (parallel builds, ctest fixtures).
exec 9>"$OUTDIR.lock"
flock 9

START_US=${EPOCHREALTIME/[.,]/}
NOW=${START_US:0:-6}
readonly START_US NOW
LOG=/dev/null

if cas=$(up_to_date_cas) && [[ -n $cas ]]; then
    refresh_crls <<<"$cas"
    place_softhsm_conf "$OUTDIR"
    step "$OUTDIR is up to date; CRLs re-signed (nextUpdate now + 30 days)"
    exit 0
fi

rm -rf "$OUTDIR".tmp.* "$OUTDIR".old.*
WORK=$(mktemp -d "$OUTDIR.tmp.XXXXXX")
on_exit() {
    local rc=$?
    if ((rc != 0)); then
        echo "make-test-pki: FAILED (rc=$rc); last lines of $WORK/generate.log:" >&2
        tail -n 25 "$WORK/generate.log" >&2 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap on_exit EXIT

assert_checksums_work
define_roster
assert_roster_identifiers
derive_card_values
set_times
generate

# Swap into place: the old tree is moved aside first, so OUTDIR is never half-written.
if [[ -e $OUTDIR ]]; then mv "$OUTDIR" "$OUTDIR.old.$$"; fi
mv "$WORK" "$OUTDIR"
rm -rf "$OUTDIR.old.$$"
step "wrote $OUTDIR (${#CARDS[@]} cards)"
