#!/bin/sh
# Makes the certificates of the TLS tests in DIR with the openssl CLI:
#   ca.pem, ca.key          a test CA
#   server.pem, server.key  signed by it, for IP:127.0.0.1, IP:127.0.0.2,
#                           DNS:localhost and DNS:sbc.test
#   client.pem, client.key  signed by it, for client authentication
#   rogue.pem, rogue.key    self-signed, for the same names as the server
# Keys are P-256 (fast to make) and unencrypted; certificates last a day.
# Usage: t/certs.sh DIR
set -eu
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
dir=$1
openssl=${OPENSSL:-openssl}
mkdir -p "$dir"
cd "$dir"

key() {
	"$openssl" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
		-out "$1" 2>/dev/null
	chmod 600 "$1"
}

san="subjectAltName=IP:127.0.0.1,IP:127.0.0.2,DNS:localhost,DNS:sbc.test"

key ca.key
"$openssl" req -x509 -new -key ca.key -days 1 -subj "/CN=sbc test CA" \
	-addext "basicConstraints=critical,CA:TRUE" \
	-addext "keyUsage=critical,keyCertSign,cRLSign" \
	-out ca.pem 2>/dev/null

# Signs NAME.csr with the CA, with the extensions in NAME.ext.
sign() {
	"$openssl" x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key \
		-CAcreateserial -days 1 -extfile "$1.ext" -out "$1.pem" \
		2>/dev/null
	rm -f "$1.csr" "$1.ext"
}

key server.key
"$openssl" req -new -key server.key -subj "/CN=sbc.test" -out server.csr \
	2>/dev/null
printf '%s\n' "basicConstraints=CA:FALSE" "$san" \
	"extendedKeyUsage=serverAuth,clientAuth" >server.ext
sign server

key client.key
"$openssl" req -new -key client.key -subj "/CN=sbc test client" \
	-out client.csr 2>/dev/null
printf '%s\n' "basicConstraints=CA:FALSE" "extendedKeyUsage=clientAuth" \
	"subjectAltName=DNS:client.sbc.test" >client.ext
sign client

key rogue.key
"$openssl" req -x509 -new -key rogue.key -days 1 -subj "/CN=sbc.test" \
	-addext "$san" -out rogue.pem 2>/dev/null

rm -f ca.srl
