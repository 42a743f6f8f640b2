#!/bin/sh
# make_test_cert.sh DIR: a throw-away certificate authority and a server certificate signed by
# it, made at test time with the openssl command (nothing secret is committed):
#   DIR/ca.pem          the CA certificate: what a client trusts
#   DIR/server.pem      the server's certificate, for 127.0.0.1, 198.51.100.1 (the test
#                       namespaces' address) and localhost, valid for two days
#   DIR/server.key      its private key (unencrypted, mode 0600)
#   DIR/other.key       a key that belongs to no certificate here (the mismatch case)
#   DIR/reversed.pem    ca.pem then server.pem: a chain in the wrong order
#   DIR/server.spki     base64 SHA-256 of the server's public key (Chromium's
#                       --ignore-certificate-errors-spki-list pins exactly this key)
set -eu
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
command -v openssl >/dev/null || { echo "make_test_cert: openssl is missing (Debian package openssl)" >&2; exit 1; }
d=$1
mkdir -p "$d"
umask 077
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
key "$d/ca.key"
key "$d/server.key"
key "$d/other.key"
openssl req -x509 -new -key "$d/ca.key" -subj "/CN=vtkstream test CA" -days 2 \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
  -out "$d/ca.pem" 2>/dev/null
openssl req -new -key "$d/server.key" -subj "/CN=vtkstream test server" -out "$d/server.csr" 2>/dev/null
printf '%s\n' "subjectAltName=IP:127.0.0.1,IP:198.51.100.1,DNS:localhost" \
  "basicConstraints=CA:FALSE" "extendedKeyUsage=serverAuth" >"$d/server.ext"
openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -days 2 \
  -extfile "$d/server.ext" -out "$d/server.pem" 2>/dev/null
openssl pkey -in "$d/server.key" -pubout -outform DER 2>/dev/null |
  openssl dgst -sha256 -binary | openssl base64 -A >"$d/server.spki"
# A chain in the wrong order: an issuer's certificate before the server's own.
cat "$d/ca.pem" "$d/server.pem" >"$d/reversed.pem"
chmod 0644 "$d/ca.pem" "$d/server.pem" "$d/server.spki" "$d/reversed.pem"
