#!/usr/bin/env bash
# layers.sh - the one-way dependency rule of docs/architecture.md, checked on
# the tree: common <- firmware-avr; common <- lib <- master, tools, sim;
# test may use all; nothing uses test. Every #include "x.h" of every source
# is resolved to the folder that holds x.h (header names are unique in the
# tree, which this checks too) and must be one its folder may use; no
# module.mk outside master/ and test/ names master's objects or -Imaster.
# TAP.
set -u
. "$(dirname "$0")/../lib/tap.sh"
cd "$(dirname "$0")/../.."

# where each header lives: "name.h folder" (tools/x and sim/x are their own)
declare -A home
dups=
while read -r f; do
	n=${f##*/} d=${f%/*}
	case $d in tools/* | sim/*) d=${d%%/*}/$(cut -d/ -f2 <<<"$d") ;; *) d=${d%%/*} ;; esac
	[ -n "${home[$n]:-}" ] && dups+=" $n"
	home[$n]=$d
done < <(git ls-files '*.h')
[ -z "$dups" ]; ok $? "header names are unique in the tree${dups:+ (twice:$dups)}"

# allowed <folder of the source>: the folders it may include from
allowed() {
	case $1 in
	common) echo "common" ;;
	firmware-avr) echo "firmware-avr common" ;;
	lib) echo "lib common" ;;
	master) echo "master lib common" ;;
	tools/* | sim/*) echo "$1 lib common" ;;
	scripts) echo "common" ;;
	test*) echo "*" ;;
	esac
}

for top in common firmware-avr lib master tools sim scripts; do
	bad=
	while read -r f; do
		d=${f%/*}
		case $d in tools/* | sim/*) d=${d%%/*}/$(cut -d/ -f2 <<<"$d") ;; *) d=${d%%/*} ;; esac
		may=$(allowed "$d")
		for h in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
			w=${home[${h##*/}]:-}
			[ -z "$w" ] && continue        # generated (build/gen) or a system header
			case " $may " in *" $w "*) ;; *) bad+=" $f:$h($w)" ;; esac
		done
	done < <(git ls-files "$top/*.c" "$top/*.h" "$top/*.S")
	[ -z "$bad" ]; ok $? "$top/ includes only from what the rule lets it use${bad:+:$bad}"
done

# the build: only master/ and the tests use master's objects or headers
bad=$(git ls-files '*.mk' Makefile | grep -v -e '^master/' -e '^test/' |
	xargs grep -ln -e '-Imaster' -e 'obj/master/' 2>/dev/null | tr '\n' ' ')
[ -z "$bad" ]; ok $? "no makefile outside master/ and test/ links or includes master/${bad:+ ($bad)}"
bad=$(git ls-files '*.mk' Makefile | grep -v '^test/' |
	xargs grep -ln -e '-Itest' -e 'obj/test/' 2>/dev/null | tr '\n' ' ')
[ -z "$bad" ]; ok $? "nothing outside test/ uses test/${bad:+ ($bad)}"
tap_done
