#!/usr/bin/env bash
# gen-boards-h.sh - writes the C view of boards.mk (build/gen/duco_boards.h).
#
# Usage: scripts/gen-boards-h.sh <board>=<id> ...   (header on stdout)
# The Makefile passes one <board>=<id> per record of boards.mk, as make has
# read it, so boards.mk stays the only board list: this script parses no
# makefile. It emits DUCO_BOARD_LIST(X), one X(SYMBOL, id, "name") per board,
# from which common/duco_proto.h builds enum duco_board and host programs
# their board names. Fails (no output) on a malformed name, an id outside
# 1..99 (enum duco_board keeps 0 and 100+ for itself) or a repeated id.
set -euo pipefail
declare -A seen=()
rows=()
for arg in "$@"; do
	name=${arg%%=*} id=${arg#*=}
	if ! [[ $name =~ ^[a-z][a-z0-9-]*$ ]] || ! [[ $id =~ ^[0-9]+$ ]] ||
	   [ "$id" -lt 1 ] || [ "$id" -gt 99 ]; then
		echo "gen-boards-h.sh: bad board record '$arg' (name [a-z0-9-], ID 1..99)" >&2
		exit 1
	fi
	if [ -n "${seen[$id]:-}" ]; then
		echo "gen-boards-h.sh: boards $name and ${seen[$id]} share ID $id" >&2
		exit 1
	fi
	seen[$id]=$name
	sym=$(echo "$name" | tr 'a-z-' 'A-Z_')
	rows+=("	X($sym, $id, \"$name\")")
done
echo "/* Generated from boards.mk by scripts/gen-boards-h.sh; do not edit. */"
echo "#ifndef DUCO_BOARDS_H"
echo "#define DUCO_BOARDS_H"
echo "/* X(SYMBOL, id, \"name\"): one per board record of boards.mk (<board>.ID). */"
echo "#define DUCO_BOARD_LIST(X) \\"
for r in "${rows[@]}"; do
	echo "$r \\"
done
echo "	/* end */"
echo "#endif"
