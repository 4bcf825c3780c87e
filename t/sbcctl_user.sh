#!/bin/sh
# sbcctl user: digest users in the database, HA1 hashes only (RFC 3261
# 22, RFC 8760).  Speaks TAP.
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/t/lib.sh"
command -v sqlite3 >/dev/null 2>&1 || skip_all "sqlite3 is not installed"
db=$tmp/sbc.db
u() { "$SBCCTL" -d "$db" user "$@"; }

printf 'Circle Of Life\n' | u add external Mufasa --digest-realm testrealm@host.com \
	--password-stdin >"$tmp/out" 2>&1
check "user add exits 0" test $? -eq 0
# RFC 2617 3.5: HA1 of Mufasa:testrealm@host.com:Circle Of Life.
h=$(sqlite3 "$db" "SELECT ha1_md5 FROM credentials WHERE username='Mufasa'")
check "the MD5 HA1 is RFC 2617's (got $h)" test "$h" = 939e7578ed9e3c518a452acee763bce9
want=$(printf '%s' 'Mufasa:testrealm@host.com:Circle Of Life' | openssl dgst -sha256 -r | cut -d' ' -f1)
h=$(sqlite3 "$db" "SELECT ha1_sha256 FROM credentials WHERE username='Mufasa'")
check "the SHA-256 HA1 is H(user:realm:password)" test "$h" = "$want"
sqlite3 "$db" .dump | grep -q 'Circle Of Life'
check "the password is nowhere in the database" test $? -ne 0
printf 'x\n' | u add external Mufasa --password-stdin >/dev/null 2>&1
check "adding the same user again exits 1" test $? -eq 1
printf 'y\n' | u add external Mufasa --password-stdin --replace --md5-only >/dev/null 2>&1
check "--replace changes it" test $? -eq 0
h=$(sqlite3 "$db" "SELECT ha1_sha256 IS NULL FROM credentials WHERE username='Mufasa'")
check "--md5-only leaves no SHA-256 hash" test "$h" = 1
printf 'p\n' | u add external 'bad"name' --password-stdin >/dev/null 2>&1
check "a user name with a quote is refused (exit 1)" test $? -eq 1
printf '' | u add external eve --password-stdin >/dev/null 2>&1
check "an empty password is refused" test $? -eq 1
u add external eve </dev/null >/dev/null 2>&1
check "no terminal and no --password-stdin is refused" test $? -ne 0
printf 'z\n' | u add internal bob --password-stdin >/dev/null 2>&1
out=$(u list 2>&1)
printf '%s\n' "$out" | grep -Eq '^external +Mufasa +external +MD5$' &&
	printf '%s\n' "$out" | grep -Eq '^internal +bob +internal +SHA-256,MD5$'
check "list shows realm, user, digest realm and algorithms" test $? -eq 0
printf '%s\n' "$out" | grep -q '939e7578'
check "list never shows a hash" test $? -ne 0
out=$(u list --json internal 2>&1)
check "list --json REALM filters (got $out)" \
	test "$out" = '[{"realm":"internal","user":"bob","digest_realm":"internal","algorithms":"SHA-256,MD5"}]'
u del external Mufasa >/dev/null 2>&1
check "del exits 0" test $? -eq 0
u del external Mufasa >/dev/null 2>&1
check "del of a missing user exits 1" test $? -eq 1
finish
