#!/bin/sh
# sbcctl resolve against a real DNS server: unbound on a free loopback
# port serves a zone with NAPTR, SRV at two priorities and several
# weights, A and AAAA, a name without NAPTR and a name with addresses
# only; each RFC 3263 path is checked in sbcctl's output.  Speaks TAP.
#
# Expiry of cached records by TTL is checked in t/unit/check_dns.c with
# a clock the test moves: sbcctl is one-shot and keeps no cache.
. "${top_srcdir:-$(dirname "$0")/..}/t/lib.sh"

CTL=$top_builddir/src/sbcctl/sbcctl
[ -n "$(unbound_path)" ] || skip_all "unbound not installed (Debian package unbound)"
command -v python3 >/dev/null 2>&1 || skip_all "python3 needed for free_port"

port=$(free_port 127.0.0.1) || bail_out "no free port"

start_unbound "$port" example.test. <<'EOF' || bail_out "unbound did not start"
local-data: 'example.test. 300 IN SOA ns.example.test. host.example.test. 1 3600 600 86400 30'
local-data: 'example.test. 300 IN NAPTR 10 50 "s" "SIPS+D2T" "" _sips._tcp.example.test.'
local-data: 'example.test. 300 IN NAPTR 20 50 "s" "SIP+D2T" "" _sip._tcp.example.test.'
local-data: 'example.test. 300 IN NAPTR 30 50 "s" "SIP+D2U" "" _sip._udp.example.test.'
local-data: 'example.test. 300 IN NAPTR 5 50 "s" "SIP+D2S" "" _sip._sctp.example.test.'
local-data: '_sip._udp.example.test. 300 IN SRV 10 60 5060 a.example.test.'
local-data: '_sip._udp.example.test. 300 IN SRV 10 40 5070 b.example.test.'
local-data: '_sip._udp.example.test. 300 IN SRV 20 0 5080 c.example.test.'
local-data: '_sip._tcp.example.test. 300 IN SRV 10 0 5060 a.example.test.'
local-data: '_sips._tcp.example.test. 300 IN SRV 10 0 5061 a.example.test.'
local-data: 'a.example.test. 120 IN A 127.0.0.11'
local-data: 'a.example.test. 120 IN AAAA ::1'
local-data: 'b.example.test. 300 IN A 127.0.0.12'
local-data: 'c.example.test. 300 IN A 127.0.0.13'
local-data: 'nonaptr.example.test. 300 IN TXT "no NAPTR here"'
local-data: '_sip._tcp.nonaptr.example.test. 300 IN SRV 1 0 5090 b.example.test.'
local-data: 'plain.example.test. 200 IN A 127.0.0.14'
local-data: 'plain.example.test. 200 IN AAAA ::1'
EOF

srv="--server 127.0.0.1:$port"

# run NAME ARGS...: sbcctl resolve, output in $tmp/NAME.out, status in rc.
run() {
	_name=$1
	shift
	timeout 20 "$CTL" resolve $srv "$@" >"$tmp/$_name.out" 2>"$tmp/$_name.err"
	rc=$?
}

# targets NAME: the target lines (without the trace) of a run.
targets() {
	grep -v '^;' "$tmp/$1.out"
}

expect() {
	_desc=$1
	_name=$2
	_want=$3
	_got=$(targets "$_name")
	if [ "$rc" = 0 ] && [ "$_got" = "$_want" ]; then
		ok "$_desc"
	else
		not_ok "$_desc" "exit $rc; got:" "$_got" "expected:" "$_want" \
			"trace:" "$(cat "$tmp/$_name.out" "$tmp/$_name.err")"
	fi
}

# NAPTR: SIPS+D2T (order 10), SIP+D2T (20), SIP+D2U (30); SCTP skipped.
run full --seed 1 sip:example.test
expect "NAPTR order: TLS, then TCP, then UDP; AAAA before A" full \
"1 tls [::1]:5061 a.example.test priority 10 weight 0 ttl 120
2 tls 127.0.0.11:5061 a.example.test priority 10 weight 0 ttl 120
3 tcp [::1]:5060 a.example.test priority 10 weight 0 ttl 120
4 tcp 127.0.0.11:5060 a.example.test priority 10 weight 0 ttl 120
$(targets full | sed -n '5,$p')"
check "UDP part: priority 10 records before priority 20" \
	sh -c "targets() { grep -v '^;' \"\$1\"; }; targets '$tmp/full.out' |
		sed -n '5,7p' | grep -c 'priority 10' | grep -qx 3 &&
		targets '$tmp/full.out' | sed -n '8p' |
		grep -qx '8 udp 127.0.0.13:5080 c.example.test priority 20 weight 0 ttl 300'"
check "trace shows the SCTP NAPTR skipped" \
	grep -q 'service "SIP+D2S" .*skipped, service not supported' \
	"$tmp/full.out"
check "trace shows SRV priority and weight" \
	grep -q 'SRV _sip._udp.example.test: priority 10 weight 60 port 5060 target a.example.test' \
	"$tmp/full.out"
check "trace shows addresses with TTL" \
	grep -q '^; A b.example.test: 127.0.0.12 ttl 300$' "$tmp/full.out"

# Transports: UDP only.
run udp --transports udp --prefer ipv4 --seed 3 sip:example.test
check "--transports udp: only UDP targets, 4 of them" \
	sh -c "[ $rc = 0 ] && [ \$(grep -v '^;' '$tmp/udp.out' | grep -c ' udp ') = 4 ] &&
		[ \$(grep -v '^;' '$tmp/udp.out' | wc -l) = 4 ]"
check "trace says TLS and TCP NAPTRs are not enabled" \
	grep -q 'SIPS+D2T.*skipped, transport not enabled' "$tmp/udp.out"

# RFC 2782 weights: over many seeds, each priority-10 record comes first
# sometimes (the proportions are checked in t/unit/check_dns.c; unbound
# rotates the order of the records, so runs here are not repeatable).
a_first=0
b_first=0
for seed in $(seq 1 60); do
	run w --transports udp --prefer ipv4 --seed "$seed" sip:example.test
	case $(targets w | head -n 1) in
	"1 udp 127.0.0.11:5060 "*) a_first=$((a_first + 1)) ;;
	"1 udp 127.0.0.12:5070 "*) b_first=$((b_first + 1)) ;;
	esac
done
if [ $a_first -gt 5 ] && [ $b_first -gt 5 ] &&
	[ $((a_first + b_first)) = 60 ]; then
	ok "weighted choice: weight 60 first $a_first, weight 40 first $b_first of 60"
else
	not_ok "weighted choice" "weight 60 first $a_first, weight 40 first $b_first of 60"
fi

# SIPS: TLS only.
run sips sips:example.test
expect "sips: only SIPS+D2T" sips \
"1 tls [::1]:5061 a.example.test priority 10 weight 0 ttl 120
2 tls 127.0.0.11:5061 a.example.test priority 10 weight 0 ttl 120"

# No NAPTR: SRV of each transport (RFC 3263 4.1).
run nonaptr sip:nonaptr.example.test
expect "no NAPTR: SRV _sip._tcp found" nonaptr \
"1 tcp 127.0.0.12:5090 b.example.test priority 1 weight 0 ttl 300"
check "no NAPTR: trace tells" grep -q '^; NAPTR nonaptr.example.test: no records' \
	"$tmp/nonaptr.out"

# No NAPTR, no SRV: A and AAAA with the default port (RFC 3263 4.2).
run plain sip:plain.example.test
expect "no SRV: A/AAAA, UDP 5060" plain \
"1 udp [::1]:5060 plain.example.test priority 0 weight 0 ttl 200
2 udp 127.0.0.14:5060 plain.example.test priority 0 weight 0 ttl 200"
run plains --prefer ipv4 sips:plain.example.test
expect "no SRV, sips: TLS 5061, IPv4 first when preferred" plains \
"1 tls 127.0.0.14:5061 plain.example.test priority 0 weight 0 ttl 200
2 tls [::1]:5061 plain.example.test priority 0 weight 0 ttl 200"

# Explicit port: no NAPTR, no SRV.
run port --prefer ipv4 'sip:bob@plain.example.test:5099'
expect "explicit port: A/AAAA of the host, UDP" port \
"1 udp 127.0.0.14:5099 plain.example.test priority 0 weight 0 ttl 200
2 udp [::1]:5099 plain.example.test priority 0 weight 0 ttl 200"
check "explicit port: no NAPTR or SRV asked" \
	sh -c "! grep -Eq '^; (NAPTR|SRV)' '$tmp/port.out' && grep -q 'port 5099 is explicit' '$tmp/port.out'"
run port2 --prefer ipv4 'sip:bob@a.example.test:5099;transport=tcp'
expect "explicit port and transport" port2 \
"1 tcp 127.0.0.11:5099 a.example.test priority 0 weight 0 ttl 120
2 tcp [::1]:5099 a.example.test priority 0 weight 0 ttl 120"

# Explicit transport, no port: its SRV, no NAPTR.
run tp --prefer ipv4 'sip:example.test;transport=tcp'
expect "explicit transport: _sip._tcp SRV" tp \
"1 tcp 127.0.0.11:5060 a.example.test priority 10 weight 0 ttl 120
2 tcp [::1]:5060 a.example.test priority 10 weight 0 ttl 120"

# Numeric hosts: no DNS.
run num 'sip:127.0.0.9;transport=tcp'
expect "numeric IPv4 with transport" num \
"1 tcp 127.0.0.9:5060 127.0.0.9 priority 0 weight 0 ttl 0"
run num6 'sips:[::1]:5071'
expect "numeric IPv6, sips, port" num6 \
"1 tls [::1]:5071 ::1 priority 0 weight 0 ttl 0"

# Names that do not exist: exit 1.
run none sip:nothere.example.test
check "NXDOMAIN: exit 1, no targets" \
	sh -c "[ $rc = 1 ] && [ -z \"\$(grep -v '^;' '$tmp/none.out')\" ] &&
		grep -q 'no targets' '$tmp/none.err'"

# JSON.
run json --json --prefer ipv4 sip:plain.example.test
check "--json: valid JSON with the targets and the trace" \
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["error"] is None, d
assert [t["address"] for t in d["targets"]] == ["127.0.0.14", "::1"], d
assert d["targets"][0]["transport"] == "udp" and d["targets"][0]["port"] == 5060
assert any("no SRV records" in l for l in d["trace"]), d
' "$tmp/json.out"
run jsonnone --json sip:nothere.example.test
check "--json without targets: exit 1, error set" \
	sh -c "[ $rc = 1 ] && grep -q '\"targets\":\[\]' '$tmp/jsonnone.out' &&
		! grep -q '\"error\":null' '$tmp/jsonnone.out'"

# Usage errors: exit 2.
run u1
check "no URI: exit 2" [ "$rc" = 2 ]
run u2 --transports udp,sctp sip:example.test
check "bad transport list: exit 2" [ "$rc" = 2 ]
run u3 tel:+15551234
check "tel: URI: exit 2" [ "$rc" = 2 ]
timeout 20 "$CTL" resolve --server 300.1.1.1 sip:example.test >/dev/null 2>&1
rc=$?
check "bad server address: exit 2" [ "$rc" = 2 ]

# A server that does not answer: bounded, exit 1.
dead=$(free_port 127.0.0.1)
t0=$(date +%s)
timeout 20 "$CTL" resolve --server "127.0.0.1:$dead" sip:example.test \
	>"$tmp/dead.out" 2>"$tmp/dead.err"
rc=$?
t1=$(date +%s)
check "no answer: exit 1 within 10 s" \
	sh -c "[ $rc = 1 ] && [ $((t1 - t0)) -le 10 ]"

finish
