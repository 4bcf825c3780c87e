#!/bin/sh
# sbcd refuses a database it cannot trust, at start, with a message that
# names the file and says why, and a non-zero exit: a file that is not
# SQLite, a schema newer than this sbcd knows, a database another process
# holds locked, a directory it cannot create.  The file is left as it was.
# Speaks TAP.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/t/lib.sh"

[ -x "$SBCD" ] || bail_out "no sbcd at $SBCD: build it first"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
command -v timeout >/dev/null 2>&1 || skip_all "timeout(1) is not installed"

port=$(free_port 127.0.0.1) || bail_out "no free port"

# conf DB: a configuration whose database is DB.
conf() {
	cat >"$tmp/sbc.conf" <<EOF
[general]
database = $1
[listener ext]
realm = external
address = 127.0.0.1
port = $port
EOF
}

# refused LABEL PATTERN: sbcd exits non-zero within 10 s and its log
# matches PATTERN.
refused() {
	timeout 10 "$SBCD" -f -c "$tmp/sbc.conf" >"$tmp/out" 2>&1
	_rc=$?
	if [ "$_rc" -ne 0 ] && [ "$_rc" -ne 124 ] &&
		grep -Eq "$2" "$tmp/out"; then
		ok "$1"
	else
		not_ok "$1" "exit status $_rc" "$(cat "$tmp/out")"
	fi
}

printf 'this is not a database, just text\n' >"$tmp/junk.db"
cp "$tmp/junk.db" "$tmp/junk.orig"
conf "$tmp/junk.db"
refused "a file that is not SQLite is refused" \
	"junk\\.db: not an SQLite database, or corrupt"
check "and left as it was" cmp -s "$tmp/junk.db" "$tmp/junk.orig"

python3 - "$tmp/new.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("PRAGMA user_version = 999")
c.commit()
PY
conf "$tmp/new.db"
refused "a schema newer than sbcd knows is refused" \
	"new\\.db: schema version 999 is newer than this sbc knows"

# A second process holds the write lock of a valid database for 15 s.
conf "$tmp/locked.db"
python3 - "$tmp/locked.db" "$tmp/locked.ready" <<'PY' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("CREATE TABLE other (x)")
c.execute("BEGIN EXCLUSIVE")
open(sys.argv[2], "w").close()
time.sleep(15)
PY
locker=$!
_i=0
while [ ! -f "$tmp/locked.ready" ] && [ $_i -lt 50 ]; do
	lib_nap
	_i=$((_i + 1))
done
refused "a database locked by another process is refused" \
	"locked\\.db: database is locked by another process"
kill "$locker" 2>/dev/null
wait "$locker" 2>/dev/null

conf "$tmp/no/such/dir/sbc.db"
refused "a database two missing directories deep is refused" \
	"no/such/dir/sbc\\.db: cannot create directory"
finish
