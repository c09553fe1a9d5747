#!/bin/sh
# fwsize.sh - print a firmware image's flash and RAM use after each link.
#
# Usage: fwsize.sh <elf> <board> <flash-bytes> <ram-bytes> <stack-reserve>
# Flash = .text + .data (the initialisers live in flash too); RAM = .data +
# .bss + .noinit, reported with the stack reserve added. Exits 1 when either
# does not fit, so an oversized image fails the build. Output line (parsed by
# test/fw/boards.sh):
#   size <board>: flash <n>/<max> (<pct>%) ram <n>+<stack>/<max>
set -eu
elf=$1 board=$2 flash_max=$3 ram_max=$4 stack=$5
eval "$(avr-size -A "$elf" | awk '
	$1 == ".text" || $1 == ".data" { f += $2 }
	$1 == ".data" || $1 == ".bss" || $1 == ".noinit" { r += $2 }
	END { printf "flash=%d ram=%d\n", f, r }')"
pct=$(( flash * 100 / flash_max ))
echo "size $board: flash $flash/$flash_max ($pct%) ram $ram+$stack/$ram_max"
if [ "$flash" -gt "$flash_max" ] || [ $(( ram + stack )) -gt "$ram_max" ]; then
	echo "size $board: image does not fit the board" >&2
	exit 1
fi
