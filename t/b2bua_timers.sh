#!/bin/sh
# The call timers of the session core, with SIPp on both sides: with
# [sip] timer_c = 1, a callee that only rings is cancelled by sbcd and
# the caller gets 408 (RFC 3261 16.6 step 11); with max_call_duration =
# 1, an answered call is ended by sbcd with a BYE to each side.  Then
# sbcd is stopped twice: while a call rings, and while an answered call
# waits for its ACK.  Speaks TAP.
. "${top_srcdir:-$(dirname "$0")/..}/t/lib.sh"

[ -n "$SIPP" ] || skip_all "sipp not installed"
command -v python3 >/dev/null 2>&1 || skip_all "python3 needed for free_port"

b2b=$top_srcdir/t/sipp/b2b
port=$(free_port 127.0.0.1 127.0.0.2) || bail_out "no free port"
callee_port=$(free_port 127.0.0.3) || bail_out "no free port"
cat >"$tmp/sbc.conf" <<CONF
[general]
database = $tmp/sbc.db
max_call_duration = 1
[sip]
t1 = 50
timer_c = 1
[listener ext]
realm = external
address = 127.0.0.1
port = $port
[listener int]
realm = internal
address = 127.0.0.2
port = $port
CONF
add_route "$tmp/sbc.db" to-inside external "sip:127.0.0.3:$callee_port" internal

if ! start_sbcd "$tmp/sbc.conf"; then
	not_ok "sbcd starts"
	finish
fi
ok "sbcd starts"

# pair LABEL UAC UAS: one call; both SIPp must end as scripted.
pair() {
	timeout 30 "$SIPP" -sf "$b2b/$3.xml" -i 127.0.0.3 -p "$callee_port" \
		-m 1 -nostdin -timeout 20 -timeout_error \
		</dev/null >"$tmp/$3.out" 2>&1 &
	_callee=$!
	sleep 0.3
	timeout 30 "$SIPP" -sf "$b2b/$2.xml" -i 127.0.0.1 \
		-p "$(free_port 127.0.0.1)" -m 1 -s 1001 -nostdin -timeout 20 \
		-timeout_error 127.0.0.1:"$port" </dev/null \
		>"$tmp/$2.out" 2>&1
	_rc=$?
	wait "$_callee"
	_erc=$?
	if [ $_rc -eq 0 ] && [ $_erc -eq 0 ]; then
		ok "$1"
	else
		not_ok "$1" "caller $_rc, callee $_erc" \
			"$(tail -n 15 "$tmp/$2.out")" "$(tail -n 15 "$tmp/$3.out")"
	fi
}

pair "no answer: sbcd cancels the callee and answers the caller 408" \
	noanswer_uac cancel_uas
pair "maximum duration: sbcd sends BYE to both sides" \
	calleebye_uac basic_uas
check "sbcd says why it ended the call" \
	sbcd_log_has 'call reached the maximum duration'
v=$("$SBCCTL" -s "$tmp/sbc.sock" --json stats 2>&1 | python3 -c '
import json, sys
f = json.load(sys.stdin)["calls"]["failures"]
print(f["max_duration"], f["no_ack"])' 2>&1)
check "the status socket counts one call ended at its maximum duration (got '$v')" \
	test "$v" = "1 0"

# Timer D of the 408 on leg A and of the 487 on leg B: 32 s at least.
sleep 1
if stop_sbcd; then
	ok "SIGTERM stops sbcd with exit status 0"
else
	not_ok "SIGTERM stops sbcd with exit status 0"
fi
check "both calls counted, one answered, none left active" \
	sbcd_log_has 'calls: 2 total, 0 active, 1 answered, 1 failed'

# Stopped while a call rings: the caller gets 503, the callee a CANCEL,
# and the attempt its CDR.  Timer C is at its default (180 s) now.
cp "$sbcd_log" "$tmp/sbcd-first.log"
sed '/^timer_c = 1$/d' "$tmp/sbc.conf" >"$tmp/sbc2.conf"
if start_sbcd "$tmp/sbc2.conf"; then
	timeout 30 "$SIPP" -sf "$b2b/shutdown_uas.xml" -i 127.0.0.3 \
		-p "$callee_port" -m 1 -nostdin -timeout 20 -timeout_error \
		</dev/null >"$tmp/shutdown_uas.out" 2>&1 &
	_callee=$!
	wait_bound 127.0.0.3 "$callee_port" || diag "the callee is not bound"
	timeout 30 "$SIPP" -sf "$b2b/shutdown_uac.xml" -i 127.0.0.1 \
		-p "$(free_port 127.0.0.1)" -m 1 -s 1001 -nostdin -timeout 20 \
		-timeout_error 127.0.0.1:"$port" </dev/null \
		>"$tmp/shutdown_uac.out" 2>&1 &
	_caller=$!
	# Until the call is up on both legs and rings.
	wait_json "$tmp/sbc.sock" stats 1 calls active ||
		diag "the call did not show as active"
	sleep 0.5
	stop_sbcd
	check "sbcd stops with a call ringing (exit status $sbcd_status)" \
		test "$sbcd_status" = 0
	wait "$_caller"
	_rc=$?
	wait "$_callee"
	_erc=$?
	if [ $_rc -eq 0 ] && [ $_erc -eq 0 ]; then
		ok "stopped while ringing: the caller gets 503, the callee a CANCEL"
	else
		not_ok "stopped while ringing: the caller gets 503, the callee a CANCEL" \
			"caller $_rc, callee $_erc" \
			"$(tail -n 15 "$tmp/shutdown_uac.out")" \
			"$(tail -n 15 "$tmp/shutdown_uas.out")"
	fi
	v=$(python3 - "$tmp/sbc.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=5)
print(c.execute("SELECT count(*) FROM cdrs WHERE status = 503 AND "
                "hangup = 'sbc' AND answered_ms IS NULL").fetchone()[0])
PY
)
	check "the call stopped while ringing has its CDR: 503, ended by sbc (got $v)" \
		test "$v" = 1
else
	not_ok "sbcd starts again"
fi

# Stopped while a 2xx waits for its ACK: the call's ACK timer and the
# leg A transaction's Timer L (RFC 6026) run side by side in the timer
# heap's 64*T1 lane, and sbcd must free the one without tripping over
# the other.  The answered call stays in the store for a restart.  T1
# is at its default (500 ms) here, so the ACK wait is 32 s, and there is
# no maximum duration: a loaded machine cannot end the call before sbcd
# is stopped.
cp "$sbcd_log" "$tmp/sbcd-second.log"
sed '/^t1 = 50$/d; /^max_call_duration = 1$/d' "$tmp/sbc2.conf" \
	>"$tmp/sbc3.conf"
if start_sbcd "$tmp/sbc3.conf"; then
	timeout 30 "$SIPP" -sf "$b2b/long_uas.xml" -i 127.0.0.3 \
		-p "$callee_port" -m 1 -nostdin -timeout 20 \
		</dev/null >"$tmp/noack_uas.out" 2>&1 &
	_callee=$!
	wait_bound 127.0.0.3 "$callee_port" || diag "the callee is not bound"
	timeout 30 "$SIPP" -sf "$b2b/noack_uac.xml" -i 127.0.0.1 \
		-p "$(free_port 127.0.0.1)" -m 1 -s 1001 -nostdin -timeout 20 \
		-timeout_error 127.0.0.1:"$port" </dev/null \
		>"$tmp/noack_uac.out" 2>&1 &
	_caller=$!
	# Until the call is answered.
	wait_json "$tmp/sbc.sock" stats 1 calls answered
	_a=$(sbcd_json "$tmp/sbc.sock" stats calls answered)
	check "the unacknowledged call is answered (answered: '$_a')" \
		test "$_a" = 1
	stop_sbcd
	check "sbcd stops while a 2xx waits for its ACK (exit status $sbcd_status)" \
		test "$sbcd_status" = 0
	wait "$_caller"
	_rc=$?
	check "the caller got its 200 (sipp $_rc)" test "$_rc" = 0
	kill "$_callee" 2>/dev/null
	wait "$_callee" 2>/dev/null
	v=$(python3 - "$tmp/sbc.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=5)
print(c.execute("SELECT count(*) FROM dialogs").fetchone()[0])
PY
)
	check "the answered call is kept in the store (dialogs: $v)" \
		test "$v" = 1
else
	not_ok "sbcd starts a third time"
fi
cat "$tmp/sbcd-second.log" >>"$sbcd_log"
cat "$tmp/sbcd-first.log" >>"$sbcd_log"
if grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error' "$sbcd_log"; then
	not_ok "no sanitizer report in the log"
else
	ok "no sanitizer report in the log"
fi
finish
