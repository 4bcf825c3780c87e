# lib.sh: shared helpers for the shell tests under t/.  Source it:
#
#	. "${top_srcdir:-$(dirname "$0")/..}/t/lib.sh"
#
# It sets top_srcdir, top_builddir and SIPP (make check exports them),
# makes a fresh directory $tmp that is removed at exit (kept when
# SBC_TEST_KEEP is set), and provides:
#
#   TAP        plan N, ok DESC, not_ok DESC [DIAG...], skip DESC REASON,
#              check DESC CMD..., diag MSG..., skip_all REASON,
#              bail_out MSG, finish
#   ports      free_port [ADDR...]
#   sbcd       start_sbcd CONFIG [ARGS...], stop_sbcd, sbcd_log_has RE,
#              wait_for_log RE [SECONDS], sbcd_json SOCK WHAT KEY...,
#              wait_json SOCK WHAT MIN KEY...
#   SIP        sip_udp ADDR PORT [SECONDS] (a message on stdin)
#   routing    add_route DB NAME FROM_REALM URI REALM [ROUTE ARGS...]
#   SIPp       wait_bound ADDR PORT (a UDP socket is bound there)
#
# Every wait is bounded; nothing here can hang a test run.  Only
# 127.0.0.0/8 is used.

set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
SIPP=${SIPP-}
SBCD=${SBCD:-$top_builddir/src/sbcd/sbcd}
SBCCTL=${SBCCTL:-$top_builddir/src/sbcctl/sbcctl}

tap_n=0
tap_failed=0
sbcd_pid=
sbcd_log=

# TAP (the Test Anything Protocol, as automake's tap-driver.sh reads it).

tap_planned=

plan() {
	tap_planned=1
	echo "1..$1"
}

diag() {
	printf '%s\n' "$@" | sed 's/^/# /'
}

ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1"
}

# not_ok DESC [DIAG...]: a failure, with diagnostic lines after it.
not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $1"
	shift
	[ $# -eq 0 ] || diag "$@"
}

skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1 # SKIP $2"
}

# check DESC CMD...: ok when the command succeeds.
check() {
	_desc=$1
	shift
	if "$@"; then
		ok "$_desc"
	else
		not_ok "$_desc" "command failed: $*"
	fi
}

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

bail_out() {
	echo "Bail out! $*"
	exit 1
}

# finish: the last line of a test; the driver counts the results.  A
# test that did not call plan gets its plan here, at the end.
finish() {
	[ -n "$tap_planned" ] || echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ] || diag "$tap_failed of $tap_n failed"
	exit 0
}

# Temporary directory and cleanup.

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sbc-test.XXXXXX") ||
	bail_out "cannot make a temporary directory"

unbound_pid=

lib_cleanup() {
	if [ -n "$unbound_pid" ]; then
		kill -TERM "$unbound_pid" 2>/dev/null
		_i=0
		while kill -0 "$unbound_pid" 2>/dev/null && [ $_i -lt 50 ]; do
			lib_nap
			_i=$((_i + 1))
		done
		kill -KILL "$unbound_pid" 2>/dev/null
		wait "$unbound_pid" 2>/dev/null
		unbound_pid=
	fi
	if [ -n "$sbcd_pid" ] && kill -0 "$sbcd_pid" 2>/dev/null; then
		kill -KILL "$sbcd_pid" 2>/dev/null
		wait "$sbcd_pid" 2>/dev/null
	fi
	if [ -n "${SBC_TEST_KEEP:-}" ]; then
		echo "# kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}
trap lib_cleanup EXIT
trap 'exit 1' HUP INT TERM

# sleep with a fraction where sleep(1) takes one (GNU, busybox).
lib_nap() {
	sleep 0.1 2>/dev/null || sleep 1
}

# free_port [ADDR...]: a port that is free for UDP and TCP on every
# address given (default 127.0.0.1) at the time of the call.
free_port() {
	if command -v python3 >/dev/null 2>&1; then
		python3 - "$@" <<'EOF'
import socket, sys
addrs = sys.argv[1:] or ["127.0.0.1"]
for _ in range(50):
    socks = []
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        socks.append(s)
        s.bind((addrs[0], 0))
        port = s.getsockname()[1]
        for a in addrs:
            for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                if a == addrs[0] and kind == socket.SOCK_DGRAM:
                    continue
                t = socket.socket(socket.AF_INET, kind)
                socks.append(t)
                t.bind((a, port))
    except OSError:
        continue
    finally:
        for s in socks:
            s.close()
    print(port)
    sys.exit(0)
sys.exit(1)
EOF
	else
		# Without python, a pseudo-random port: a clash shows up as a
		# bind error when sbcd starts.
		awk -v seed="$$" 'BEGIN { srand(seed); print 20000 + int(rand() * 40000) }'
	fi
}

# unbound_path: the unbound binary, or nothing.
unbound_path() {
	command -v unbound 2>/dev/null ||
		{ [ -x /usr/sbin/unbound ] && echo /usr/sbin/unbound; }
}

# start_unbound PORT ZONE: runs unbound on 127.0.0.1:PORT in the
# foreground of a background job, serving the local-zone and local-data
# lines of stdin for ZONE, and waits (at most 10 s) until it serves.
# Sets unbound_pid; lib_cleanup stops it.
start_unbound() {
	{
		cat <<CONF
server:
  interface: 127.0.0.1
  port: $1
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "$tmp"
  pidfile: ""
  use-syslog: no
  logfile: ""
  verbosity: 1
  do-ip6: no
  access-control: 127.0.0.0/8 allow
  module-config: "iterator"
  local-zone: "$2" static
CONF
		sed 's/^/  /'
		printf 'remote-control:\n  control-enable: no\n'
	} >"$tmp/unbound.conf"
	"$(unbound_path)" -d -c "$tmp/unbound.conf" >"$tmp/unbound.log" 2>&1 &
	unbound_pid=$!
	_i=0
	until grep -q 'start of service' "$tmp/unbound.log" 2>/dev/null; do
		if ! kill -0 "$unbound_pid" 2>/dev/null || [ $_i -ge 100 ]; then
			diag "unbound did not start; its log:" \
				"$(cat "$tmp/unbound.log")"
			return 1
		fi
		lib_nap
		_i=$((_i + 1))
	done
}

# wait_for_log RE [SECONDS]: waits until the sbcd log matches the
# extended regular expression; fails at the deadline or when sbcd died.
wait_for_log() {
	_i=0
	_max=$(( ${2:-10} * 10 ))
	while [ "$_i" -lt "$_max" ]; do
		grep -Eq -- "$1" "$sbcd_log" 2>/dev/null && return 0
		kill -0 "$sbcd_pid" 2>/dev/null || {
			grep -Eq -- "$1" "$sbcd_log" 2>/dev/null && return 0
			return 1
		}
		lib_nap
		_i=$((_i + 1))
	done
	return 1
}

sbcd_log_has() {
	grep -Eq -- "$1" "$sbcd_log"
}

# sbcd_json SOCK WHAT KEY...: one member of `sbcctl --json WHAT` (status
# or stats) asked on the status socket SOCK, by its path of keys;
# nothing when sbcd does not answer.
sbcd_json() {
	_sock=$1 _what=$2
	shift 2
	"$SBCCTL" -s "$_sock" --json "$_what" 2>/dev/null | python3 -c '
import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1:]:
    v = v[k]
print(v)' "$@" 2>/dev/null
}

# wait_json SOCK WHAT MIN KEY...: waits (at most 10 s) until that member
# is at least MIN; fails at the deadline.  A question sbcd leaves
# unanswered counts as not yet.
wait_json() {
	_sock=$1 _what=$2 _min=$3
	shift 3
	_i=0
	while [ "$_i" -lt 100 ]; do
		_v=$(sbcd_json "$_sock" "$_what" "$@")
		[ "${_v:-0}" -ge "$_min" ] && return 0
		lib_nap
		_i=$((_i + 1))
	done
	return 1
}

# start_sbcd CONFIG [ARGS...]: runs sbcd in the foreground of a background
# job, logging to $tmp/sbcd.log, and waits until it is ready (at most 10
# seconds).  Sets sbcd_pid and sbcd_log.
start_sbcd() {
	_conf=$1
	shift
	sbcd_log=$tmp/sbcd.log
	"$SBCD" -f -c "$_conf" "$@" >"$sbcd_log" 2>&1 &
	sbcd_pid=$!
	if wait_for_log ' ready: ' 10; then
		return 0
	fi
	diag "sbcd did not start; its log:"
	diag "$(cat "$sbcd_log")"
	return 1
}

# stop_sbcd: SIGTERM, then waits at most 10 seconds for the exit; succeeds
# when the exit status is 0.  Sets sbcd_status.
stop_sbcd() {
	sbcd_status=
	[ -n "$sbcd_pid" ] || return 1
	kill -TERM "$sbcd_pid" 2>/dev/null
	_i=0
	while kill -0 "$sbcd_pid" 2>/dev/null && [ "$_i" -lt 100 ]; do
		lib_nap
		_i=$((_i + 1))
	done
	if kill -0 "$sbcd_pid" 2>/dev/null; then
		diag "sbcd still running 10 s after SIGTERM; killing it"
		kill -KILL "$sbcd_pid" 2>/dev/null
	fi
	wait "$sbcd_pid"
	sbcd_status=$?
	sbcd_pid=
	if [ "$sbcd_status" -ne 0 ]; then
		diag "sbcd exited with status $sbcd_status; its log:"
		diag "$(tail -n 40 "$sbcd_log")"
		return 1
	fi
	return 0
}

# wait_bound ADDR PORT: waits (at most 5 s) until a UDP socket is bound
# to ADDR:PORT, as the callee SIPp's is once it is ready; it reads
# /proc/net/udp, which binding nothing itself cannot race with SIPp.
wait_bound() {
	python3 - "$1" "$2" <<'PY'
import socket, sys, time
addr = socket.inet_aton(sys.argv[1])
if sys.byteorder == "little":
    addr = addr[::-1]
want = "%s:%04X" % (addr.hex().upper(), int(sys.argv[2]))
end = time.monotonic() + 5
while time.monotonic() < end:
    try:
        with open("/proc/net/udp") as f:
            if any(line.split()[1] == want for line in list(f)[1:]):
                sys.exit(0)
    except OSError:
        time.sleep(0.3)
        sys.exit(0)
    time.sleep(0.02)
sys.exit(1)
PY
}

# add_route DB NAME FROM_REALM URI REALM [ROUTE ARGS...]: through
# sbcctl, a trunk NAME in REALM at URI and a route NAME from FROM_REALM
# to it (further arguments go to `sbcctl route add`).  Bails out on
# failure: nothing after it could pass.
add_route() {
	_db=$1 _name=$2 _from=$3 _uri=$4 _realm=$5
	shift 5
	"$SBCCTL" -d "$_db" trunk add "$_name" --realm "$_realm" \
		--uri "$_uri" >"$tmp/add_route.out" 2>&1 &&
		"$SBCCTL" -d "$_db" route add "$_name" --from-realm "$_from" \
			--to "$_name" "$@" >>"$tmp/add_route.out" 2>&1 ||
		bail_out "add_route $_name: $(cat "$tmp/add_route.out")"
}

# sip_udp ADDR PORT [SECONDS]: sends the SIP message read from stdin to
# ADDR:PORT over UDP from a fresh socket on 127.0.0.1 and prints the
# first datagram that comes back, with CRLF turned into LF.  Line ends of
# the input become CRLF; @LOCAL_PORT@ is replaced by the socket's port.
# Fails (status 1, prints nothing) when nothing comes back in time
# (default 2 seconds); status 2 without python3.
sip_udp() {
	command -v python3 >/dev/null 2>&1 || return 2
	python3 -c '
import socket, sys
addr, port = sys.argv[1], int(sys.argv[2])
wait = float(sys.argv[3]) if len(sys.argv) > 3 else 2.0
text = sys.stdin.read().replace("\r\n", "\n").replace("\n", "\r\n")
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
text = text.replace("@LOCAL_PORT@", str(s.getsockname()[1]))
s.settimeout(wait)
s.sendto(text.encode("latin-1"), (addr, port))
try:
    data, _ = s.recvfrom(65535)
except socket.timeout:
    sys.exit(1)
sys.stdout.write(data.decode("latin-1").replace("\r\n", "\n"))
' "$@"
}
