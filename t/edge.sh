#!/bin/sh
# Access control and limits at the edge (issue 7): ACL allow and deny
# per realm with reject and drop, the per-source rate limit and its ban,
# trunk max_calls (503 with Retry-After while a long call holds the
# slot) and max_cps, message size, header count and Request-URI length,
# Max-Forwards in and out of dialogs; the refusal counters of the status
# socket; and after the hostile phase a normal call still completes and
# sbcd's memory has not grown.  SIPp places the calls, t/edge_probe.py
# sends the hostile requests from distinct loopback addresses:
#
#   127.0.0.1  allowed (external ACL 127.0.0.0/29 allow), the caller
#   127.0.0.4  denied  (127.0.0.4/32 deny, more specific)
#   127.0.0.6  allowed, bursts past the rate limit
#   127.0.0.9  unknown: 403 in realm external, no answer in realm partner
#   127.0.0.5  allowed in realm partner
#   127.0.0.3  the callee, a trunk of realm internal
#
# Speaks TAP.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/t/lib.sh"

SIPP=${SIPP:-$(command -v sipp 2>/dev/null)}
[ -n "$SIPP" ] || skip_all "sipp is not installed"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
command -v timeout >/dev/null 2>&1 || skip_all "timeout(1) is not installed"
[ -x "$SBCD" ] || bail_out "no sbcd at $SBCD: build it first"

b2b=$top_srcdir/t/sipp/b2b
probe="python3 $top_srcdir/t/edge_probe.py"
port=$(free_port 127.0.0.1 127.0.0.2) || bail_out "no free port"
pport=$(free_port 127.0.0.1) || bail_out "no free port"
callee_port=$(free_port 127.0.0.3) || bail_out "no free port"
dead_port=$callee_port
while [ "$dead_port" = "$callee_port" ]; do
	dead_port=$(free_port 127.0.0.3) || bail_out "no free port"
done
sock=$tmp/sbc.sock

cat >"$tmp/sbc.conf" <<CONF
# Written by t/edge.sh.
[general]
database = $tmp/sbc.db
status_socket = $sock
log_level = info
[sip]
t1 = 100
t2 = 400
[limits]
source_rate = 40
source_burst = 40
ban_time = 8
ban_action = drop
max_sources = 1000
max_message_size = 3000
max_headers = 40
max_uri_length = 300
limit_retry_after = 7
[listener ext-udp]
realm = external
address = 127.0.0.1
port = $port
[listener partner-udp]
realm = partner
address = 127.0.0.1
port = $pport
[listener int-udp]
realm = internal
address = 127.0.0.2
port = $port
[realm partner]
unknown_source = drop
CONF
db=$tmp/sbc.db
ctl() {
	"$SBCCTL" -d "$db" "$@" >>"$tmp/sbcctl.out" 2>&1 ||
		bail_out "sbcctl $*: $(tail -n 3 "$tmp/sbcctl.out")"
}
ctl trunk add pbx --realm internal --uri "sip:127.0.0.3:$callee_port" \
	--max-calls 1
ctl trunk add slow --realm internal --uri "sip:127.0.0.3:$dead_port" \
	--max-cps 1
ctl route add cps --from-realm external --user-prefix 77 --to slow \
	--priority 10
ctl route add to-pbx --from-realm external --to pbx
ctl route add partner --from-realm partner --to pbx
ctl acl add external 127.0.0.0/29 allow
ctl acl add external 127.0.0.4 deny
ctl acl add partner 127.0.0.5 allow

start_sbcd "$tmp/sbc.conf" || bail_out "sbcd did not start"

# stat KEY: a member of the "refused" object of stats.
stat() {
	sbcd_json "$sock" stats refused "$1"
}

rss() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$sbcd_pid/status"
}

# call NAME: one basic SIPp call from 127.0.0.1 through sbcd.
call() {
	_d=$tmp/$1
	mkdir -p "$_d"
	timeout 30 "$SIPP" -sf "$b2b/basic_uas.xml" -i 127.0.0.3 \
		-p "$callee_port" -m 1 -nostdin -timeout 20 \
		</dev/null >"$_d/callee.out" 2>&1 &
	_callee=$!
	wait_bound 127.0.0.3 "$callee_port"
	timeout 30 "$SIPP" -sf "$b2b/basic_uac.xml" -i 127.0.0.1 \
		-p "$(free_port 127.0.0.1)" -m 1 -s 1001 -nostdin -timeout 20 \
		-timeout_error -max_retrans 10 "127.0.0.1:$port" \
		</dev/null >"$_d/caller.out" 2>&1
	_rc=$?
	wait "$_callee"
	return $_rc
}

# expect DESC WANT PROBE-ARGS...: the status edge_probe.py prints.
expect() {
	_desc=$1 _want=$2
	shift 2
	_got=$($probe "$@" | head -n 1)
	if [ "$_got" = "$_want" ]; then
		ok "$_desc"
	else
		not_ok "$_desc" "expected $_want, got $_got"
	fi
}

# Warm-up: a normal call, then the memory it settles at.
check "a normal call completes before the hostile phase" call warm1
call warm2 >/dev/null 2>&1
rss0=$(rss)

# ACL: allowed, denied (the more specific deny wins), unknown.
if timeout 10 "$SIPP" -sf "$top_srcdir/t/sipp/options.xml" -m 1 \
	-i 127.0.0.1 -p "$(free_port 127.0.0.1)" -nostdin -timeout 5 \
	-timeout_error "127.0.0.1:$port" </dev/null >"$tmp/opt.out" 2>&1; then
	ok "acl: SIPp from an allowed source gets its 200"
else
	not_ok "acl: SIPp from an allowed source gets its 200" \
		"$(tail -n 5 "$tmp/opt.out")"
fi
expect "acl: a deny entry more specific than an allow gets 403" 403 \
	req 127.0.0.4 127.0.0.1 "$port" OPTIONS
expect "acl: an INVITE from a denied source gets 403" 403 \
	req 127.0.0.4 127.0.0.1 "$port" INVITE
expect "acl: an unknown source in a realm with entries gets 403" 403 \
	req 127.0.0.9 127.0.0.1 "$port" OPTIONS
expect "acl: an unknown source of realm partner gets no answer" none \
	req 127.0.0.9 127.0.0.1 "$pport" OPTIONS wait=1
expect "acl: an allowed source of realm partner gets 200" 200 \
	req 127.0.0.5 127.0.0.1 "$pport" OPTIONS
check "acl: acl_deny counts the denied requests" \
	[ "$(stat acl_deny)" -eq 2 ]
check "acl: acl_unknown counts the unknown ones" \
	[ "$(stat acl_unknown)" -eq 2 ]

# Message limits (RFC 3261 21.5.11, 21.4.12), and Max-Forwards (16.3).
expect "limits: a request over max_message_size gets 513" 513 \
	req 127.0.0.1 127.0.0.1 "$port" OPTIONS size=4000
expect "limits: more header lines than max_headers get 400" 400 \
	req 127.0.0.1 127.0.0.1 "$port" OPTIONS headers=60
expect "limits: a Request-URI over max_uri_length gets 414" 414 \
	req 127.0.0.1 127.0.0.1 "$port" OPTIONS urilen=400
# The parser stops before the Via at SIP_MSG_MAX_HDRS lines: no answer.
expect "limits: more lines than the parser keeps are dropped" none \
	req 127.0.0.1 127.0.0.1 "$port" OPTIONS headers=200 wait=0.5
expect "limits: a request just under every limit passes" 200 \
	req 127.0.0.1 127.0.0.1 "$port" OPTIONS size=2900 headers=30 urilen=290
expect "limits: an INVITE with Max-Forwards 0 gets 483" 483 \
	req 127.0.0.1 127.0.0.1 "$port" INVITE mf=0
check "limits: too_large, too_many_headers, uri_too_long counted" \
	[ "$(stat too_large)/$(stat too_many_headers)/$(stat uri_too_long)" \
	= 1/2/1 ]
check "limits: max_forwards counted" [ "$(stat max_forwards)" -eq 1 ]

# The per-source rate: 40 at once pass, the rest of a burst of 100
# finds the source banned; banned, even one request gets nothing (asked
# at once, so that a loaded machine cannot outlast the ban); after
# ban_time (8 s) it is answered again.
got=$($probe burst 127.0.0.6 127.0.0.1 "$port" 100)
burst_end=$(date +%s)
expect "rate: the banned source gets no answer" none \
	req 127.0.0.6 127.0.0.1 "$port" OPTIONS wait=0.5
banned=$(stat banned_sources)
if [ "$got" -ge 35 ] && [ "$got" -le 45 ]; then
	ok "rate: a burst of 100 is answered up to the bucket ($got)"
else
	not_ok "rate: a burst of 100 is answered up to the bucket" \
		"answered $got, expected about 40"
fi
check "rate: one ban started" [ "$(stat rate_limited)" -eq 1 ]
check "rate: the banned requests are counted" [ "$(stat rate_banned)" -ge 60 ]
check "rate: banned_sources shows it" [ "$banned" -eq 1 ]
check "rate: another source is not affected" \
	[ "$($probe req 127.0.0.7 127.0.0.1 "$port" OPTIONS)" = 200 ]
# Until a second past the ban's end.
while [ "$(date +%s)" -le $((burst_end + 9)) ]; do
	lib_nap
done
expect "rate: after the ban the source is answered again" 200 \
	req 127.0.0.6 127.0.0.1 "$port" OPTIONS
check "rate: no source is banned any more" [ "$(stat banned_sources)" -eq 0 ]

# A spray from 3000 sources: the table stays at max_sources.
got=$($probe spray 127.1 127.0.0.1 "$port" 3000)
check "rate: a spray from 3000 sources is refused by the ACL ($got answers)" \
	[ "$(stat acl_unknown)" -ge 3002 ]
check "rate: at most max_sources sources are tracked" \
	[ "$(stat sources)" -le 1000 ]

# Trunk max_calls: a long call holds pbx's one slot, the next gets 503
# with Retry-After (RFC 3261 21.5.4, 20.33).  The call lasts 8 s, so
# that on a loaded machine the probe still comes while it is up.
mkdir -p "$tmp/long"
timeout 30 "$SIPP" -sf "$b2b/long_uas.xml" -i 127.0.0.3 -p "$callee_port" \
	-m 1 -nostdin -timeout 20 </dev/null >"$tmp/long/callee.out" 2>&1 &
long_callee=$!
wait_bound 127.0.0.3 "$callee_port"
timeout 30 "$SIPP" -sf "$b2b/long_uac.xml" -i 127.0.0.1 \
	-p "$(free_port 127.0.0.1)" -m 1 -d 8000 -s 1001 -nostdin -timeout 20 \
	-timeout_error "127.0.0.1:$port" </dev/null >"$tmp/long/caller.out" 2>&1 &
long_caller=$!
wait_json "$sock" status 1 calls_active ||
	diag "the long call did not show in calls_active"
out=$($probe req 127.0.0.1 127.0.0.1 "$port" INVITE show=1)
if [ "$(echo "$out" | head -n 1)" = 503 ] &&
	echo "$out" | grep -q '^Retry-After: 7$'; then
	ok "calls: over the trunk's max_calls an INVITE gets 503, Retry-After 7"
else
	not_ok "calls: over the trunk's max_calls an INVITE gets 503, Retry-After 7" \
		"$out"
fi
check "calls: calls_limit_trunk counts it" [ "$(stat calls_limit_trunk)" -eq 1 ]
wait "$long_caller"
rc=$?
wait "$long_callee"
check "calls: the long call itself completes (sipp $rc)" [ "$rc" -eq 0 ]

# Trunk max_cps 1: of three INVITEs at once to trunk slow, the second
# and third get 503 (the first waits for a callee that is not there).
expect "cps: the second and third of three INVITEs at once get 503" \
	"503 503" many 127.0.0.1 127.0.0.1 "$port" INVITE 3 user=7701
check "cps: cps_limit_trunk counts them" [ "$(stat cps_limit_trunk)" -eq 2 ]

# After the hostile phase: a normal call, and no growth of memory.
check "a normal call completes after the hostile phase" call after1
rss1=$(rss)
growth=$((rss1 - rss0))
# AddressSanitizer's quarantine keeps freed memory: no figure to judge.
if grep -q AddressSanitizer "$SBCD" 2>/dev/null; then
	skip "memory: VmRSS over the hostile phase" "a sanitizer build"
elif [ "$growth" -lt 1024 ]; then
	ok "memory: VmRSS grew by $growth KiB (< 1 MiB) over the hostile phase"
else
	not_ok "memory: VmRSS grew by $growth KiB over the hostile phase" \
		"before $rss0 KiB, after $rss1 KiB"
fi

# The log is rate-limited: 3000 refusals make a handful of lines.
lines=$(grep -c 'no ACL allow entry' "$sbcd_log")
check "log: refusals are logged at a bounded rate ($lines lines)" \
	[ "$lines" -le 10 ]
check "sbcd stops cleanly" stop_sbcd
finish
