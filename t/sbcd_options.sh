#!/bin/sh
# sbcd on two loopback addresses: it starts, creates its database,
# answers OPTIONS on both listeners as t/sipp/options.xml checks (Allow,
# received and rport per RFC 3261 18.2.1 and RFC 3581), answers a broken
# request with 400 and the parser's reason, 501 and 483 where due, stays
# silent for ACK, responses and messages without a usable Via, and stops
# cleanly on SIGTERM.  Speaks TAP.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/t/lib.sh"

[ -x "$SBCD" ] || bail_out "no sbcd at $SBCD: build it first"

plan 18

ext_port=$(free_port 127.0.0.1) || bail_out "no free port on 127.0.0.1"
int_port=$(free_port 127.0.0.2) || bail_out "no free port on 127.0.0.2"

cat >"$tmp/sbc.conf" <<EOF
# Written by t/sbcd_options.sh.
[general]
log_level = debug
database = $tmp/var/sbc.db

[listener ext]
realm = external
address = 127.0.0.1
port = $ext_port

[listener int]
realm = internal
transport = udp
address = 127.0.0.2
port = $int_port
EOF

if ! start_sbcd "$tmp/sbc.conf"; then
	not_ok "sbcd starts"
	bail_out "sbcd did not start"
fi
ok "sbcd starts"

sbcd_log_has "info: listening on udp 127\.0\.0\.1:$ext_port realm external \(listener ext\)$"
check "it logs the external listener" test $? -eq 0
sbcd_log_has "info: listening on udp 127\.0\.0\.2:$int_port realm internal \(listener int\)$"
check "it logs the internal listener" test $? -eq 0

# The database, as another SQLite client sees it while sbcd runs.
if command -v sqlite3 >/dev/null 2>&1; then
	latest=$(ls "$top_srcdir"/db/[0-9]*_*.sql | wc -l)
	v=$(sqlite3 "$tmp/var/sbc.db" 'PRAGMA user_version' 2>&1)
	check "the database was created with the latest schema, user_version $latest (got '$v')" \
		test "$v" = "$latest"
	v=$(sqlite3 "$tmp/var/sbc.db" 'PRAGMA journal_mode' 2>&1)
	check "the database is in WAL mode (got '$v')" test "$v" = wal
else
	skip "the database was created with the latest schema" "no sqlite3"
	skip "the database is in WAL mode" "no sqlite3"
fi

# SIPp as the peer, once per listener.
run_sipp() {
	_name=$1 _local=$2 _remote=$3
	(
		cd "$tmp" || exit 1
		to=
		command -v timeout >/dev/null 2>&1 && to="timeout 30"
		$to "$SIPP" -sf "$top_srcdir/t/sipp/options.xml" -m 1 \
			-i "$_local" -nostdin -timeout 15s -timeout_error \
			-trace_err -error_file "$tmp/sipp-$_name.err" \
			-trace_msg -message_file "$tmp/sipp-$_name.msg" \
			"$_remote" >"$tmp/sipp-$_name.out" 2>&1
	)
	_rc=$?
	if [ "$_rc" -eq 0 ]; then
		ok "SIPp OPTIONS scenario on the $_name listener passes"
	else
		not_ok "SIPp OPTIONS scenario on the $_name listener passes" \
			"sipp exited with $_rc" \
			"$(cat "$tmp/sipp-$_name.err" 2>/dev/null)" \
			"$(tail -n 30 "$tmp/sipp-$_name.msg" 2>/dev/null)"
	fi
}
if [ -n "$SIPP" ]; then
	run_sipp external 127.0.0.1 "127.0.0.1:$ext_port"
	run_sipp internal 127.0.0.2 "127.0.0.2:$int_port"
else
	skip "SIPp OPTIONS scenario on the external listener" "no sipp"
	skip "SIPp OPTIONS scenario on the internal listener" "no sipp"
fi

# Hand-made datagrams (python3 sends them).
if command -v python3 >/dev/null 2>&1; then
	# A request without Call-ID: the parser's reason is the phrase.
	sip_udp 127.0.0.1 "$ext_port" >"$tmp/r400" <<'EOF'
OPTIONS sip:ping@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP client.invalid:@LOCAL_PORT@;branch=z9hG4bKbad1;rport
From: <sip:t@127.0.0.1>;tag=b1
To: <sip:ping@127.0.0.1>
CSeq: 1 OPTIONS
Content-Length: 0

EOF
	head -n 1 "$tmp/r400" | grep -qx 'SIP/2.0 400 missing Call-ID'
	check "a request without Call-ID gets '400 missing Call-ID'" \
		test $? -eq 0
	grep -Eqx 'Via: SIP/2\.0/UDP client\.invalid:[0-9]+;branch=z9hG4bKbad1;received=127\.0\.0\.1;rport=[0-9]+' \
		"$tmp/r400" &&
		grep -Eqx 'To: <sip:ping@127\.0\.0\.1>;tag=[0-9A-Za-z]{16}' \
			"$tmp/r400" &&
		grep -qx 'Content-Length: 0' "$tmp/r400"
	check "the 400 has the completed Via, a To tag and Content-Length" \
		test $? -eq 0

	# No Via: nowhere to send a response, so nothing comes back.
	sip_udp 127.0.0.1 "$ext_port" 1 >/dev/null <<'EOF'
OPTIONS sip:ping@127.0.0.1 SIP/2.0
From: <sip:t@127.0.0.1>;tag=b2
To: <sip:ping@127.0.0.1>
Call-ID: novia@test
CSeq: 1 OPTIONS
Content-Length: 0

EOF
	check "a request without Via is dropped" test $? -eq 1

	sip_udp 127.0.0.2 "$int_port" >"$tmp/r481" <<'EOF'
INFO sip:ping@127.0.0.2 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:@LOCAL_PORT@;branch=z9hG4bKinfo
From: <sip:t@127.0.0.1>;tag=i1
To: <sip:ping@127.0.0.2>;tag=peer
Call-ID: info@test
CSeq: 7 INFO
Max-Forwards: 70
Content-Length: 0

EOF
	head -n 1 "$tmp/r481" |
		grep -qx 'SIP/2.0 481 Call/Transaction Does Not Exist' &&
		grep -qx 'To: <sip:ping@127.0.0.2>;tag=peer' "$tmp/r481" &&
		grep -qx 'CSeq: 7 INFO' "$tmp/r481"
	check "INFO in an unknown dialog gets 481 and keeps its To tag" \
		test $? -eq 0

	sip_udp 127.0.0.1 "$ext_port" >"$tmp/r483" <<'EOF'
INVITE sip:callee@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:@LOCAL_PORT@;branch=z9hG4bKmf0
From: <sip:t@127.0.0.1>;tag=m1
To: <sip:callee@127.0.0.1>
Call-ID: mf0@test
CSeq: 1 INVITE
Max-Forwards: 0
Content-Length: 0

EOF
	head -n 1 "$tmp/r483" | grep -qx 'SIP/2.0 483 Too Many Hops'
	check "INVITE with Max-Forwards 0 gets 483" test $? -eq 0

	sip_udp 127.0.0.1 "$ext_port" 1 >/dev/null <<'EOF'
ACK sip:callee@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:@LOCAL_PORT@;branch=z9hG4bKack
From: <sip:t@127.0.0.1>;tag=a1
To: <sip:callee@127.0.0.1>;tag=x
Call-ID: ack@test
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

EOF
	check "ACK gets no response" test $? -eq 1

	sip_udp 127.0.0.1 "$ext_port" 1 >/dev/null <<'EOF'
SIP/2.0 200 OK
Via: SIP/2.0/UDP 127.0.0.1:@LOCAL_PORT@;branch=z9hG4bKresp
From: <sip:t@127.0.0.1>;tag=r1
To: <sip:x@127.0.0.1>;tag=r2
Call-ID: resp@test
CSeq: 1 OPTIONS
Content-Length: 0

EOF
	check "a response gets no response" test $? -eq 1
else
	for d in "400 missing Call-ID" "400 headers" "no Via dropped" \
		"INFO 481" "483" "ACK silent" "response silent"; do
		skip "$d" "no python3"
	done
fi

if stop_sbcd; then
	ok "SIGTERM stops sbcd with exit status 0"
else
	not_ok "SIGTERM stops sbcd with exit status 0"
fi
sbcd_log_has 'info: stopped$'
check "sbcd logs 'stopped'" test $? -eq 0
if command -v python3 >/dev/null 2>&1; then
	sbcd_log_has 'messages: 2 bad \(1 answered 400\)' &&
		sbcd_log_has 'transactions: .* 1 stray'
	check "the counters saw one stray response and two bad messages" \
		test $? -eq 0
else
	skip "the counters saw one stray response and two bad messages" "no python3"
fi
! grep -q 'Sanitizer' "$sbcd_log"
check "no sanitizer report in the log" test $? -eq 0

finish
