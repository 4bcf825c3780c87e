#!/bin/sh
# Dialog persistence: calls answered through sbcd survive `kill -9` of
# sbcd and a restart.  A SIPp caller places long calls to a SIPp callee
# through sbcd; once every call's dialog row is in the database, sbcd is
# killed with SIGKILL and started again on the same database.  When the
# calls end, every BYE the caller sends must get its 200 and reach the
# callee, which only works if the restarted sbcd rebuilt both legs of
# every call from its row.  Then: the rows are gone, one CDR per call
# says who hung up, and a stored dialog past the maximum call duration
# is dropped at start.  Speaks TAP.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/t/lib.sh"

SIPP=${SIPP:-$(command -v sipp 2>/dev/null)}
[ -n "$SIPP" ] || skip_all "sipp is not installed"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
command -v timeout >/dev/null 2>&1 || skip_all "timeout(1) is not installed"
[ -x "$SBCD" ] || bail_out "no sbcd at $SBCD: build it first"

b2b=$top_srcdir/t/sipp/b2b
calls=5
port=$(free_port 127.0.0.1 127.0.0.2) || bail_out "no free port"
callee_port=$(free_port 127.0.0.3) || bail_out "no free port"
caller_port=$(free_port 127.0.0.1) || bail_out "no free port"
db=$tmp/sbc.db

cat >"$tmp/sbc.conf" <<CONF
[general]
database = $db
max_call_duration = 3600
[sip]
t1 = 100
[listener ext]
realm = external
address = 127.0.0.1
port = $port
[listener int]
realm = internal
address = 127.0.0.2
port = $port
CONF
add_route "$db" to-inside external "sip:127.0.0.3:$callee_port" internal

# sql QUERY: the rows of a query on the database, one per line, columns
# separated by '|'; python3's sqlite3 module is a second, independent
# reader of the file.
sql() {
	python3 - "$db" "$1" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=5)
for row in c.execute(sys.argv[2]):
    print("|".join("" if v is None else str(v) for v in row))
PY
}

# wait_sql QUERY WANT [SECONDS]: until the query answers WANT.
wait_sql() {
	_end=$(($(date +%s) + ${3:-10}))
	while [ "$(date +%s)" -le "$_end" ]; do
		[ "$(sql "$1")" = "$2" ] && return 0
		sleep 0.2
	done
	return 1
}

if ! start_sbcd "$tmp/sbc.conf"; then
	not_ok "sbcd starts"
	finish
fi
ok "sbcd starts"
first_pid=$sbcd_pid

timeout 60 "$SIPP" -sf "$b2b/long_uas.xml" -i 127.0.0.3 -p "$callee_port" \
	-m "$calls" -nostdin -timeout 50 -timeout_error \
	-trace_err -error_file "$tmp/callee.err" \
	</dev/null >"$tmp/callee.out" 2>&1 &
callee=$!
wait_bound 127.0.0.3 "$callee_port" || diag "the callee did not bind in 5 s"
# Calls of 12 s, 10 per second: all five are up within a second, and
# none ends before the kill even on a loaded machine (a BYE the killed
# sbcd answered but whose row deletion it did not commit would bring
# the call back at the restart, as a crash can).
timeout 60 "$SIPP" -sf "$b2b/long_uac.xml" -i 127.0.0.1 -p "$caller_port" \
	-m "$calls" -r 10 -d 12000 -s 1001 -nostdin -timeout 50 \
	-timeout_error -max_retrans 20 \
	-trace_err -error_file "$tmp/caller.err" \
	127.0.0.1:"$port" </dev/null >"$tmp/caller.out" 2>&1 &
caller=$!

if wait_sql "SELECT count(*) FROM dialogs" "$calls" 6; then
	ok "the $calls answered calls have their dialog rows"
else
	not_ok "the $calls answered calls have their dialog rows" \
		"rows: $(sql 'SELECT count(*) FROM dialogs')"
fi
# SIGKILL: no shutdown, no flush; then the same configuration again.
kill -KILL "$first_pid"
wait "$first_pid" 2>/dev/null
# The rows as the killed sbcd left them (nothing can change them now).
legs=$(sql "SELECT count(*) FROM dialog_legs WHERE remote_target LIKE 'sip:%'
	AND call_id <> '' AND local_tag <> '' AND remote_tag <> ''")
check "each row holds both legs' dialog state (got $legs legs)" \
	test "$legs" = $((calls * 2))

sbcd_pid=
mv "$sbcd_log" "$tmp/sbcd.first.log"
if start_sbcd "$tmp/sbc.conf"; then
	ok "sbcd starts again after kill -9"
else
	not_ok "sbcd starts again after kill -9"
fi
check "it restored the $calls calls" \
	sbcd_log_has "restored $calls calls from the database \\(0 dropped\\)"

wait "$caller"
caller_rc=$?
wait "$callee"
callee_rc=$?
if [ "$caller_rc" -eq 0 ]; then
	ok "every BYE sent after the restart got its 200"
else
	not_ok "every BYE sent after the restart got its 200" \
		"sipp exit status $caller_rc" "$(tail -n 20 "$tmp/caller.out")"
fi
if [ "$callee_rc" -eq 0 ]; then
	ok "the callee got every BYE and answered it"
else
	not_ok "the callee got every BYE and answered it" \
		"sipp exit status $callee_rc" "$(tail -n 20 "$tmp/callee.out")"
fi

if wait_sql "SELECT count(*) FROM dialogs" 0 5; then
	ok "the ended calls' dialog rows are gone"
else
	not_ok "the ended calls' dialog rows are gone" \
		"rows: $(sql 'SELECT id FROM dialogs')"
fi
cdrs=$(sql "SELECT count(*) FROM cdrs WHERE hangup = 'caller' AND
	status = 200 AND answered_ms >= started_ms AND ended_ms >= answered_ms
	AND route = 'to-inside' AND to_trunk = 'to-inside'
	AND caller LIKE '%alice@%' AND a_call_id <> b_call_id")
check "one CDR per call: answered, ended by the caller (got $cdrs)" \
	test "$cdrs" = "$calls"

stop_sbcd
check "sbcd stops cleanly after the restored calls" \
	test "${sbcd_status:-1}" -eq 0

# A stored dialog older than max_call_duration is not restored.
python3 - "$db" <<'PY'
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1])
old = int(time.time() * 1000) - 2 * 3600 * 1000
c.execute("INSERT INTO dialogs (id, started_ms, answered_ms, updated_ms) "
          "VALUES ('stale', ?, ?, ?)", (old, old, old))
for side, realm, peer in ((0, "external", "127.0.0.1:5999"),
                          (1, "internal", "127.0.0.3:5999")):
    c.execute("INSERT INTO dialog_legs (dialog, side, realm, transport, "
              "peer, call_id, local_tag, remote_tag, local_cseq, "
              "remote_cseq, local_uri, remote_uri, remote_target, "
              "route_set) VALUES ('stale', ?, ?, 'udp', ?, 'c', 'l', 'r', "
              "1, 1, '<sip:a@x>', '<sip:b@y>', 'sip:b@127.0.0.9', '')",
              (side, realm, peer))
c.commit()
PY
mv "$sbcd_log" "$tmp/sbcd.second.log"
start_sbcd "$tmp/sbc.conf" || diag "sbcd did not start a third time"
check "a dialog past the maximum call duration is dropped" \
	sbcd_log_has "restored 0 calls from the database \\(1 dropped\\)"
check "and its row is deleted" test "$(sql 'SELECT count(*) FROM dialogs')" = 0
stop_sbcd
if grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error' \
	"$tmp/sbcd.first.log" "$tmp/sbcd.second.log" "$sbcd_log"; then
	not_ok "no sanitizer report in the logs"
else
	ok "no sanitizer report in the logs"
fi
finish
