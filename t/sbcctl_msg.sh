#!/bin/sh
# sbcctl msg over the test corpus: valid files are ok, invalid ones are
# reported with a reason, reprints parse again, exit codes as documented.
# Speaks TAP.
set -u
top=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
bld=${top_builddir:-$top}
ctl="$bld/src/sbcctl/sbcctl"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
check() { if [ "$1" = 0 ]; then ok "$2"; else nok "$2"; fi; }

valid=$(ls "$top"/t/data/valid/*.sip)
invalid=$(ls "$top"/t/data/invalid/*.sip)

for f in $valid; do
	out=$("$ctl" msg "$f")
	rc=$?
	[ $rc = 0 ] && [ "$out" = "$f: ok" ]
	check $? "valid $(basename "$f") is ok"

	# The reprint is itself a valid message, and reprinting it again
	# changes nothing: printing is canonical.
	"$ctl" msg --print "$f" >"$tmp/p1" 2>"$tmp/err" &&
		"$ctl" msg --print "$tmp/p1" >"$tmp/p2" 2>/dev/null &&
		cmp -s "$tmp/p1" "$tmp/p2" &&
		grep -qx "$f: ok" "$tmp/err"
	check $? "reprint of $(basename "$f") is stable and valid"
done

for f in $invalid; do
	out=$("$ctl" msg "$f")
	rc=$?
	case $out in
	"$f: invalid: "?*) [ $rc = 1 ] ;;
	*) false ;;
	esac
	check $? "invalid $(basename "$f") is refused with a reason: ${out#"$f: "}"
done

# Several files: one invalid makes the exit status 1, all are reported.
set -- $valid
v1=$1
set -- $invalid
i1=$1
out=$("$ctl" msg "$v1" "$i1" "$v1")
rc=$?
[ $rc = 1 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 3 ]
check $? "mixed files: exit 1 and a line per file"

# Standard input.
out=$("$ctl" msg - <"$v1")
[ $? = 0 ] && [ "$out" = "-: ok" ]
check $? "reads standard input"

# A stream needs Content-Length: a valid datagram without one is refused.
printf 'OPTIONS sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1;branch=z9hG4bKx\r\nFrom: <sip:b@127.0.0.1>;tag=1\r\nTo: <sip:a@127.0.0.1>\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n\r\n' >"$tmp/nocl.sip"
"$ctl" msg "$tmp/nocl.sip" >/dev/null
check $? "datagram without Content-Length is ok"
out=$("$ctl" msg --stream "$tmp/nocl.sip")
[ $? = 1 ] && case $out in *Content-Length*) true ;; *) false ;; esac
check $? "stream without Content-Length is refused: ${out#*: }"

# Errors of use.
"$ctl" msg "$tmp/does-not-exist" >/dev/null 2>"$tmp/err"
[ $? = 2 ] && grep -q 'does-not-exist: error:' "$tmp/err"
check $? "missing file: exit 2 with an error"
"$ctl" msg >/dev/null 2>&1
[ $? = 2 ]
check $? "no file: usage, exit 2"
"$ctl" msg --bogus "$v1" >/dev/null 2>&1
[ $? = 2 ]
check $? "unknown option: exit 2"
"$ctl" msg --help | grep -q '^usage: sbcctl msg'
check $? "msg --help prints usage"
"$ctl" nosuchcommand >/dev/null 2>&1
[ $? = 2 ]
check $? "unknown command: exit 2"

echo "1..$n"
[ $fails = 0 ]
