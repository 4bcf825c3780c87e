#!/bin/sh
# Transactions and transports seen from outside sbcd (issue 3): a scripted
# UDP peer checks absorption of a retransmitted INVITE, Timer G and the
# ACK that stops it; SIPp places refused calls over UDP with random loss
# (-lost), over TCP, and over TLS through a socat tunnel that presents a
# client certificate signed by the CA sbcd trusts; a peer with a
# certificate of its own making is refused.  Speaks TAP.
. "${top_srcdir:-$(dirname "$0")/..}/t/lib.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
command -v openssl >/dev/null 2>&1 || skip_all "openssl is not installed"

sh "$top_srcdir/t/certs.sh" "$tmp/certs" >"$tmp/certs.log" 2>&1 ||
	bail_out "cannot make certificates: $(cat "$tmp/certs.log")"

port=$(free_port 127.0.0.1 127.0.0.2) || bail_out "no free port"
tls_port=$(free_port 127.0.0.1) || bail_out "no free port"
cat >"$tmp/sbc.conf" <<CONF
[general]
database = $tmp/sbc.db
log_level = info
[sip]
t1 = 50
t2 = 400
[transport]
idle_timeout = 5
[listener ext-udp]
realm = external
address = 127.0.0.1
port = $port
[listener int-udp]
realm = internal
address = 127.0.0.2
port = $port
[listener ext-tcp]
realm = external
transport = tcp
address = 127.0.0.1
port = $port
[listener ext-tls]
realm = external
transport = tls
address = 127.0.0.1
port = $tls_port
tls_cert = $tmp/certs/server.pem
tls_key = $tmp/certs/server.key
tls_ca = $tmp/certs/ca.pem
tls_verify_client = yes
CONF

if ! start_sbcd "$tmp/sbc.conf"; then
	not_ok "sbcd starts with UDP, TCP and TLS listeners"
	finish
fi
ok "sbcd starts with UDP, TCP and TLS listeners"
check "it listens on TCP" sbcd_log_has "listening on tcp 127\.0\.0\.1:$port "
check "it listens on TLS" sbcd_log_has "listening on tls 127\.0\.0\.1:$tls_port "

# 1. Absorption, Timer G and the ACK, from a scripted peer.
python3 "$top_srcdir/t/sip_probe.py" retrans 127.0.0.2 "$port" \
	>"$tmp/probe.out" 2>&1
while IFS= read -r line; do
	case $line in
	ok:*) ok "probe: ${line#ok: }" ;;
	fail:*) not_ok "probe: ${line#fail: }" ;;
	*) diag "$line" ;;
	esac
done <"$tmp/probe.out"
grep -q '^ok: after the ACK' "$tmp/probe.out" ||
	not_ok "the probe ran to its end" "$(cat "$tmp/probe.out")"

# run_sipp DESC ARGS...: one SIPp run that must end with exit status 0.
run_sipp() {
	_desc=$1
	shift
	if [ -z "$SIPP" ]; then
		skip "$_desc" "sipp is not installed"
		return
	fi
	_sp=$(free_port 127.0.0.1)
	if timeout 120 "$SIPP" -sf "$top_srcdir/t/sipp/invite_404.xml" \
		-i 127.0.0.1 -p "$_sp" -timeout 100 -timeout_error \
		-max_retrans 10 -nostdin -trace_err \
		-error_file "$tmp/sipp-err.log" "$@" \
		>"$tmp/sipp.out" 2>&1; then
		ok "$_desc"
	else
		not_ok "$_desc" "sipp $*" "$(tail -n 30 "$tmp/sipp.out")" \
			"$(tail -n 20 "$tmp/sipp-err.log" 2>/dev/null)"
	fi
}

# 2. UDP with 10 % of messages lost in each direction.
run_sipp "30 calls over UDP with -lost 10 all end as scripted" \
	-m 30 -r 15 -lost 10 127.0.0.1:"$port"

# 3. TCP: responses come back over the connection of the request.
run_sipp "10 calls over TCP" -t t1 -m 10 -r 10 127.0.0.1:"$port"

# 4. TLS, with mutual authentication, through a socat tunnel (Debian's
# SIPp is built without TLS): sipp -> TCP -> socat -> TLS -> sbcd.
if command -v socat >/dev/null 2>&1; then
	tunnel=$(free_port 127.0.0.1)
	socat -d TCP-LISTEN:"$tunnel",bind=127.0.0.1,reuseaddr \
		OPENSSL:127.0.0.1:"$tls_port",cafile="$tmp/certs/ca.pem",cert="$tmp/certs/client.pem",key="$tmp/certs/client.key",verify=1,commonname=127.0.0.1 \
		>"$tmp/socat.log" 2>&1 &
	socat_pid=$!
	sleep 0.3
	run_sipp "10 calls over TLS with a client certificate the CA signed" \
		-t t1 -m 10 -r 10 127.0.0.1:"$tunnel"
	kill "$socat_pid" 2>/dev/null
	wait "$socat_pid" 2>/dev/null
else
	skip "10 calls over TLS with a client certificate the CA signed" \
		"socat is not installed"
fi

# 5. A TLS peer whose certificate no trusted CA signed is refused.
openssl s_client -connect 127.0.0.1:"$tls_port" -CAfile "$tmp/certs/ca.pem" \
	-cert "$tmp/certs/rogue.pem" -key "$tmp/certs/rogue.key" \
	</dev/null >"$tmp/rogue.out" 2>&1
wait_for_log 'tls.*(certificate|verif)' 5
check "a client certificate from an unknown CA is refused, with a log line saying why" \
	sbcd_log_has 'tls.*(certificate|verif)'

# Every transaction ends by its timers: wait out Timer H (64*T1 = 3.2 s).
sleep 4
if stop_sbcd; then
	ok "SIGTERM stops sbcd with exit status 0"
else
	not_ok "SIGTERM stops sbcd with exit status 0"
fi
check "no transaction is left alive" sbcd_log_has 'transactions: .* 0 alive'
check "TCP carried messages" sbcd_log_has 'transport: in udp [0-9]+ tcp [1-9]'
check "TLS carried messages" sbcd_log_has 'transport: in udp [0-9]+ tcp [0-9]+ tls [1-9]'
check "retransmissions were absorbed" sbcd_log_has 'transactions: .* [1-9][0-9]* absorbed'
check "a TLS failure was counted" sbcd_log_has '[1-9][0-9]* tls failures'
if grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error' "$sbcd_log"; then
	not_ok "no sanitizer report in the log" "$(grep -E -A5 'Sanitizer|runtime error' "$sbcd_log" | head -n 30)"
else
	ok "no sanitizer report in the log"
fi
finish
