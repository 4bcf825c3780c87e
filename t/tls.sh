#!/bin/sh
# TLS settings of a listener: forward-secret suites only by default, a
# configurable least version, certificates loaded again on reload, and
# refused peer certificates logged with the reason (RFC 9325, RFC 5922).
# openssl s_client is the peer.  Speaks TAP.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/t/lib.sh"
command -v openssl >/dev/null 2>&1 || skip_all "openssl is not installed"
[ -x "$SBCD" ] || bail_out "no sbcd at $SBCD: build it first"

sh "$top_srcdir/t/certs.sh" "$tmp/c" || bail_out "cannot make certificates"
c=$tmp/c
port=$(free_port 127.0.0.1) || bail_out "no free port"
port13=$(free_port 127.0.0.1) || bail_out "no free port"
cp "$c/server.pem" "$tmp/cert.pem"
cp "$c/server.key" "$tmp/key.pem"
# An expired client certificate of the same CA.
openssl req -new -key "$c/client.key" -subj "/CN=expired client" \
	-out "$tmp/exp.csr" 2>/dev/null
cat >"$tmp/ca.cnf" <<CNF
[ca]
default_ca = d
[d]
database = $tmp/index.txt
new_certs_dir = $tmp
serial = $tmp/serial
default_md = sha256
policy = p
[p]
commonName = supplied
CNF
: >"$tmp/index.txt"
echo 1000 >"$tmp/serial"
openssl ca -batch -config "$tmp/ca.cnf" -cert "$c/ca.pem" -keyfile "$c/ca.key" \
	-startdate 20200101000000Z -enddate 20200201000000Z \
	-in "$tmp/exp.csr" -out "$tmp/expired.pem" >/dev/null 2>&1 ||
	bail_out "cannot make an expired certificate"

cat >"$tmp/sbc.conf" <<CONF
[general]
database = $tmp/sbc.db
status_socket = $tmp/sbc.sock
[listener tls]
realm = external
transport = tls
address = 127.0.0.1
port = $port
tls_cert = $tmp/cert.pem
tls_key = $tmp/key.pem
tls_ca = $c/ca.pem
tls_verify_client = yes
[listener tls13]
realm = other
transport = tls
address = 127.0.0.1
port = $port13
tls_cert = $tmp/cert.pem
tls_key = $tmp/key.pem
tls_min_version = 1.3
CONF
start_sbcd "$tmp/sbc.conf" || bail_out "sbcd did not start"

# s_cl PORT ARGS...: a handshake; prints s_client's output.
s_cl() {
	_p=$1
	shift
	echo | timeout 10 openssl s_client -connect "127.0.0.1:$_p" \
		-CAfile "$c/ca.pem" "$@" 2>&1
}

out=$(s_cl "$port" -cert "$c/client.pem" -key "$c/client.key" -tls1_2)
printf '%s' "$out" | grep -q 'Cipher is ECDHE-'
check "a TLS 1.2 client gets an ECDHE suite" test $? -eq 0
out=$(s_cl "$port" -cert "$c/client.pem" -key "$c/client.key" -tls1_2 \
	-cipher AES128-SHA)
printf '%s' "$out" | grep -q 'Cipher is AES128-SHA'
check "a client offering only a suite without forward secrecy is refused" \
	test $? -ne 0
out=$(s_cl "$port13" -tls1_2)
printf '%s' "$out" | grep -q 'New, TLSv1.2, Cipher is ECDHE'
check "tls_min_version = 1.3 refuses TLS 1.2" test $? -ne 0
out=$(s_cl "$port13" -tls1_3)
printf '%s' "$out" | grep -q 'TLSv1.3'
check "and takes TLS 1.3" test $? -eq 0

s_cl "$port" -cert "$tmp/expired.pem" -key "$c/client.key" >/dev/null
wait_for_log 'tls: handshake with 127\.0\.0\.1:[0-9]+ failed: certificate has expired' 5
check "an expired client certificate is refused, and the log says why" \
	test $? -eq 0
s_cl "$port" -cert "$c/rogue.pem" -key "$c/rogue.key" >/dev/null
wait_for_log 'tls: handshake with 127\.0\.0\.1:[0-9]+ failed: (self-signed certificate|self signed certificate)' 5
check "a certificate of an unknown CA is refused, and the log says why" \
	test $? -eq 0

# A new certificate in the same files, then reload.
openssl req -new -key "$c/server.key" -subj "/CN=renewed.sbc.test" \
	-out "$tmp/new.csr" 2>/dev/null
printf '%s\n' "subjectAltName=IP:127.0.0.1" >"$tmp/new.ext"
openssl x509 -req -in "$tmp/new.csr" -CA "$c/ca.pem" -CAkey "$c/ca.key" \
	-CAcreateserial -days 1 -extfile "$tmp/new.ext" -out "$tmp/new.pem" \
	2>/dev/null
out=$(s_cl "$port13" -tls1_3)
printf '%s' "$out" | grep -q 'subject=CN *= *sbc.test'
check "before the reload the old certificate is served" test $? -eq 0
cp "$tmp/new.pem" "$tmp/cert.pem"
"$SBCCTL" -s "$tmp/sbc.sock" reload >/dev/null 2>&1
check "sbcctl reload exits 0" test $? -eq 0
out=$(s_cl "$port13" -tls1_3)
printf '%s' "$out" | grep -q 'subject=CN *= *renewed.sbc.test'
check "after it new connections see the new certificate" test $? -eq 0
# A broken file: the reload fails and the old context stays.
echo garbage >"$tmp/cert.pem"
"$SBCCTL" -s "$tmp/sbc.sock" reload >"$tmp/reload.out" 2>&1
check "a reload with a broken certificate fails" test $? -ne 0
check "and logs why" sbcd_log_has 'listener tls13 keeps its certificate'
out=$(s_cl "$port13" -tls1_3)
printf '%s' "$out" | grep -q 'subject=CN *= *renewed.sbc.test'
check "the listener still serves its last good certificate" test $? -eq 0
stop_sbcd
check "sbcd stops cleanly" test "$sbcd_status" = 0
finish
