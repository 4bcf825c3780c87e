#!/bin/sh
# The B2BUA seen from outside: SIPp callers and callees on both
# sides of sbcd place calls through it with the scenario pairs of
# t/sipp/b2b/, and t/leakcheck.py reads both sides' message traces to
# check topology hiding (nothing that names one side reaches the other)
# and the dialog rules of RFC 3261 12 and 17 on each leg.
#
#   caller 127.0.0.1 ──▶ sbcd 127.0.0.1:P | 127.0.0.2:P ──▶ callee 127.0.0.3:Q
#   callee 127.0.0.1:R ◀── sbcd 127.0.0.1:P | 127.0.0.2:P ◀── caller 127.0.0.3
#
# First every pair runs once straight from caller to callee, without
# sbcd: that proves the scenarios, so that a failure through sbcd is
# sbcd's, and shows that leakcheck catches a call that leaks everything.
# Then the flows run through sbcd: (a) basic call, caller hangs up, three
# calls, also over TCP on the caller's side and from the internal side;
# (b) the callee hangs up; (c) CANCEL after 180; (d) 486 busy; (e) 183
# with SDP, then 200; (f) re-INVITE both ways; (g) UPDATE and INFO both
# ways; (h) the callee's Record-Route (UAC route set, RFC 3261 12.1.2);
# (h2) the caller's Record-Route (UAS route set, 12.1.1); (i)
# Max-Forwards 0 gets 483 and reaches nobody; (j) MESSAGE outside a
# dialog; (k) a reliable 183 and its PRACK (RFC 3262); (l) a forking
# callee: two early dialogs, the 200 of one, then a late 200 of the
# other that sbcd ACKs and ends with a BYE (RFC 3261 13.2.2.4); (m) a
# 302 from the callee, which the caller gets as 480; (n) REFER and the
# NOTIFY it brings (RFC 3515); (o) re-INVITE glare: sbcd answers 491 to
# the callee's re-INVITE while its own is pending (14.2); (p) the
# caller sends its ACK twice, and the callee gets it once (13.2.2.4).
# Speaks TAP.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/t/lib.sh"

SIPP=${SIPP:-$(command -v sipp 2>/dev/null)}
[ -n "$SIPP" ] || skip_all "sipp is not installed"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
command -v timeout >/dev/null 2>&1 || skip_all "timeout(1) is not installed"
[ -x "$SBCD" ] || bail_out "no sbcd at $SBCD: build it first"

b2b=$top_srcdir/t/sipp/b2b
leakcheck=$top_srcdir/t/leakcheck.py

port=$(free_port 127.0.0.1 127.0.0.2) || bail_out "no free port"
callee_port=$(free_port 127.0.0.3) || bail_out "no free port"
back_port=$(free_port 127.0.0.1) || bail_out "no free port"

# Timers: T1 100 ms, so that Timers B, F, H and J (64*T1) take 6.4 s;
# Timer D of a client INVITE over UDP is 32 s whatever T1 is.
cat >"$tmp/sbc.conf" <<CONF
# Written by t/b2bua.sh.
[general]
database = $tmp/sbc.db
status_socket = $tmp/sbc.sock
log_level = info
[sip]
t1 = 100
t2 = 400
t4 = 500
[listener ext-udp]
realm = external
address = 127.0.0.1
port = $port
[listener ext-tcp]
realm = external
transport = tcp
address = 127.0.0.1
port = $port
[listener int-udp]
realm = internal
address = 127.0.0.2
port = $port
CONF
add_route "$tmp/sbc.db" to-inside external "sip:127.0.0.3:$callee_port" internal
add_route "$tmp/sbc.db" to-outside internal "sip:127.0.0.1:$back_port" external

# run_pair NAME UAC UAS CALLER_IP CALLEE_IP CALLEE_PORT DEST CALLS
#          [CALLER_ARGS...]
# Runs the callee SIPp (UAS.xml) in the background and the caller
# (UAC.xml) in the foreground towards DEST, both with a message trace in
# $tmp/NAME/.  Sets caller_rc and callee_rc (124: still running when
# the caller had long finished, so stopped).  Every wait is bounded.
run_pair() {
	_name=$1 _d=$tmp/$1
	_uac=$2 _uas=$3 _cip=$4 _eip=$5 _eport=$6 _dest=$7 _calls=$8
	shift 8
	mkdir -p "$_d"
	_cport=$(free_port "$_cip") || bail_out "no free port"
	timeout 40 "$SIPP" -sf "$b2b/$_uas.xml" -i "$_eip" -p "$_eport" \
		-m "$_calls" -nostdin -timeout 30 -timeout_error \
		-trace_msg -message_file "$_d/callee.msg" \
		-trace_err -error_file "$_d/callee.err" \
		</dev/null >"$_d/callee.out" 2>&1 &
	_callee=$!
	wait_bound "$_eip" "$_eport" ||
		diag "$_name: the callee did not bind $_eip:$_eport in 5 s"
	timeout 40 "$SIPP" -sf "$b2b/$_uac.xml" -i "$_cip" -p "$_cport" \
		-m "$_calls" -r 10 -s 1001 -nostdin -timeout 20 \
		-timeout_error -max_retrans 10 \
		-trace_msg -message_file "$_d/caller.msg" \
		-trace_err -error_file "$_d/caller.err" \
		"$@" "$_dest" </dev/null >"$_d/caller.out" 2>&1
	caller_rc=$?
	# A callee that has its calls ends right after the caller; one that
	# has none (the caller failed) is not waited for long.
	if [ "$caller_rc" -eq 0 ]; then _max=50; else _max=5; fi
	_i=0
	while kill -0 "$_callee" 2>/dev/null && [ "$_i" -lt "$_max" ]; do
		lib_nap
		_i=$((_i + 1))
	done
	if kill -0 "$_callee" 2>/dev/null; then
		kill "$_callee" 2>/dev/null
		wait "$_callee" 2>/dev/null
		callee_rc=124
	else
		wait "$_callee"
		callee_rc=$?
	fi
}

# sipp_diag DIR WHO: what a failed SIPp said.
sipp_diag() {
	tail -n 12 "$1/$2.out" 2>/dev/null | grep -v '^ *$'
	tail -c 1500 "$1/$2.err" 2>/dev/null
}

# report_pair LABEL NAME: TAP lines for both SIPp exit statuses.
report_pair() {
	if [ "$caller_rc" -eq 0 ]; then
		ok "$1: the caller ends every call as scripted"
	else
		not_ok "$1: the caller ends every call as scripted" \
			"sipp exit status $caller_rc" "$(sipp_diag "$tmp/$2" caller)"
	fi
	if [ "$callee_rc" -eq 0 ]; then
		ok "$1: the callee ends every call as scripted"
	else
		not_ok "$1: the callee ends every call as scripted" \
			"sipp exit status $callee_rc" "$(sipp_diag "$tmp/$2" callee)"
	fi
}

# leak_check LABEL NAME [LEAKCHECK_ARGS...]: t/leakcheck.py on both
# traces, one TAP line for each group of its findings; failures and
# their details become diagnostics.
leak_check() {
	_label=$1 _d=$tmp/$2
	shift 2
	python3 "$leakcheck" --max-forwards --same-bodies "$@" \
		"$_d/caller.msg" "$_d/callee.msg" </dev/null \
		>"$_d/leakcheck.out" 2>&1
	_rc=$?
	[ "$_rc" -le 1 ] ||
		not_ok "$_label: leakcheck runs" "exit status $_rc" \
			"$(cat "$_d/leakcheck.out")"
	for _g in hiding dialog sbc max-forwards bodies; do
		case $_g in
		hiding) _what="nothing that names one side reaches the other" ;;
		dialog) _what="each leg keeps RFC 3261 12 and 17 (tags, CSeq, branches, Route, Request-URI)" ;;
		sbc) _what="each side sees only sbcd's Via and Contact, and no Record-Route but its own" ;;
		max-forwards) _what="Max-Forwards is one less on every relayed request" ;;
		bodies) _what="bodies cross unchanged" ;;
		esac
		if grep -q "^fail: $_g: " "$_d/leakcheck.out"; then
			not_ok "$_label: $_what" "$(awk -v g="$_g" '
				/^(ok|fail): / { on = index($0, "fail: " g ": ") == 1 }
				on' "$_d/leakcheck.out" | head -n 30)"
		elif grep -q "^ok: $_g: " "$_d/leakcheck.out"; then
			ok "$_label: $_what"
		fi
	done
}

# The flows: NAME, caller scenario, callee scenario, calls, label.  The
# ones that end in a non-2xx final response come first: their client
# INVITE transactions live for Timer D (32 s), waited out at the end.
flows="redirect redirect_uac redirect_uas 1 (m)_302_from_the_callee
cancel cancel_uac cancel_uas 1 (c)_CANCEL_after_180
busy busy_uac busy_uas 1 (d)_busy
basic basic_uac basic_uas 3 (a)_basic_call,_caller_hangs_up
calleebye calleebye_uac calleebye_uas 1 (b)_basic_call,_callee_hangs_up
dupack dupack_uac basic_uas 1 (p)_the_caller's_ACK_sent_twice
early early_uac early_uas 1 (e)_183_with_SDP,_then_200
reinvite reinvite_uac reinvite_uas 1 (f)_re-INVITE_both_ways
updinfo updinfo_uac updinfo_uas 1 (g)_UPDATE_and_INFO_both_ways
rr basic_uac rr_uas 1 (h)_the_callee's_Record-Route
rrcaller rrcaller_uac calleebye_uas 1 (h2)_the_caller's_Record-Route
message message_uac message_uas 1 (j)_MESSAGE_outside_a_dialog
prack prack_uac prack_uas 1 (k)_183_with_100rel_and_PRACK
fork fork_uac fork_uas 1 (l)_a_forking_callee
refer refer_uac refer_uas 1 (n)_REFER_and_NOTIFY
glare glare_uac glare_uas 1 (o)_re-INVITE_glare"

# Flows that only make sense through sbcd, left out of the direct run:
# (l) the late 200 of the second fork must be ACKed and ended with a BYE
# by the UAC, which is sbcd, not the caller SIPp; (o) there is no glare
# without sbcd's own re-INVITE on the callee's leg.  (m) runs directly:
# its caller takes the callee's 302 there, sbcd's 480 otherwise.
nodirect="fork glare"

# 1. Every pair straight from caller to callee, without sbcd.
: >"$tmp/direct.out"
while read -r name uac uas calls label; do
	case " $nodirect " in *" $name "*) continue ;; esac
	label=$(echo "$label" | tr _ ' ')
	run_pair "direct-$name" "$uac" "$uas" 127.0.0.1 127.0.0.3 \
		"$callee_port" "127.0.0.3:$callee_port" 1
	[ "$caller_rc" -eq 0 ] && [ "$callee_rc" -eq 0 ] ||
		echo "not ok $label: caller $caller_rc, callee $callee_rc" \
			>>"$tmp/direct.out"
done <<EOF
$flows
EOF
run_pair direct-maxfwd maxfwd_uac maxfwd_uas 127.0.0.1 127.0.0.3 \
	"$callee_port" "127.0.0.3:$callee_port" 1
[ "$caller_rc" -eq 0 ] && [ "$callee_rc" -eq 0 ] ||
	echo "not ok (i) Max-Forwards 0: caller $caller_rc, callee $callee_rc" \
		>>"$tmp/direct.out"
if grep -q '^not ok' "$tmp/direct.out"; then
	not_ok "without sbcd, every scenario pair runs as scripted" \
		"$(grep '^not ok' "$tmp/direct.out" | sed 's/^not ok //')"
else
	ok "without sbcd, every scenario pair runs as scripted"
fi
python3 "$leakcheck" --max-forwards "$tmp/direct-basic/caller.msg" \
	"$tmp/direct-basic/callee.msg" >"$tmp/direct-basic/leakcheck.out" 2>&1
rc=$?
if [ "$rc" -eq 1 ] &&
	grep -q '^fail: hiding: none of .* from caller reaches callee' "$tmp/direct-basic/leakcheck.out" &&
	grep -q '^fail: hiding: none of .* from callee reaches caller' "$tmp/direct-basic/leakcheck.out" &&
	grep -q "^  Call-ID '" "$tmp/direct-basic/leakcheck.out" &&
	grep -q "^  Via sent-by '127\.0\.0\.1:" "$tmp/direct-basic/leakcheck.out" &&
	grep -q "^  Contact '127\.0\.0\.3:$callee_port'" "$tmp/direct-basic/leakcheck.out" &&
	grep -q '^fail: max-forwards: ' "$tmp/direct-basic/leakcheck.out" &&
	! grep -q '^fail: dialog: ' "$tmp/direct-basic/leakcheck.out"; then
	ok "leakcheck finds the Call-ID, Via and Contact a direct call leaks both ways"
else
	not_ok "leakcheck finds the Call-ID, Via and Contact a direct call leaks both ways" \
		"exit status $rc" "$(cat "$tmp/direct-basic/leakcheck.out")"
fi

# 2. Through sbcd.
if ! start_sbcd "$tmp/sbc.conf"; then
	not_ok "sbcd starts with two realms and two routes"
	finish
fi
ok "sbcd starts with two realms and two routes"

ext=127.0.0.1:$port
int=127.0.0.2:$port
nonok_end=$(date +%s)
while read -r name uac uas calls label; do
	label=$(echo "$label" | tr _ ' ')
	run_pair "$name" "$uac" "$uas" 127.0.0.1 127.0.0.3 \
		"$callee_port" "$ext" "$calls"
	report_pair "$label" "$name"
	case $name in
	fork) leak_check "$label" "$name" --sbc-a "$ext" --sbc-b "$int" \
		--forks ;;
	*) leak_check "$label" "$name" --sbc-a "$ext" --sbc-b "$int" ;;
	esac
	case $name in
	cancel | busy) nonok_end=$(date +%s) ;;
	redirect)
		nonok_end=$(date +%s)
		if grep -q '^SIP/2\.0 480 Redirect Not Followed' \
			"$tmp/redirect/caller.msg" &&
			! grep -q '^SIP/2\.0 3[0-9][0-9] ' "$tmp/redirect/caller.msg"; then
			ok "$label: the caller gets 480, never the 3xx"
		else
			not_ok "$label: the caller gets 480, never the 3xx" \
				"$(grep '^SIP/2\.0 ' "$tmp/redirect/caller.msg" | head -n 5)"
		fi
		;;
	dupack)
		v=$(sbcd_json "$tmp/sbc.sock" stats calls acks_absorbed)
		check "$label: sbcd counts the ACK it absorbed (acks_absorbed '$v')" \
			test "${v:-0}" -ge 1
		;;
	basic)
		if grep -Eq "^INVITE sip:1001@127\.0\.0\.3:${callee_port}[;> ]" \
			"$tmp/basic/callee.msg"; then
			ok "$label: the callee's Request-URI is the route's target with the caller's user"
		else
			not_ok "$label: the callee's Request-URI is the route's target with the caller's user" \
				"$(grep '^INVITE ' "$tmp/basic/callee.msg" | head -n 3)"
		fi
		;;
	esac
done <<EOF
$flows
EOF

label="(a) over TCP on the caller's side"
run_pair tcp basic_uac basic_uas 127.0.0.1 127.0.0.3 "$callee_port" \
	"$ext" 2 -t t1
report_pair "$label" tcp
leak_check "$label" tcp --sbc-a "$ext" --sbc-b "$int"

label="(a) from the internal side"
run_pair inside basic_uac basic_uas 127.0.0.3 127.0.0.1 "$back_port" \
	"$int" 1
report_pair "$label" inside
leak_check "$label" inside --sbc-a "$int" --sbc-b "$ext"

# (i) Max-Forwards 0: sbcd answers 483 itself; a basic callee waits on
# the route's target and must receive nothing.
label="(i) Max-Forwards 0"
run_pair maxfwd maxfwd_uac basic_uas 127.0.0.1 127.0.0.3 "$callee_port" \
	"$ext" 1
if [ "$caller_rc" -eq 0 ]; then
	ok "$label: the caller gets 483 and ACKs it"
else
	not_ok "$label: the caller gets 483 and ACKs it" \
		"sipp exit status $caller_rc" "$(sipp_diag "$tmp/maxfwd" caller)"
fi
if grep -q 'message received' "$tmp/maxfwd/callee.msg" 2>/dev/null; then
	not_ok "$label: the callee receives nothing" \
		"$(grep -A3 'message received' "$tmp/maxfwd/callee.msg" | head -n 8)"
else
	ok "$label: the callee receives nothing"
fi

# Every transaction ends by its timers: Timer D (32 s) of the last
# client INVITE that got a non-2xx answer, and 64*T1 (6.4 s) for the
# rest.  Both bounded: at most 34 s from now.
now=$(date +%s)
wait_s=$((nonok_end + 33 - now))
[ "$wait_s" -ge 7 ] || wait_s=7
[ "$wait_s" -le 34 ] || wait_s=34
diag "waiting $wait_s s for the transactions' timers"
sleep "$wait_s"

if stop_sbcd; then
	ok "SIGTERM stops sbcd with exit status 0"
else
	not_ok "SIGTERM stops sbcd with exit status 0"
fi
check "no transaction is left alive" sbcd_log_has 'transactions: .* 0 alive'
check "no call is left active" sbcd_log_has 'calls: .* 0 active'
check "calls went through the session core" sbcd_log_has 'calls: [1-9][0-9]* total'
if grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error' "$sbcd_log"; then
	not_ok "no sanitizer report in the log" "$(grep -E -A5 'Sanitizer|runtime error' "$sbcd_log" | head -n 30)"
else
	ok "no sanitizer report in the log"
fi
finish
