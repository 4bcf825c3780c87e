#!/bin/sh
# The status socket of sbcd (sbcd(8), STATUS SOCKET) and the sbcctl
# commands that use it: the socket is created with its configured mode
# whatever the umask; status, stats, calls and reload answer; the
# message counters count known OPTIONS requests and their 200s; binary
# garbage, an overlong line, clients that leave mid-line or without
# reading, and too many clients at once leave sbcd answering; unknown
# commands get ok:false; a second sbcd on the same socket refuses to
# start and leaves the first one's socket alone; the socket goes away at
# shutdown, a stale one is replaced, and sbcctl without a daemon exits
# 2.  With SIPp, calls placed after a reload that brought their route
# are counted, and a long call is listed by `sbcctl calls` while it is
# up.  Speaks TAP.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/t/lib.sh"

SIPP=${SIPP:-$(command -v sipp 2>/dev/null)}
[ -x "$SBCD" ] || bail_out "no sbcd at $SBCD: build it first"
[ -x "$SBCCTL" ] || bail_out "no sbcctl at $SBCCTL: build it first"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"

port=$(free_port 127.0.0.1 127.0.0.2) || bail_out "no free port"
port2=$(free_port 127.0.0.1) || bail_out "no free port"
callee_port=$(free_port 127.0.0.3) || bail_out "no free port"
sock=$tmp/run/sbc.sock
N=5

# write_conf FILE PORT DB [EXTRA LINE]: a config with the status socket.
write_conf() {
	cat >"$1" <<CONF
# Written by t/status.sh.
[general]
database = $3
status_socket = $sock
log_level = debug
${4:-}
[sip]
t1 = 100
t2 = 400
t4 = 500
[listener ext-udp]
realm = external
address = 127.0.0.1
port = $2
[listener int-udp]
realm = internal
address = 127.0.0.2
port = $2
CONF
}
write_conf "$tmp/sbc.conf" "$port" "$tmp/sbc.db"

# ask LINE...: sends raw lines to the socket and prints the answers.
ask() {
	python3 - "$sock" "$@" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
for line in sys.argv[2:]:
    s.sendall(line.encode() + b"\n")
    data = b""
    while not data.endswith(b"\n"):
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    sys.stdout.write(data.decode())
PY
}

# json_get PATH: a member of the JSON object on stdin ("a.b.c"), or
# "missing".
json_get() {
	python3 -c '
import json, sys
v = json.loads(sys.stdin.read())
for k in sys.argv[1].split("."):
    if isinstance(v, list):
        k = int(k)
    elif not isinstance(v, dict) or k not in v:
        print("missing"); sys.exit(0)
    v = v[k]
print(json.dumps(v) if not isinstance(v, str) else v)
' "$1"
}


umask 022
start_sbcd "$tmp/sbc.conf" || {
	not_ok "sbcd starts with a status socket"
	bail_out "sbcd did not start"
}
ok "sbcd starts with a status socket"

m=$(stat -c %a "$sock" 2>&1)
check "the socket has mode 600 under umask 022 (got $m)" test "$m" = 600
test -S "$sock"
check "it is a socket" test $? -eq 0

# sbcctl status, by -s and by the config file.
out=$("$SBCCTL" -s "$sock" status 2>&1)
rc=$?
check "sbcctl -s SOCK status exits 0 (got $rc)" test "$rc" -eq 0
version=$("$SBCCTL" -V | awk '{ print $2 }')
printf '%s\n' "$out" | grep -qx "version $version" &&
	printf '%s\n' "$out" | grep -qx "pid $sbcd_pid" &&
	printf '%s\n' "$out" | grep -Eqx 'uptime_s [0-9]+' &&
	printf '%s\n' "$out" | grep -Eqx 'started [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z' ||
	diag "$out"
check "status shows version $version, the pid, uptime and start" test $? -eq 0
j=$("$SBCCTL" -c "$tmp/sbc.conf" status --json 2>&1)
check "sbcctl -c CONF status --json finds the socket in the config" \
	test "$(printf '%s' "$j" | json_get pid)" = "$sbcd_pid"
check "the answer says ok:true" \
	test "$(printf '%s' "$j" | json_get ok)" = true

# Known traffic: N OPTIONS, each answered 200.
before=$("$SBCCTL" -s "$sock" --json stats)
got=0
i=0
while [ $i -lt $N ]; do
	i=$((i + 1))
	sip_udp 127.0.0.1 "$port" <<EOF | head -n 1 | grep -q '^SIP/2.0 200 ' && got=$((got + 1))
OPTIONS sip:127.0.0.1:$port SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:@LOCAL_PORT@;branch=z9hG4bKst$i;rport
From: <sip:probe@127.0.0.1>;tag=st$i
To: <sip:127.0.0.1:$port>
Call-ID: status-$i@test
CSeq: $i OPTIONS
Max-Forwards: 70
Content-Length: 0

EOF
done
check "sbcd answered the $N OPTIONS with 200 (got $got)" test "$got" -eq $N
after=$("$SBCCTL" -s "$sock" --json stats)
a=$(printf '%s' "$before" | json_get messages.in.requests.OPTIONS)
b=$(printf '%s' "$after" | json_get messages.in.requests.OPTIONS)
check "stats: messages in OPTIONS went from 0 to $N (got $a, $b)" \
	test "$a" = 0 -a "$b" = $N
b=$(printf '%s' "$after" | json_get messages.out.responses.200)
check "stats: messages out 200 is $N (got $b)" test "$b" = $N
b=$(printf '%s' "$after" | json_get transport.messages_in.udp)
check "stats: the transport saw at least $N datagrams (got $b)" \
	test "$b" -ge $N
for k in transactions.created calls.active calls.failures.rejected \
	dns store.queued store.max_batch_us store.max_push_us \
	loop.max_stall_cpu_us loop.stalls_over_1ms; do
	v=$(printf '%s' "$after" | json_get $k)
	[ "$v" != missing ] || break
done
check "stats has transactions, calls, failures, dns and store ($k: $v)" \
	test "$v" != missing
out=$("$SBCCTL" -s "$sock" stats)
printf '%s\n' "$out" | grep -qx "messages.in.requests.OPTIONS $N"
check "sbcctl stats prints 'messages.in.requests.OPTIONS $N'" test $? -eq 0

# The protocol itself.
r=$(ask bogus)
check "an unknown command gets ok:false (got $r)" \
	test "$(printf '%s' "$r" | json_get error)" = "unknown command 'bogus'" \
	-a "$(printf '%s' "$r" | json_get ok)" = false
r=$(ask help | json_get commands.calls)
check "help lists the commands" test "$r" != missing
n=$(python3 - "$sock" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(b"status\r\n\r\nstats\n")
data = b""
while data.count(b"\n") < 2:
    data += s.recv(65536)
print(data.count(b"\n"))
PY
)
check "CRLF and LF lines each get one answer, empty lines none (got $n)" \
	test "$n" = 2

# Garbage: every client below misbehaves in its own way.
python3 - "$sock" >"$tmp/garbage.out" 2>&1 <<'PY'
import socket, sys, time
path = sys.argv[1]

def conn():
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    s.settimeout(5)
    return s

def answer(s):
    data = b""
    try:
        while not data.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                return data + b"<eof>"
            data += chunk
    except (ConnectionResetError, socket.timeout) as e:
        return data + ("<%s>" % type(e).__name__).encode()
    return data

def closed(s):
    try:
        return s.recv(100) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False

s = conn()
s.sendall(b"\x00\xff\xfe\x01\x80garbage\n")
print("binary", answer(s).decode(errors="replace").strip())
s.sendall(b"status\n")
print("after-binary", b'"ok":true' in answer(s))
s.close()

s = conn()
s.sendall(b"A" * 5000)
print("long", answer(s).decode().strip())
print("long-closed", closed(s))
s.close()

s = conn()
s.sendall(b"sta")
s.close()

s = conn()
s.sendall(b"stats\n" * 200)
s.close()

s = conn()
s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" * 50)
s.close()

many = [conn() for _ in range(24)]
time.sleep(0.3)
refused = 0
for c in many[16:]:
    if b"too many clients" in answer(c):
        refused += 1
print("refused", refused)
ok = many[0]
ok.sendall(b"status\n")
print("first-still-served", b'"ok":true' in answer(ok))
for c in many:
    c.close()
PY
diag "$(cat "$tmp/garbage.out")"
grep -qx 'binary {"ok":false,"error":"binary data in the command"}' \
	"$tmp/garbage.out"
check "binary bytes get an error answer" test $? -eq 0
grep -qx 'after-binary True' "$tmp/garbage.out"
check "the same client is served after the garbage" test $? -eq 0
grep -qx 'long {"ok":false,"error":"command line too long"}' \
	"$tmp/garbage.out" && grep -qx 'long-closed True' "$tmp/garbage.out"
check "an overlong line gets an error answer and the connection closes" \
	test $? -eq 0
grep -qx 'refused 8' "$tmp/garbage.out" &&
	grep -qx 'first-still-served True' "$tmp/garbage.out"
check "clients past 16 are told and closed; the others are served" \
	test $? -eq 0
kill -0 "$sbcd_pid" 2>/dev/null
check "sbcd is still running after the garbage" test $? -eq 0
"$SBCCTL" -s "$sock" status >/dev/null 2>&1
check "and sbcctl status still works" test $? -eq 0
r=$(sip_udp 127.0.0.1 "$port" <<EOF | head -n 1
OPTIONS sip:127.0.0.1:$port SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:@LOCAL_PORT@;branch=z9hG4bKafter;rport
From: <sip:probe@127.0.0.1>;tag=after
To: <sip:127.0.0.1:$port>
Call-ID: status-after@test
CSeq: 1 OPTIONS
Max-Forwards: 70
Content-Length: 0

EOF
)
check "and SIP is still answered ($r)" test "${r#SIP/2.0 200 }" != "$r"

# A second sbcd on the same socket.
write_conf "$tmp/sbc2.conf" "$port2" "$tmp/sbc2.db"
"$SBCD" -f -c "$tmp/sbc2.conf" >"$tmp/sbcd2.log" 2>&1
rc=$?
check "a second sbcd on the same socket exits 1 (got $rc)" test "$rc" -eq 1
grep -q "another sbcd answers on this socket" "$tmp/sbcd2.log" ||
	diag "$(cat "$tmp/sbcd2.log")"
check "and says that another sbcd answers there" test $? -eq 0
"$SBCCTL" -s "$sock" status >/dev/null 2>&1
check "the first sbcd's socket still answers" test $? -eq 0

# Calls, when SIPp is here: the route comes by reload.
if [ -n "$SIPP" ] && command -v timeout >/dev/null 2>&1; then
	b2b=$top_srcdir/t/sipp/b2b
	add_route "$tmp/sbc.db" to-inside external \
		"sip:127.0.0.3:$callee_port" internal
	out=$("$SBCCTL" -s "$sock" reload 2>&1)
	rc=$?
	check "sbcctl reload exits 0 and says so (got $rc: $out)" \
		test "$rc" -eq 0 -a "$out" = reloaded
	# run_calls UAC N: N calls from 127.0.0.1 to the SIPp callee.
	run_calls() {
		timeout 40 "$SIPP" -sf "$b2b/basic_uas.xml" -i 127.0.0.3 \
			-p "$callee_port" -m "$2" -nostdin -timeout 30 \
			-timeout_error </dev/null >"$tmp/callee.out" 2>&1 &
		callee=$!
		sleep 0.5
		timeout 40 "$SIPP" -sf "$1" -i 127.0.0.1 \
			-p "$(free_port 127.0.0.1)" -m "$2" -r 10 \
			-s 1001 -nostdin -timeout 20 -timeout_error \
			-trace_err -error_file "$tmp/caller.err" \
			"127.0.0.1:$port" </dev/null >"$tmp/caller.out" 2>&1
		caller_rc=$?
		wait "$callee"
		callee_rc=$?
	}
	run_calls "$b2b/basic_uac.xml" 3
	[ "$caller_rc" -eq 0 ] ||
		diag "$(tail -n 20 "$tmp/caller.err" 2>/dev/null)"
	check "3 SIPp calls through sbcd pass ($caller_rc/$callee_rc)" \
		test "$caller_rc" -eq 0 -a "$callee_rc" -eq 0
	st=$("$SBCCTL" -s "$sock" --json stats)
	t=$(printf '%s' "$st" | json_get calls.total)
	a=$(printf '%s' "$st" | json_get calls.answered)
	check "stats: calls total 3, answered 3 (got $t, $a)" \
		test "$t" = 3 -a "$a" = 3
	v=$(printf '%s' "$st" | json_get messages.in.requests.INVITE)
	w=$(printf '%s' "$st" | json_get messages.out.requests.INVITE)
	check "stats: 3 INVITEs in and 3 out (got $v, $w)" \
		test "$v" = 3 -a "$w" = 3

	# A long call: the 200 ms pause before the BYE becomes 6 s.
	sed 's/<pause milliseconds="200"\/>/<pause milliseconds="6000"\/>/' \
		"$b2b/basic_uac.xml" >"$tmp/long_uac.xml"
	run_calls "$tmp/long_uac.xml" 1 &
	runner=$!
	i=0
	listed=
	while [ $i -lt 50 ]; do
		"$SBCCTL" -s "$sock" calls >"$tmp/calls.out" 2>&1
		if grep -q ' up ' "$tmp/calls.out"; then
			listed=1
			break
		fi
		lib_nap
		i=$((i + 1))
	done
	diag "$(cat "$tmp/calls.out")"
	check "sbcctl calls lists the long call as up" test -n "$listed"
	head -n 1 "$tmp/calls.out" |
		grep -Eq '^ID +STATE +CALLER +CALLEE +ROUTE +TRUNK +MEDIA +AGE$' &&
		grep -Eq ' up +.*sip:alice@a\.example.* +.*sip:1001@b\.example.* +to-inside +to-inside +- +[0-9]+:[0-9]{2}:[0-9]{2}$' \
			"$tmp/calls.out"
	check "with its caller, callee, route and media in aligned columns" test $? -eq 0
	j=$("$SBCCTL" -s "$sock" calls --json)
	c=$(printf '%s' "$j" | json_get calls.0.caller)
	check "calls --json has count 1 and the caller ($c)" \
		test "$(printf '%s' "$j" | json_get count)" = 1 -a \
		"${c#*sip:alice@a.example}" != "$c"
	wait "$runner"
	i=0
	while [ $i -lt 30 ]; do
		out=$("$SBCCTL" -s "$sock" calls 2>&1)
		[ "$out" = "no live calls" ] && break
		lib_nap
		i=$((i + 1))
	done
	check "after the BYE no call is listed (got $out)" \
		test "$out" = "no live calls"
else
	for d in reload "3 calls" "calls counted" "INVITEs counted" \
		"long call listed" "columns" "calls --json" "no call after"; do
		skip "$d" "no sipp or timeout(1)"
	done
fi

# Shutdown: the socket goes; sbcctl then says sbcd is not running.
stop_sbcd
check "sbcd stops on SIGTERM with exit status 0" test $? -eq 0
test -e "$sock"
check "the socket is removed at shutdown" test $? -ne 0
"$SBCCTL" -s "$sock" status >/dev/null 2>"$tmp/ctl.err"
rc=$?
check "sbcctl without sbcd exits 2 (got $rc)" test "$rc" -eq 2
grep -q "cannot connect to $sock: is sbcd running?" "$tmp/ctl.err" ||
	diag "$(cat "$tmp/ctl.err")"
check "and says 'cannot connect to $sock: is sbcd running?'" test $? -eq 0

# A stale socket (bound, nobody listening), mode 0660, umask 077.
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' \
	"$sock"
write_conf "$tmp/sbc.conf" "$port" "$tmp/sbc.db" "status_socket_mode = 0660"
mv "$sbcd_log" "$tmp/sbcd1.log"
umask 077
start_sbcd "$tmp/sbc.conf"
check "sbcd starts over a stale socket file" test $? -eq 0
grep -q "removed the stale socket $sock" "$sbcd_log"
check "and says it removed the stale socket" test $? -eq 0
m=$(stat -c %a "$sock" 2>&1)
check "status_socket_mode 0660 holds under umask 077 (got $m)" test "$m" = 660
stop_sbcd
check "sbcd stops again with exit status 0" test $? -eq 0
! grep -q 'Sanitizer' "$tmp/sbcd1.log" "$sbcd_log"
check "no sanitizer report in the logs" test $? -eq 0

finish
