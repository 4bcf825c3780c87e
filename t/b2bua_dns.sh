#!/bin/sh
# Next hops by RFC 3263 through the session core: a route whose target is
# a host name; unbound on loopback serves its SRV records at three
# priorities: a host where nothing listens, a callee that answers 503,
# and a callee that takes the call.  The first call must fail over twice
# (timeout, then 503, RFC 3263 4.3) and complete at the third; the second
# call, with the failed targets avoided, must go to the third at once.
# Speaks TAP.
. "${top_srcdir:-$(dirname "$0")/..}/t/lib.sh"

[ -n "$(unbound_path)" ] || skip_all "unbound not installed (Debian package unbound)"
[ -n "$SIPP" ] || skip_all "sipp not installed"
command -v python3 >/dev/null 2>&1 || skip_all "python3 needed for free_port"

b2b=$top_srcdir/t/sipp/b2b
dns_port=$(free_port 127.0.0.1) || bail_out "no free port"
port=$(free_port 127.0.0.1 127.0.0.2) || bail_out "no free port"
dead_port=$(free_port 127.0.0.5) || bail_out "no free port"
busy_port=$(free_port 127.0.0.3) || bail_out "no free port"
good_port=$(free_port 127.0.0.3) || bail_out "no free port"
[ "$busy_port" != "$good_port" ] || good_port=$((busy_port + 1))
start_unbound "$dns_port" pbx.test. <<EOF || bail_out "unbound did not start"
local-data: 'pbx.test. 300 IN SOA ns.pbx.test. host.pbx.test. 1 3600 600 86400 30'
local-data: '_sip._udp.pbx.test. 300 IN SRV 10 0 $dead_port dead.pbx.test.'
local-data: '_sip._udp.pbx.test. 300 IN SRV 20 0 $busy_port busy.pbx.test.'
local-data: '_sip._udp.pbx.test. 300 IN SRV 30 0 $good_port good.pbx.test.'
local-data: 'dead.pbx.test. 300 IN A 127.0.0.5'
local-data: 'busy.pbx.test. 300 IN A 127.0.0.3'
local-data: 'good.pbx.test. 300 IN A 127.0.0.3'
EOF

cat >"$tmp/sbc.conf" <<CONF
[general]
database = $tmp/sbc.db
[sip]
t1 = 30
[dns]
servers = 127.0.0.1:$dns_port
prefer = ipv4
avoid = 60
[listener ext]
realm = external
address = 127.0.0.1
port = $port
[listener int]
realm = internal
address = 127.0.0.2
port = $port
CONF
add_route "$tmp/sbc.db" to-pbx external pbx.test internal

if ! start_sbcd "$tmp/sbc.conf"; then
	not_ok "sbcd starts with a route to a host name"
	finish
fi
ok "sbcd starts with a route to a host name"

# callee NAME SCENARIO PORT CALLS: a SIPp callee in the background.
callee() {
	timeout 60 "$SIPP" -sf "$b2b/$2.xml" -i 127.0.0.3 -p "$3" -m "$4" \
		-nostdin -timeout 50 -timeout_error \
		-trace_err -error_file "$tmp/$1.err" \
		</dev/null >"$tmp/$1.out" 2>&1 &
}
callee busy unavail_uas "$busy_port" 1
busy_pid=$!
callee good basic_uas "$good_port" 2
good_pid=$!
sleep 0.5

caller=$(free_port 127.0.0.1)
# One call at a time: the second must see the targets the first
# found failing already avoided.
timeout 60 "$SIPP" -sf "$b2b/basic_uac.xml" -i 127.0.0.1 -p "$caller" \
	-m 2 -l 1 -s 1001 -nostdin -timeout 40 -timeout_error \
	-trace_err -error_file "$tmp/caller.err" \
	127.0.0.1:"$port" </dev/null >"$tmp/caller.out" 2>&1
rc=$?
if [ $rc -eq 0 ]; then
	ok "two calls to sip:pbx.test complete"
else
	not_ok "two calls to sip:pbx.test complete" "sipp exit $rc" \
		"$(tail -n 20 "$tmp/caller.out")" "$(tail -n 20 "$sbcd_log")"
fi
wait "$busy_pid"
check "the 503 callee got one INVITE and its ACK" test $? -eq 0
wait "$good_pid"
check "the good callee took both calls" test $? -eq 0
check "the silent target failed first" \
	sbcd_log_has "next hop 127\.0\.0\.5:$dead_port failed"
check "the 503 target failed next" \
	sbcd_log_has "next hop 127\.0\.0\.3:$busy_port failed"

sleep 1
if stop_sbcd; then
	ok "SIGTERM stops sbcd with exit status 0"
else
	not_ok "SIGTERM stops sbcd with exit status 0"
fi
# Two failovers for the first call, none for the second: the avoid list.
check "two failovers in all: the second call avoided both failed targets" \
	sbcd_log_has 'calls: 2 total, 0 active, 2 answered, 0 failed, 0 without route, 2 failovers'
check "the resolver's counters show queries and cache hits" \
	sbcd_log_has 'dns: 2 resolutions, [1-9][0-9]* queries, [1-9][0-9]* cache hits'
if grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error' "$sbcd_log"; then
	not_ok "no sanitizer report in the log"
else
	ok "no sanitizer report in the log"
fi
finish
