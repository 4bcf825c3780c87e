#!/bin/sh
# sbcctl trunk, route, acl, cdr and dialogs against a real SQLite file:
# every command, its refusals and exit codes, the JSON output parsed by
# python3, the CSV of cdr read back with python3's csv module, and the
# database found through a config file.  Speaks TAP.
. "${top_srcdir:-$(dirname "$0")/..}/t/lib.sh"

CTL=$top_builddir/src/sbcctl/sbcctl
command -v python3 >/dev/null 2>&1 || skip_all "python3 needed to read JSON and CSV"
db=$tmp/var/sbc.db

# run ARGS...: sbcctl -d $db ARGS, output in $tmp/out and $tmp/err, exit
# status in $rc.
run() {
	"$CTL" -d "$db" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# expect DESC RC ARGS...: runs and checks the exit status; a failure
# also needs a message that starts with "sbcctl: " or, for a usage
# error, the usage.
expect() {
	_d=$1
	_want=$2
	shift 2
	run "$@"
	if [ "$rc" != "$_want" ]; then
		not_ok "$_d" "exit $rc, want $_want: sbcctl $*" \
			"stdout: $(cat "$tmp/out")" "stderr: $(cat "$tmp/err")"
	elif [ "$_want" != 0 ] && ! grep -Eq '^(sbcctl: |usage: )' "$tmp/err"; then
		not_ok "$_d" "no 'sbcctl: ' message: $(cat "$tmp/err")"
	else
		ok "$_d"
	fi
}

# out_is DESC TEXT: the last run printed exactly TEXT.
out_is() {
	if [ "$(cat "$tmp/out")" = "$2" ]; then
		ok "$1"
	else
		not_ok "$1" "stdout: $(cat "$tmp/out")" "want: $2"
	fi
}

# err_has DESC TEXT: the last run's standard error holds TEXT.
err_has() {
	if grep -qF -- "$2" "$tmp/err"; then
		ok "$1"
	else
		not_ok "$1" "stderr: $(cat "$tmp/err")" "want: $2"
	fi
}

# json DESC EXPR: EXPR, a python expression of d (the last run's JSON
# output), holds.
json() {
	if python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)' "$tmp/out" "$2" 2>"$tmp/pyerr"; then
		ok "$1"
	else
		not_ok "$1" "$2" "output: $(cat "$tmp/out")" "$(cat "$tmp/pyerr")"
	fi
}

# sql STATEMENTS: runs SQL on the database with python3's sqlite3.
sql() {
	python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executescript(sys.argv[2])
db.commit()' "$db" "$1"
}

# Trunks.
expect "trunk list on a new database" 0 trunk list
out_is "it says there are none" "no trunks"
expect "trunk add" 0 trunk add carrier1 --realm internal \
	--uri gw.example.com:5080 --transport tcp --max-calls 30
out_is "trunk add confirms" "trunk 'carrier1' added"
expect "trunk add sips with --json after the name" 0 trunk add carrier2 \
	--json --realm internal --uri SIPS:sbc.example.net --no-tls-verify
out_is "--json: no confirmation line" ""
expect "duplicate trunk refused" 1 trunk add carrier1 --realm x --uri h
err_has "duplicate names the trunk" "sbcctl: trunk 'carrier1' exists"
expect "bad trunk name refused" 1 trunk add 'a b' --realm x --uri h
expect "bad realm refused" 1 trunk add t3 --realm 'in/ternal' --uri h
expect "bad URI refused" 1 trunk add t3 --realm x --uri 'sip:a b'
expect "URI of another scheme refused" 1 trunk add t3 --realm x \
	--uri http://example.com
expect "bad transport refused" 1 trunk add t3 --realm x --uri h \
	--transport sctp
expect "trunk add without --realm: usage" 2 trunk add t3 --uri h
expect "trunk add with a bad --max-calls: usage" 2 trunk add t3 --realm x \
	--uri h --max-calls lots
expect "global --json trunk list" 0 --json trunk list
json "JSON: two trunks by name, fields as given" \
	'len(d) == 2 and d[0]["name"] == "carrier1" and
	 d[0]["uri"] == "sip:gw.example.com:5080" and
	 d[0]["transport"] == "tcp" and d[0]["max_calls"] == 30 and
	 d[0]["tls_verify"] is True and d[1]["uri"] == "sips:sbc.example.net" and
	 d[1]["transport"] is None and d[1]["tls_verify"] is False'
expect "trunk list" 0 trunk list
if awk 'NR == 1 { col = index($0, "URI") }
	NR > 1 && index($0, "sip") != col { bad = 1 }
	END { exit bad || NR != 3 }' "$tmp/out"; then
	ok "trunk list: header and aligned columns"
else
	not_ok "trunk list: header and aligned columns" "$(cat "$tmp/out")"
fi
expect "trunk show --json" 0 trunk show carrier1 --json
json "trunk show: one object" 'd["name"] == "carrier1" and d["realm"] == "internal"'
expect "trunk show of a missing trunk" 1 trunk show nope
err_has "names it" "no trunk 'nope'"
expect "trunk set" 0 trunk set carrier1 max_cps=4 transport=any
expect "trunk show after set" 0 trunk show --json carrier1
json "set changed max_cps and transport" \
	'd["max_cps"] == 4 and d["transport"] is None and d["max_calls"] == 30'
expect "trunk set of an unknown key" 1 trunk set carrier1 colour=blue

# Routes.
expect "route add" 0 route add r1 --to carrier2,carrier1 --priority 5 \
	--from-realm external --user-prefix +49
out_is "route add confirms" "route 'r1' added"
expect "route to an unknown trunk refused" 1 route add r2 --to carrier1,ghost
err_has "names the trunk" "no trunk 'ghost'"
expect "route from an unknown trunk refused" 1 route add r2 --to carrier1 \
	--from-trunk ghost
expect "duplicate route refused" 1 route add r1 --to carrier1
expect "route add without --to: usage" 2 route add r3
expect "route list --json" 0 route list --json
json "one route, targets in order" \
	'len(d) == 1 and d[0]["name"] == "r1" and d[0]["priority"] == 5 and
	 d[0]["targets"] == ["carrier2", "carrier1"] and
	 d[0]["from_realm"] == "external" and d[0]["user_prefix"] == "+49" and
	 d[0]["domain"] is None'
expect "route list" 0 route list
if grep -q '^r1 .*carrier2,carrier1$' "$tmp/out"; then
	ok "route list shows the targets"
else
	not_ok "route list shows the targets" "$(cat "$tmp/out")"
fi
expect "trunk del of a trunk in use refused" 1 trunk del carrier1
err_has "names the route" "used by route 'r1'"
expect "route del" 0 route del r1
out_is "route del confirms" "route 'r1' deleted"
expect "route del again" 1 route del r1
expect "trunk del" 0 trunk del carrier1
expect "trunk del again" 1 trunk del carrier1

# ACL.
expect "acl add" 0 acl add external 10.0.0.0/8 allow --comment "office, HQ"
out_is "acl add confirms with the id" "acl entry 1 added"
expect "acl with host bits refused" 1 acl add external 10.1.2.3/8 deny
err_has "suggests the network" "did you mean 10.0.0.0/8?"
expect "duplicate acl refused" 1 acl add external 10.0.0.0/8 deny
expect "bad prefix length refused" 1 acl add external 10.0.0.0/33 deny
expect "bad action refused" 1 acl add external 10.0.0.0/16 maybe
expect "acl add IPv6 --json" 0 acl add internal 2001:DB8::1 deny --json
json "--json gives the id" 'd == {"id": 2}'
expect "acl list --json" 0 --json acl list
json "two entries, normalised" \
	'[(e["realm"], e["cidr"], e["action"]) for e in d] ==
	 [("external", "10.0.0.0/8", "allow"), ("internal", "2001:db8::1/128", "deny")]
	 and d[0]["comment"] == "office, HQ" and d[1]["comment"] is None'
expect "acl list of a realm" 0 acl list internal --json
json "one entry" 'len(d) == 1 and d[0]["id"] == 2'
expect "acl del by realm and prefix" 0 acl del external 10.0.0.0/8
expect "acl del by id" 0 acl del 2
expect "acl del of a missing id" 1 acl del 2
expect "acl del without arguments: usage" 2 acl del
expect "acl list when empty" 0 acl list
out_is "says so" "no acl entries"

# CDRs: three calls, one with a quote and a comma in the callee.
sql "INSERT INTO cdrs (call, started_ms, answered_ms, ended_ms, caller,
	callee, a_call_id, b_call_id, from_realm, to_trunk, route, status,
	reason, hangup) VALUES
	('c2', 1796292000000, NULL, 1796292005000, 'sip:x@a', 'sip:y@b',
	 'a2', 'b2', 'external', 'carrier2', NULL, 486, 'Busy Here', 'callee'),
	('c1', 1796205600000, 1796205601500, 1796205661500, 'sip:alice@a',
	 '\"Bob, Jr\" <sip:bob@b>', 'a1', 'b1', 'external', 'carrier2', 'r1',
	 200, NULL, 'caller'),
	('c3', 1796378400000, 1796378400100, 1796378401100, 'sip:z@a',
	 'sip:w@b', 'a3', 'b3', 'external', 'carrier2', 'r1', 200, NULL, 'sbc')"
expect "cdr as CSV" 0 cdr
if python3 -c 'import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
h = rows[0]
r = [dict(zip(h, x)) for x in rows[1:]]
assert h[:3] == ["id", "call", "started"], h
assert [x["call"] for x in r] == ["c1", "c2", "c3"], r
assert r[0]["callee"] == "\"Bob, Jr\" <sip:bob@b>", r[0]
assert r[0]["started"] == "2026-12-02T10:00:00.000Z", r[0]
assert r[0]["answered"] == "2026-12-02T10:00:01.500Z", r[0]
assert r[0]["duration_ms"] == "60000", r[0]
assert r[1]["answered"] == "" and r[1]["status"] == "486", r[1]
assert r[1]["reason"] == "Busy Here", r[1]
assert open(sys.argv[1], "rb").read().count(b"\r\n") == 4
' "$tmp/out" 2>"$tmp/pyerr"; then
	ok "CSV: header, order, RFC 4180 quoting, times"
else
	not_ok "CSV: header, order, RFC 4180 quoting, times" "$(cat "$tmp/pyerr")"
fi
expect "cdr --from DATE --to TIME --format json" 0 cdr --from 2026-12-02 \
	--to 2026-12-04T10:00:00Z --format json
json "JSON: [from, to) keeps c1 and c2" \
	'[x["call"] for x in d] == ["c1", "c2"] and d[1]["answered"] is None
	 and d[0]["status"] == 200 and d[0]["duration_ms"] == 60000'
expect "cdr --from @SECONDS --json" 0 cdr --from @1796292000 --json
json "from the second call on" '[x["call"] for x in d] == ["c2", "c3"]'
expect "cdr with a bad time: usage" 2 cdr --from 2026-13-01
expect "cdr with a bad format: usage" 2 cdr --format xml

# Dialogs.
sql "INSERT INTO dialogs (id, route, caller, callee, from_trunk, to_trunk,
	started_ms, answered_ms, updated_ms) VALUES ('d1', 'r1', 'sip:alice@a', 'sip:bob@b',
	NULL, 'carrier2', 1796205600000, 1796205601500, 1796205601500);
	INSERT INTO dialog_legs VALUES ('d1', 0, 'external', 'udp',
	'127.0.0.1:5060', 'call-a', 'la', 'ra', 1, 2, 'sip:l', 'sip:r',
	'sip:t', '', 0);
	INSERT INTO dialog_legs VALUES ('d1', 1, 'internal', 'tcp',
	'127.0.0.2:5060', 'call-b', 'lb', 'rb', 3, -1, 'sip:l', 'sip:r',
	'sip:t', '<sip:p;lr>', 0)"
expect "dialogs" 0 dialogs
if grep -q '^d1 .*2026-12-02T10:00:01.500Z.*external.*call-a.*internal.*call-b$' "$tmp/out"; then
	ok "dialogs shows both Call-IDs and realms"
else
	not_ok "dialogs shows both Call-IDs and realms" "$(cat "$tmp/out")"
fi
expect "dialogs --json" 0 dialogs --json
json "both legs" \
	'len(d) == 1 and d[0]["a"]["call_id"] == "call-a" and
	 d[0]["b"]["call_id"] == "call-b" and d[0]["b"]["remote_cseq"] == -1'

# The database: from a config file, or refused.
cat >"$tmp/sbc.conf" <<EOF
[general]
database = $tmp/conf.db
[listener ext]
realm = external
transport = udp
address = 127.0.0.1
port = 5060
EOF
"$CTL" -c "$tmp/sbc.conf" trunk add t1 --realm external --uri 192.0.2.1 \
	>/dev/null 2>"$tmp/err" &&
	"$CTL" -d "$tmp/conf.db" --json trunk list >"$tmp/out" 2>>"$tmp/err"
check "the config file names the database" \
	grep -q '"uri":"sip:192.0.2.1"' "$tmp/out"
"$CTL" -c "$tmp/missing.conf" trunk list >/dev/null 2>"$tmp/err"
rc=$?
[ $rc = 2 ] && grep -q '^sbcctl: ' "$tmp/err"
check "missing config file: exit 2" test $? = 0
printf 'not a database, not at all\n%.0s' $(seq 1 200) >"$tmp/junk.db"
"$CTL" -d "$tmp/junk.db" trunk list >/dev/null 2>"$tmp/err"
[ $? = 2 ] && grep -q '^sbcctl: .*junk.db' "$tmp/err"
check "a file that is not a database: exit 2" test $? = 0
"$CTL" -d "$tmp/no/such/dir/x.db" trunk list >/dev/null 2>"$tmp/err"
[ $? = 2 ] && grep -q '^sbcctl: ' "$tmp/err"
check "a database that cannot be created: exit 2" test $? = 0

# Usage.
"$CTL" trunk --help >"$tmp/out" 2>&1
check "trunk --help" grep -q '^usage: sbcctl trunk add' "$tmp/out"
for c in route acl cdr dialogs; do
	"$CTL" $c --help >"$tmp/out" 2>&1
	check "$c --help" grep -q "^usage: sbcctl $c" "$tmp/out"
done
expect "unknown trunk subcommand: usage" 2 trunk frob
expect "no subcommand: usage" 2 acl

finish
