#!/usr/bin/env bash
# mint-example-ca.sh OUTDIR ROOT_CERT ROOT_KEY
# A sixth certification authority for the drop-in test, under the test PKI's root, and one
# organisation card it issued: OUTDIR/ca.pem, OUTDIR/card.pem, OUTDIR/card.key, OUTDIR/ca.ski.
set -euo pipefail
out=$1 root_cert=$2 root_key=$3
mkdir -p "$out"
cd "$out"
cat >ext.cnf <<'CNF'
[ca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[card]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
certificatePolicies = 2.16.886.101.0.3.3
2.5.29.9 = ASN1:SEQUENCE:sda

[sda]
subjectType = SEQUENCE:subjectType
ubn = SEQUENCE:ubn

[subjectType]
type = OID:2.16.886.1.100.2.1
values = SET:subjectTypeValue

[subjectTypeValue]
value = OID:2.16.886.1.100.3.2.2.1.1

[ubn]
type = OID:2.16.886.1.100.2.101
values = SET:ubnValue

[ubnValue]
value = PRINTABLESTRING:04595257
CNF
openssl req -new -newkey rsa:2048 -nodes -keyout ca.key -subj "/C=TW/O=Example/OU=Example Certification Authority" \
  -out ca.csr 2>/dev/null
openssl x509 -req -in ca.csr -CA "$root_cert" -CAkey "$root_key" -set_serial 0x1001 -days 365 \
  -extfile ext.cnf -extensions ca -out ca.pem 2>/dev/null
openssl req -new -newkey rsa:2048 -nodes -keyout card.key -subj "/C=TW/O=Example Trading Co./serialNumber=04595257" \
  -out card.csr 2>/dev/null
openssl x509 -req -in card.csr -CA ca.pem -CAkey ca.key -set_serial 0x2002 -days 30 \
  -extfile ext.cnf -extensions card -out card.pem 2>/dev/null
openssl x509 -in ca.pem -noout -ext subjectKeyIdentifier | tail -n 1 | tr -d ' :\n' >ca.ski
