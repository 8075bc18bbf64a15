#!/usr/bin/env bash
# make-certs.sh DIR [extra IP...]
# Writes test certificates for the fake API server into DIR with Debian's openssl:
#   ca.crt ca.key             the CA that signs the server and client certificates
#   server.crt server.key     server cert, SANs: localhost, 127.0.0.1, ::1 and the extra IPs
#   client.crt client.key     client cert (CN=ipvsctl-test, O=system:nodes) signed by ca.crt
#   other-ca.crt other-ca.key an unrelated CA, for "wrong CA" tests
# Test use only: keys are unencrypted, certificates are valid for 30 days.
set -euo pipefail

if [[ $# -lt 1 ]]; then
    echo "usage: $0 DIR [extra IP...]" >&2
    exit 2
fi
dir=$1
shift
mkdir -p "$dir"
cd "$dir"

san="DNS:localhost,IP:127.0.0.1,IP:::1"
for ip in "$@"; do
    san="$san,IP:$ip"
done

make_ca() { # name subject
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
        -subj "$2" -keyout "$1.key" -out "$1.crt" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

make_leaf() { # name subject extensions
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -subj "$2" -keyout "$1.key" -out "$1.csr" 2>/dev/null
    printf '%s\n' "$3" > "$1.ext"
    openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 \
        -extfile "$1.ext" -out "$1.crt" 2>/dev/null
    rm -f "$1.csr" "$1.ext"
}

make_ca ca "/CN=fake-apiserver-test-ca"
make_ca other-ca "/CN=unrelated-test-ca"
make_leaf server "/CN=fake-apiserver" \
    "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=$san"
make_leaf client "/O=system:nodes/CN=ipvsctl-test" \
    "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
rm -f ca.srl
chmod 600 ./*.key
echo "certificates written to $dir"
