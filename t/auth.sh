#!/bin/sh
# Digest authentication (RFC 3261 22, RFC 8760) seen from outside: the
# realm "external" requires it, the realm "internal" does not.
#
#   caller 127.0.0.1 ──▶ sbcd 127.0.0.1:P | 127.0.0.2:P ──▶ callee 127.0.0.3:Q
#
# SIPp places a call with the right password (its [authentication]
# keyword answers the 401) and one with a wrong password, which gets a
# second 401 and never reaches the callee.  t/auth_client.py answers the
# challenges with SHA-256 and with MD5 by hand, compares the refusals of
# a wrong password and of an unknown user (identical but for tags and
# nonces), lets a nonce expire (stale=true), and checks that no
# Authorization header reaches the callee.  The counters come from the
# status socket.  Speaks TAP.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/t/lib.sh"

SIPP=${SIPP:-$(command -v sipp 2>/dev/null)}
[ -n "$SIPP" ] || skip_all "sipp is not installed"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
command -v timeout >/dev/null 2>&1 || skip_all "timeout(1) is not installed"
[ -x "$SBCD" ] || bail_out "no sbcd at $SBCD: build it first"

client=$top_srcdir/t/auth_client.py
port=$(free_port 127.0.0.1 127.0.0.2 127.0.0.4) || bail_out "no free port"
callee_port=$(free_port 127.0.0.3) || bail_out "no free port"
sock=$tmp/sbc.sock

cat >"$tmp/sbc.conf" <<CONF
# Written by t/auth.sh.
[general]
database = $tmp/sbc.db
status_socket = $sock
log_level = info
[sip]
t1 = 100
[listener ext-udp]
realm = external
address = 127.0.0.1
port = $port
[listener int-udp]
realm = internal
address = 127.0.0.2
port = $port
[realm external]
auth = yes
auth_realm = sbc.test
auth_nonce_lifetime = 2
# SIPp 3.6 reads the first algorithm of a 401 and knows only MD5.
[listener legacy-udp]
realm = legacy
address = 127.0.0.4
port = $port
[realm legacy]
auth = yes
auth_realm = sbc.test
auth_algorithms = MD5
CONF
add_route "$tmp/sbc.db" to-inside external "sip:127.0.0.3:$callee_port" internal
"$SBCCTL" -d "$tmp/sbc.db" route add legacy-in --from-realm legacy \
	--to to-inside >/dev/null 2>&1 || bail_out "route add legacy-in failed"
printf 'secret-a\n' | "$SBCCTL" -d "$tmp/sbc.db" user add legacy alice \
	--digest-realm sbc.test --password-stdin >/dev/null 2>&1 ||
	bail_out "sbcctl user add legacy failed"
printf 'secret-a\n' | "$SBCCTL" -d "$tmp/sbc.db" user add external alice \
	--digest-realm sbc.test --password-stdin >/dev/null 2>&1 ||
	bail_out "sbcctl user add failed"
printf 'secret-m\n' | "$SBCCTL" -d "$tmp/sbc.db" user add external mona \
	--digest-realm sbc.test --password-stdin --md5-only >/dev/null 2>&1 ||
	bail_out "sbcctl user add --md5-only failed"

start_sbcd "$tmp/sbc.conf" || bail_out "sbcd did not start"
check "sbcd logs the 3 users it loaded" sbcd_log_has 'credentials: 3 users'

# run_sipp NAME SCENARIO USER PASSWORD: a SIPp caller against sbcd, with
# the callee SIPp of basic_uas.xml when WITH_CALLEE is set.
run_sipp() {
	_d=$tmp/$1
	mkdir -p "$_d"
	if [ -n "${WITH_CALLEE-}" ]; then
		timeout 30 "$SIPP" -sf "$top_srcdir/t/sipp/b2b/basic_uas.xml" \
			-i 127.0.0.3 -p "$callee_port" -m 1 -nostdin \
			-timeout 20 -timeout_error \
			-trace_msg -message_file "$_d/callee.msg" \
			</dev/null >"$_d/callee.out" 2>&1 &
		_callee=$!
		wait_bound 127.0.0.3 "$callee_port" || diag "$1: no callee"
	fi
	_cport=$(free_port 127.0.0.4) || bail_out "no free port"
	timeout 30 "$SIPP" -sf "$top_srcdir/t/sipp/auth/$2.xml" \
		-i 127.0.0.4 -p "$_cport" -m 1 -s 1001 -nostdin -timeout 15 \
		-timeout_error -au "$3" -ap "$4" \
		-trace_msg -message_file "$_d/caller.msg" \
		-trace_err -error_file "$_d/caller.err" \
		"127.0.0.4:$port" </dev/null >"$_d/caller.out" 2>&1
	caller_rc=$?
	if [ -n "${WITH_CALLEE-}" ]; then
		timeout 10 sh -c "while kill -0 $_callee 2>/dev/null; do sleep 0.1; done"
		kill "$_callee" 2>/dev/null
		wait "$_callee"
		callee_rc=$?
	fi
}

# (a) SIPp, right password, in the realm that offers MD5 alone.
WITH_CALLEE=1 run_sipp right auth_uac alice secret-a
check "SIPp with the right password: the call completes (rc $caller_rc)" \
	test "$caller_rc" -eq 0
check "the callee answered it (rc $callee_rc)" test "$callee_rc" -eq 0
grep -q '^WWW-Authenticate: Digest realm="sbc.test", nonce="[0-9a-f]\{64\}", algorithm=MD5, qop="auth"' \
	"$tmp/right/caller.msg" && ! grep -q 'algorithm=SHA-256' "$tmp/right/caller.msg"
check "its 401 offers MD5 alone (auth_algorithms = MD5)" test $? -eq 0
grep -qi '^Authorization:' "$tmp/right/callee.msg"
check "no Authorization reaches the callee" test $? -ne 0

# (b) SIPp, wrong password: a second 401, nothing reaches the callee.
WITH_CALLEE= run_sipp wrong authfail_uac alice not-the-password
check "SIPp with a wrong password gets a second 401 (rc $caller_rc)" \
	test "$caller_rc" -eq 0
check "sbcd logs the refusal" \
	sbcd_log_has 'auth: INVITE from 127\.0\.0\.4:[0-9]+ in realm legacy: wrong credentials'

# (c) By hand, SHA-256 and MD5, through to a callee that answers 200.
r=$(timeout 20 python3 "$client" --server "127.0.0.1:$port" \
	--callee "127.0.0.3:$callee_port" --callee-log "$tmp/callee.log" \
	--user alice --password secret-a --alg SHA-256 2>&1)
check "MESSAGE with SHA-256 credentials passes (got $r)" test "$r" = 200
r=$(timeout 20 python3 "$client" --server "127.0.0.1:$port" \
	--callee "127.0.0.3:$callee_port" --user alice --password secret-a \
	--alg MD5 2>&1)
check "MESSAGE with MD5 credentials passes (got $r)" test "$r" = 200
r=$(timeout 20 python3 "$client" --server "127.0.0.1:$port" \
	--callee "127.0.0.3:$callee_port" --user mona --password secret-m \
	--alg SHA-256 2>&1)
check "a user with only an MD5 hash cannot use SHA-256 (got $r)" \
	test "$r" = 401
grep -qi '^Authorization:' "$tmp/callee.log"
check "no Authorization in what the callee got" test $? -ne 0
grep -q '^MESSAGE ' "$tmp/callee.log"
check "(the callee did get the MESSAGE)" test $? -eq 0

# (d) A wrong password and an unknown user: the same answer.
r1=$(timeout 20 python3 "$client" --server "127.0.0.1:$port" --user alice \
	--password wrong --dump "$tmp/wrong.txt" 2>&1)
r2=$(timeout 20 python3 "$client" --server "127.0.0.1:$port" --user nobody \
	--password wrong --dump "$tmp/unknown.txt" 2>&1)
check "a wrong password gets 401 (got $r1)" test "$r1" = 401
grep -q '^WWW-Authenticate: Digest realm="sbc.test", nonce="N", algorithm=SHA-256, qop="auth"' "$tmp/wrong.txt" &&
	sed -n '/^WWW-Authenticate/{n;p;}' "$tmp/wrong.txt" | grep -q 'algorithm=MD5'
check "the external realm offers SHA-256 first, then MD5 (RFC 8760 2.4)" test $? -eq 0
check "an unknown user gets 401 (got $r2)" test "$r2" = 401
# The Call-ID, From and Via (its port) are the clients' own.
sed -e '/^Call-ID:/d' -e '/^From:/d' -e '/^Via:/d' "$tmp/wrong.txt" >"$tmp/wrong.n"
sed -e '/^Call-ID:/d' -e '/^From:/d' -e '/^Via:/d' "$tmp/unknown.txt" >"$tmp/unknown.n"
if cmp -s "$tmp/wrong.n" "$tmp/unknown.n"; then
	ok "both 401s are identical but for tags, nonces and the client's ids"
else
	not_ok "both 401s are identical but for tags, nonces and the client's ids" \
		"$(diff "$tmp/wrong.n" "$tmp/unknown.n")"
fi

# (e) The nonce lives 2 s: an answer after 3 s is stale.
r=$(timeout 20 python3 "$client" --server "127.0.0.1:$port" --user alice \
	--password secret-a --wait 3 2>&1)
check "credentials with an expired nonce get 401 with stale=true (got $r)" \
	test "$r" = "401 stale"
r=$(timeout 20 python3 "$client" --server "127.0.0.1:$port" --user alice \
	--password wrong --wait 3 2>&1)
check "a wrong password with an expired nonce is not called stale (got $r)" \
	test "$r" = 401

# (f) Counters on the status socket.
stats=$("$SBCCTL" -s "$sock" --json stats 2>&1)
a=$(printf '%s' "$stats" | python3 -c '
import json, sys
a = json.load(sys.stdin)["auth"]
print(a["challenges"], a["auth_ok"], a["auth_failed"], a["stale_nonce"])' 2>&1)
diag "auth counters: $a"
set -- $a
# challenges: 2 SIPp + 3 + 2 + 2 by hand; ok: SIPp 1 + 2; failed: SIPp 1
# + mona's SHA-256 + wrong + unknown + wrong after the wait; stale 1.
check "challenges counted (got ${1-})" test "${1-}" = 9
check "auth_ok counted (got ${2-})" test "${2-}" = 3
check "auth_failed counted (got ${3-})" test "${3-}" = 5
check "stale_nonce counted (got ${4-})" test "${4-}" = 1

# (g) The internal realm does not ask.
r=$(printf 'OPTIONS sip:127.0.0.1:%s SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:@LOCAL_PORT@;branch=z9hG4bKopt1\nFrom: <sip:x@a.example>;tag=1\nTo: <sip:y@b.example>\nCall-ID: opt1\nCSeq: 1 OPTIONS\nMax-Forwards: 70\nContent-Length: 0\n\n' "$port" |
	sip_udp 127.0.0.1 "$port" | head -n 1)
check "OPTIONS to sbcd is answered without a challenge (got $r)" \
	test "$r" = "SIP/2.0 200 OK"

stop_sbcd
check "sbcd stops cleanly" test "$sbcd_status" = 0
finish
