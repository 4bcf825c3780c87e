#!/bin/sh
# Scanners learn nothing (issue 7): svmap and svwar of the Debian
# package sipvicious run against sbcd on loopback.  svmap must find no
# internal address (127.0.0.2, 127.0.0.3) and no software name (sbcd
# sends no User-Agent or Server), svwar must find no extension with
# REGISTER or OPTIONS (sbcd answers every user alike), and the scanning
# source must end up banned by the per-source rate limit, which the
# status socket counts.  Afterwards a normal call still completes.
# Speaks TAP.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/t/lib.sh"

command -v svmap >/dev/null 2>&1 && command -v svwar >/dev/null 2>&1 ||
	skip_all "sipvicious (svmap, svwar) is not installed"
SIPP=${SIPP:-$(command -v sipp 2>/dev/null)}
[ -n "$SIPP" ] || skip_all "sipp is not installed"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
[ -x "$SBCD" ] || bail_out "no sbcd at $SBCD: build it first"

b2b=$top_srcdir/t/sipp/b2b
port=$(free_port 127.0.0.1 127.0.0.2) || bail_out "no free port"
callee_port=$(free_port 127.0.0.3) || bail_out "no free port"
sock=$tmp/sbc.sock
cat >"$tmp/sbc.conf" <<CONF
# Written by t/scan.sh.
[general]
database = $tmp/sbc.db
status_socket = $sock
[limits]
source_rate = 20
source_burst = 100
ban_time = 60
[listener ext-udp]
realm = external
address = 127.0.0.1
port = $port
[listener int-udp]
realm = internal
address = 127.0.0.2
port = $port
CONF
add_route "$tmp/sbc.db" to-pbx external "sip:127.0.0.3:$callee_port" internal
start_sbcd "$tmp/sbc.conf" || bail_out "sbcd did not start"

stat() {
	"$SBCCTL" -s "$sock" --json stats 2>/dev/null | python3 -c '
import json, sys
print(json.load(sys.stdin)["refused"][sys.argv[1]])' "$1"
}

# sipvicious keeps sessions under HOME.  It sends from the address the
# kernel picks for 127.0.0.1, which is 127.0.0.1 itself: the normal
# call at the end comes from 127.0.0.8, a source the scan did not ban.
export HOME="$tmp"

# svmap: what sbcd says to an OPTIONS sweep (and to an INVITE one).
timeout 30 svmap -p "$port" 127.0.0.1 >"$tmp/svmap.out" 2>&1
timeout 30 svmap -p "$port" -m INVITE 127.0.0.1 \
	>>"$tmp/svmap.out" 2>&1
diag "$(grep -v '^ *$' "$tmp/svmap.out")"
check "svmap finds the SIP device" grep -q "127.0.0.1:$port" "$tmp/svmap.out"
check "svmap sees no internal address" \
	sh -c "! grep -Eq '127\\.0\\.0\\.[23]' '$tmp/svmap.out'"
check "svmap sees no software name (no User-Agent, no Server)" \
	sh -c "! grep -Eiq 'sbc|sipp|linux|debian' '$tmp/svmap.out'"

# svwar: REGISTER (its default) and OPTIONS answer every user alike.
for m in REGISTER OPTIONS; do
	timeout 60 svwar -p "$port" -m "$m" -e 100-130 \
		127.0.0.1 >"$tmp/svwar-$m.out" 2>&1
	diag "$m: $(grep -v '^ *$' "$tmp/svwar-$m.out" | tail -n 6)"
	if grep -Eq '^\| *[0-9]+ *\|' "$tmp/svwar-$m.out"; then
		not_ok "svwar -m $m finds no extension" \
			"$(cat "$tmp/svwar-$m.out")"
	else
		ok "svwar -m $m finds no extension"
	fi
done

check "the answers above came before any ban" [ "$(stat rate_limited)" -eq 0 ]

# A long scan from one source: banned, and counted.
timeout 60 svwar -p "$port" -m OPTIONS -e 1000-1600 --force \
	127.0.0.1 >"$tmp/svwar-long.out" 2>&1
check "the scanning source got banned (rate_limited $(stat rate_limited))" \
	[ "$(stat rate_limited)" -ge 1 ]
check "its further requests were refused (rate_banned $(stat rate_banned))" \
	[ "$(stat rate_banned)" -ge 1 ]

# A normal call from another source still completes.
mkdir -p "$tmp/call"
timeout 30 "$SIPP" -sf "$b2b/basic_uas.xml" -i 127.0.0.3 -p "$callee_port" \
	-m 1 -nostdin -timeout 20 </dev/null >"$tmp/call/callee.out" 2>&1 &
callee=$!
wait_bound 127.0.0.3 "$callee_port" ||
	diag "the callee is not bound: $(tail -n 5 "$tmp/call/callee.out")"
if timeout 30 "$SIPP" -sf "$b2b/basic_uac.xml" -i 127.0.0.8 \
	-p "$(free_port 127.0.0.8)" -m 1 -s 1001 -nostdin -timeout 20 \
	-timeout_error -max_retrans 10 "127.0.0.1:$port" \
	</dev/null >"$tmp/call/caller.out" 2>&1; then
	ok "a normal call completes after the scans"
else
	kill "$callee" 2>/dev/null
	not_ok "a normal call completes after the scans" \
		"$(grep -E -- '-->|<--|Aborting|Unexpected' "$tmp/call/caller.out")" \
		"$(grep -E -- '-->|<--|Aborting|Unexpected|bind' "$tmp/call/callee.out")" \
		"$(tail -n 5 "$sbcd_log")"
fi
wait "$callee"
check "sbcd stops cleanly" stop_sbcd
finish
