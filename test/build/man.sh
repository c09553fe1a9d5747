#!/usr/bin/env bash
# man.sh - the installed programs' man pages: each one formats without a
# groff warning, and the pages of ducomaster, ducomaster.json, ducoctl and
# ducoreport and ducowatch name every option, key and command the programs' own --help
# lists (so a new option without its documentation fails here). TAP.
set -u
. "$(dirname "$0")/../lib/tap.sh"
B=${BUILD:-build}/host
pages=$(env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make --no-print-directory -s -pnq help 2>/dev/null |
	sed -n 's/^\(DEV_\)\{0,1\}MAN_PAGES := //p' | tr '\n' ' ')
pages="$pages firmware-avr/ducorig-flash.1"
for m in $pages; do
	w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$m" 2>&1 >/dev/null)
	[ -f "$m" ] && [ -z "$w" ]; ok $? "$m formats without warnings${w:+ ($(head -1 <<<"$w"))}"
done

# missing <page> <words...>: the words the page does not contain (roff's \- as -)
missing() {
	local page=$1 text w out=; shift
	text=$(sed 's/\\-/-/g' "$page")
	for w in "$@"; do grep -qF -- "$w" <<<"$text" || out+=" $w"; done
	echo "$out"
}
opts=$("$B/ducomaster" --help | sed -n 's/^  \(--[a-z-]*\).*/\1/p')
m=$(missing master/ducomaster.8 $opts)
[ -n "$opts" ] && [ -z "$m" ]; ok $? "ducomaster.8 has every option of --help${m:+ (missing:$m)}"
keys=$("$B/ducomaster" --help | sed -n '/^Config file keys/,/^$/s/^  \([a-z_]*\) .*/\1/p')
m=
for k in $keys; do grep -qx "\.B $k" master/ducomaster.json.5 || m+=" $k"; done
[ -n "$keys" ] && [ -z "$m" ]; ok $? "ducomaster.json.5 has every config key of --help${m:+ (missing:$m)}"
cmds=$("$B/ducoctl" --help 2>&1 | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p; s/^  \([a-z][a-z-]*\)$/\1/p')
m=$(missing tools/ducoctl/ducoctl.1 $cmds)
[ -n "$cmds" ] && [ -z "$m" ]; ok $? "ducoctl.1 has every command of --help${m:+ (missing:$m)}"
opts=$("$B/ducoreport" --help 2>&1 | grep -oE -- '--[a-z-]+' | sort -u)
m=$(missing tools/ducoreport/ducoreport.1 $opts)
[ -n "$opts" ] && [ -z "$m" ]; ok $? "ducoreport.1 has every option of --help${m:+ (missing:$m)}"
opts=$("$B/ducowatch" --help 2>&1 | sed -n 's/^  \(--[a-z-]*\).*/\1/p')
m=$(missing tools/ducowatch/ducowatch.1 $opts perf miners top-avr balance)
[ -n "$opts" ] && [ -z "$m" ]; ok $? "ducowatch.1 has every option and command of --help${m:+ (missing:$m)}"
tap_done
