#!/bin/sh
# Checks the layering of DESIGN.md: a module includes only headers of its
# own layer or below, the I/O modules of layer 2 never include each other,
# and layers 0 and 1 use no I/O library.  Speaks TAP.
set -u
top=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top" || exit 1

# The layer and the module of a header or source, by name.
layer_of() {
	case $1 in
	str | buf | log | ref | hash | clock | tmr | rnd | json | fs | slab | cidr | mem) echo "0 base" ;;
	sip_*) echo "1 sip" ;;
	tp | tp_*) echo "2 tp" ;;
	dns | dns_*) echo "2 dns" ;;
	store | store_*) echo "2 store" ;;
	rtpe | rtpe_* | bencode) echo "2 media" ;;
	tsx | tsx_*) echo "3 tsx" ;;
	dlg | dlg_* | leg | leg_*) echo "4 dlg" ;;
	route | route_* | acl | acl_* | ratelimit) echo "5 route" ;;
	auth | auth_*) echo "5 auth" ;;
	core | core_* | call | call_*) echo "6 core" ;;
	*) echo "7 edge" ;;
	esac
}

dir_layer() {
	case $1 in
	src/base/*) echo "0 base" ;;
	src/sip/*) echo "1 sip" ;;
	src/tp/*) echo "2 tp" ;;
	src/dns/*) echo "2 dns" ;;
	src/store/*) echo "2 store" ;;
	src/media/*) echo "2 media" ;;
	src/tsx/*) echo "3 tsx" ;;
	src/dlg/*) echo "4 dlg" ;;
	src/route/*) echo "5 route" ;;
	src/auth/*) echo "5 auth" ;;
	src/core/*) echo "6 core" ;;
	include/sbc/*) layer_of "$(basename "$1" .h)" ;;
	*) echo "7 edge" ;;
	esac
}

n=0
bad=0
files=$(ls src/*/*.c src/*/*.h include/sbc/*.h 2>/dev/null)
for f in $files; do
	set -- $(dir_layer "$f")
	fl=$1
	fm=$2
	problems=
	for inc in $(sed -n 's/^#include "sbc\/\([a-z0-9_]*\)\.h".*/\1/p' "$f"); do
		set -- $(layer_of "$inc")
		il=$1
		im=$2
		if [ "$il" -gt "$fl" ]; then
			problems="$problems sbc/$inc.h (layer $il) from layer $fl;"
		elif [ "$il" = 2 ] && [ "$fl" = 2 ] && [ "$im" != "$fm" ]; then
			problems="$problems layer-2 $fm includes layer-2 $im;"
		fi
	done
	if [ "$fl" -le 1 ] &&
		grep -Eq '^#include <(uv|openssl/|ldns/|sqlite3)' "$f"; then
		problems="$problems I/O library in layer $fl;"
	fi
	n=$((n + 1))
	if [ -n "$problems" ]; then
		echo "not ok $n - $f:$problems"
		bad=$((bad + 1))
	else
		echo "ok $n - $f"
	fi
done
echo "1..$n"
[ "$bad" = 0 ]
