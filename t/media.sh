#!/bin/sh
# Media anchoring through a real rtpengine (issue 9).  rtpengine runs in
# user space (--table=-1) on 127.0.0.5; SIPp calls through sbcd:
#
#   caller 127.0.0.1 ──▶ sbcd 127.0.0.1:P | 127.0.0.2:P ──▶ callee 127.0.0.3
#                 rtpengine 127.0.0.5 (ng on 127.0.0.5:N)
#
# (a) an anchored call: the callee's INVITE and the caller's 200 carry
# only rtpengine's address (no c=, o=, a=rtcp or a=candidate of the
# other side), RTP the caller sends to the address of its 200 arrives at
# the callee's media address, and after the BYE rtpengine's `list` shows
# no session; (b) rtpengine killed mid-call: the call still ends with
# BYE and 200 on both sides and sbcd counts the failed delete; (c)
# rtpengine down at setup: the caller gets 503, the callee gets nothing;
# (d) a call restored after sbcd is killed with SIGKILL deletes its
# session when it ends.  Speaks TAP.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/t/lib.sh"

SIPP=${SIPP:-$(command -v sipp 2>/dev/null)}
RTPENGINE=${RTPENGINE:-$(command -v rtpengine 2>/dev/null)}
[ -n "$SIPP" ] || skip_all "sipp is not installed"
[ -n "$RTPENGINE" ] || skip_all "rtpengine is not installed"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
command -v timeout >/dev/null 2>&1 || skip_all "timeout(1) is not installed"
[ -x "$SBCD" ] || bail_out "no sbcd at $SBCD: build it first"

plan 17
sc=$top_srcdir/t/sipp/media
port=$(free_port 127.0.0.1 127.0.0.2) || bail_out "no free port"
callee_port=$(free_port 127.0.0.3) || bail_out "no free port"
ng_port=$(free_port 127.0.0.5) || bail_out "no free port"
rtp_a=$(free_port 127.0.0.1) || bail_out "no free port"
rtp_b=$(free_port 127.0.0.3) || bail_out "no free port"
# SIPp's own media sockets (-mp: the port and the next ones), free ports
# rather than fixed ones, so that two runs at once do not collide.
# media_port ADDR PORT...: a free port of ADDR whose next three are none
# of the PORTs taken already.
media_port() {
	_addr=$1
	shift
	_n=0
	while [ "$_n" -lt 20 ]; do
		_p=$(free_port "$_addr") || return 1
		_clash=
		for _t in "$@"; do
			[ "$_t" -ge "$_p" ] && [ "$_t" -le $((_p + 3)) ] && _clash=1
		done
		[ -z "$_clash" ] && { echo "$_p"; return 0; }
		_n=$((_n + 1))
	done
	return 1
}
mp_b=$(media_port 127.0.0.3 "$callee_port" "$rtp_b" "$((rtp_b + 1))") ||
	bail_out "no free port"
mp_a=$(media_port 127.0.0.1 "$rtp_a" "$((rtp_a + 1))") ||
	bail_out "no free port"

cat >"$tmp/rtp.py" <<'PY'
# ng CMD: one ng command to rtpengine, prints the answer.
# send IP PORT: 50 RTP packets to IP:PORT from 127.0.0.1:$RTP_A.
# recv IP PORT SECONDS FILE: counts datagrams, writes the count to FILE;
# it stops at SECONDS, or 2 s after the last datagram once one came.
import os, socket, struct, sys, time
op = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
if op == "ng":
    s.settimeout(1.0)
    # rtpengine answers a known cookie from its cache: a new one each.
    s.sendto(os.urandom(4).hex().encode() + b" " + sys.argv[2].encode(),
             ("127.0.0.5", int(os.environ["NG_PORT"])))
    try:
        print(s.recv(65536)[9:].decode("latin-1"))
    except socket.timeout:
        print("timeout")
elif op == "send":
    s.bind(("127.0.0.1", int(os.environ["RTP_A"])))
    for i in range(50):
        s.sendto(struct.pack("!BBHII", 0x80, 0, i, i * 160, 0x1234) +
                 b"\xff" * 160, (sys.argv[2], int(sys.argv[3])))
        time.sleep(0.02)
elif op == "recv":
    s.bind((sys.argv[2], int(sys.argv[3])))
    deadline = end = time.monotonic() + float(sys.argv[4])
    n = 0
    while time.monotonic() < end:
        s.settimeout(max(0.01, end - time.monotonic()))
        try:
            s.recv(65536)
            n += 1
            end = min(deadline, time.monotonic() + 2.0)
        except socket.timeout:
            pass
    open(sys.argv[5], "w").write("%d\n" % n)
PY
NG_PORT=$ng_port RTP_A=$rtp_a
export NG_PORT RTP_A
ng() { python3 "$tmp/rtp.py" ng "$1"; }

rtpe_pid=
start_rtpe() {
	"$RTPENGINE" --table=-1 --interface=127.0.0.5 \
		--listen-ng=127.0.0.5:"$ng_port" --foreground --log-stderr \
		--port-min=40000 --port-max=40999 --delete-delay=0 -L 6 \
		>>"$tmp/rtpengine.log" 2>&1 &
	rtpe_pid=$!
	_i=0
	while [ "$_i" -lt 50 ]; do
		ng d7:command4:pinge | grep -q pong && return 0
		lib_nap
		_i=$((_i + 1))
	done
	return 1
}
kill_rtpe() {
	[ -n "$rtpe_pid" ] || return 0
	kill -KILL "$rtpe_pid" 2>/dev/null
	wait "$rtpe_pid" 2>/dev/null
	rtpe_pid=
}
trap 'kill_rtpe; lib_cleanup' EXIT

cat >"$tmp/sbc.conf" <<CONF
# Written by t/media.sh.
[general]
database = $tmp/sbc.db
log_level = info
[sip]
t1 = 100
t2 = 400
[media]
timeout = 300
tries = 2
ping_interval = 1
[rtpengine rtpe1]
address = 127.0.0.5
port = $ng_port
[realm external]
media = always
media_flags = ice-remove
[realm internal]
media = always
[listener ext-udp]
realm = external
address = 127.0.0.1
port = $port
[listener int-udp]
realm = internal
address = 127.0.0.2
port = $port
CONF
add_route "$tmp/sbc.db" to-inside external "sip:127.0.0.3:$callee_port" internal

# call NAME HOLD_MS [HOOK]: the media pair; HOOK runs in this shell
# while the call is up.  Sets caller_rc, callee_rc.
call() {
	_d=$tmp/$1
	mkdir -p "$_d"
	timeout 40 "$SIPP" -sf "$sc/media_uas.xml" -i 127.0.0.3 \
		-p "$callee_port" -m 1 -nostdin -timeout 30 -timeout_error \
		-key rtp_port "$rtp_b" -mp "$mp_b" \
		-trace_msg -message_file "$_d/callee.msg" \
		</dev/null >"$_d/callee.out" 2>&1 &
	_callee=$!
	wait_bound 127.0.0.3 "$callee_port"
	timeout 40 "$SIPP" -sf "$sc/media_uac.xml" -i 127.0.0.1 \
		-p "$(free_port 127.0.0.1)" -m 1 -nostdin -timeout 30 \
		-timeout_error -key rtp_port "$rtp_a" \
		-key rtcp_port "$((rtp_a + 1))" -d "$2" -mp "$mp_a" \
		-key rtp_cmd "python3 $tmp/rtp.py send" \
		-trace_msg -message_file "$_d/caller.msg" \
		"127.0.0.1:$port" </dev/null >"$_d/caller.out" 2>&1 &
	_caller=$!
	[ -z "${3:-}" ] || "$3"
	wait "$_caller"
	caller_rc=$?
	wait "$_callee"
	callee_rc=$?
}
both_ok() {
	if [ "$caller_rc" = 0 ] && [ "$callee_rc" = 0 ]; then
		ok "$1"
	else
		not_ok "$1" "caller $caller_rc, callee $callee_rc" \
			"$(tail -n 5 "$tmp/$2/caller.out" "$tmp/$2/callee.out")"
	fi
}
# The SDP lines that carry addresses, of the messages a trace received.
sdp_addrs() {
	grep -E '^(c=|o=|a=rtcp|a=candidate)' "$1" | tr -d '\r' | sort -u
}
no_session() {
	_i=0
	while [ "$_i" -lt 30 ]; do
		ng d7:command4:liste | grep -q '5:callsle' && return 0
		lib_nap
		_i=$((_i + 1))
	done
	return 1
}
stat_of() {
	"$SBCCTL" -s "$tmp/sbc.sock" stats 2>/dev/null | awk -v k="$1" '$1 == k { print $2 }'
}

start_rtpe || bail_out "rtpengine did not start: $(tail -5 "$tmp/rtpengine.log")"
start_sbcd "$tmp/sbc.conf" || bail_out "sbcd did not start"

# (a) An anchored call with RTP.  The receiver waits up to 30 s for
# the first packet: on a loaded machine the call may take a while.
python3 "$tmp/rtp.py" recv 127.0.0.3 "$rtp_b" 30 "$tmp/rtp_b.count" &
rx=$!
call a 5000
wait "$rx"
both_ok "(a) the anchored call ends as scripted on both sides" a
a_in=$(sdp_addrs "$tmp/a/callee.msg")
b_in=$(sdp_addrs "$tmp/a/caller.msg")
check "(a) the callee's SDP names rtpengine" \
	sh -c "echo '$a_in' | grep -q '^c=IN IP4 127.0.0.5'"
check "(a) no media address of the caller reaches the callee" \
	sh -c "! echo '$a_in' | grep -q '127\.0\.0\.1'"
check "(a) the caller's SDP names rtpengine" \
	sh -c "echo '$b_in' | grep -q '^c=IN IP4 127.0.0.5'"
check "(a) no media address of the callee reaches the caller" \
	sh -c "! echo '$b_in' | grep -q '127\.0\.0\.3'"
n=$(cat "$tmp/rtp_b.count" 2>/dev/null || echo 0)
# The first packets may come before rtpengine has the answer.
if [ "${n:-0}" -ge 20 ]; then
	ok "(a) the caller's RTP reaches the callee through rtpengine ($n)"
else
	not_ok "(a) the caller's RTP reaches the callee through rtpengine" \
		"$n packets of 50"
fi
check "(a) rtpengine has no session left after the BYE" no_session
check "(a) sbcd counts one offer, one answer, one delete" \
	sh -c "[ '$(stat_of media.offers)' = 1 ] && [ '$(stat_of media.answers)' = 1 ] && [ '$(stat_of media.deletes)' = 1 ]"

# (b) rtpengine dies mid-call: once the call is answered (the second
# answered call of this sbcd), within the 8 s it is held.
mid_kill() {
	wait_json "$tmp/sbc.sock" stats 2 calls answered ||
		diag "(b) the call was not answered in 10 s"
	kill_rtpe
}
call b 8000 mid_kill
both_ok "(b) rtpengine killed mid-call: the call ends cleanly" b
_i=0
while [ "$(stat_of media.delete_failures)" != 1 ] && [ "$_i" -lt 100 ]; do
	lib_nap
	_i=$((_i + 1))
done
check "(b) sbcd counts the failed delete" \
	sh -c "[ '$(stat_of media.delete_failures)' = 1 ]"

# (c) rtpengine down at setup: 503, and nothing reaches the callee.
mkdir -p "$tmp/c"
python3 "$tmp/rtp.py" recv 127.0.0.3 "$callee_port" 4 "$tmp/c/callee.count" &
rx=$!
sleep 0.3
timeout 20 "$SIPP" -sf "$sc/refused_uac.xml" -i 127.0.0.1 \
	-p "$(free_port 127.0.0.1)" -m 1 -nostdin -timeout 15 -timeout_error \
	-trace_msg -message_file "$tmp/c/caller.msg" \
	"127.0.0.1:$port" </dev/null >"$tmp/c/caller.out" 2>&1
c_rc=$?
wait "$rx"
check "(c) rtpengine down: the caller gets 503" [ "$c_rc" = 0 ]
check "(c) rtpengine down: the callee gets nothing" \
	[ "$(cat "$tmp/c/callee.count")" = 0 ]
check "(c) sbcd counts the refused call" \
	sh -c "[ '$(stat_of media.refused)' = 1 ]"

# (d) A call restored after SIGKILL deletes its session when it ends.
start_rtpe || bail_out "rtpengine did not restart"
# Wait for the health check to see it up again.
_i=0
while ! "$SBCCTL" -s "$tmp/sbc.sock" stats 2>/dev/null |
	grep -q 'media.rtpengines.0.up true' && [ "$_i" -lt 50 ]; do
	lib_nap
	_i=$((_i + 1))
done
# Killed once the answered call is in the store (bounded: 10 s).
stored_dialogs() {
	python3 - "$tmp/sbc.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=5)
print(c.execute("SELECT count(*) FROM dialogs").fetchone()[0])
PY
}
restart_sbcd() {
	_i=0
	while [ "$(stored_dialogs)" != 1 ] && [ "$_i" -lt 100 ]; do
		lib_nap
		_i=$((_i + 1))
	done
	kill -KILL "$sbcd_pid"
	wait "$sbcd_pid" 2>/dev/null
	mv "$tmp/sbcd.log" "$tmp/sbcd1.log"
	start_sbcd "$tmp/sbc.conf" || diag "sbcd did not restart"
}
call d 6000 restart_sbcd
both_ok "(d) the call survives the restart of sbcd" d
check "(d) the restored call shows its rtpengine, then deletes" no_session
check "(d) sbcd restored one anchored call" \
	sh -c "grep -q 'restored 1 calls' '$tmp/sbcd.log'"
check "sbcd stops cleanly" stop_sbcd
finish
