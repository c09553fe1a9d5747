#!/usr/bin/env bash
# boards.sh - every board in boards.mk builds from scratch and fits.
#
# Builds each board into a fresh temporary build directory (so the check does
# not depend on, or disturb, build/), then checks with avr-size that flash
# (.text + .data) fits the board's application flash and that RAM (.data +
# .bss + .noinit) plus the stack reserve fits its SRAM, that the image is for
# the right core, and that the hex exists. Also checks the make interface:
# an unknown BOARD is an error that lists the boards, a changed ADDR
# rebuilds, and `make -n flash` shows the avrdude command (with the EEPROM
# record only where the bootloader can write it). Prints TAP.
# Assumes it runs from the repository root with gcc-avr/binutils-avr.
set -u
cd "$(dirname "$0")/../.."
# Run from `make test`: start fresh sub-makes, not jobserver clients of it.
unset MAKEFLAGS MFLAGS MAKELEVEL
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 fails=0
ok() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fails=$((fails + 1)); fi; }


mapfile -t info < <(make -s --no-print-directory fw-board-info BUILD="$tmp")
[ "${#info[@]}" -ge 7 ]; ok $? "boards.mk lists ${#info[@]} boards (at least 7)"

for line in "${info[@]}"; do
	read -r board mcu fcpu flash_max ram_max impl eeprom stack <<<"$line"
	log="$tmp/$board.log"
	make -s --no-print-directory -j2 "firmware-$board" BUILD="$tmp" >"$log" 2>&1
	rc=$?
	elf="$tmp/avr-$board/firmware.elf"
	[ $rc -eq 0 ] && [ -s "$tmp/avr-$board/firmware.hex" ] && [ -s "$elf" ]
	ok $? "$board ($mcu, $fcpu Hz, hash $impl) builds elf and hex"
	if [ $rc -ne 0 ]; then sed 's/^/# /' "$log" | tail -20; continue; fi
	grep -v '^make' "$log" | grep -q "warning:"; [ $? -ne 0 ]
	ok $? "$board builds without warnings"
	read -r flash ram < <(avr-size -A "$elf" | awk '
		$1 == ".text" || $1 == ".data" { f += $2 }
		$1 == ".data" || $1 == ".bss" || $1 == ".noinit" { r += $2 }
		END { print f, r }')
	echo "# $board: flash $flash of $flash_max, ram $ram + $stack of $ram_max"
	[ "$flash" -gt 0 ] && [ "$flash" -le "$flash_max" ]
	ok $? "$board image fits flash ($flash <= $flash_max)"
	[ "$ram" -gt 0 ] && [ $((ram + stack)) -le "$ram_max" ]
	ok $? "$board data+bss+stack fits RAM ($ram + $stack <= $ram_max)"
	arch=$(avr-objdump -f "$elf" | sed -n 's/^architecture: \([^,]*\).*/\1/p')
	case $mcu in atmega2560) want=avr:6 ;; *) want=avr:5 ;; esac
	[ "$arch" = "$want" ]
	ok $? "$board image is for $want (got $arch)"
	grep -q "size $board: flash" "$log"
	ok $? "$board link prints its flash/RAM size"
done

out=$(make --no-print-directory firmware BOARD=no-such-board BUILD="$tmp" 2>&1)
rc=$?
[ $rc -ne 0 ] && grep -q "Unknown BOARD" <<<"$out" && grep -q "nano" <<<"$out" && grep -q "mega2560" <<<"$out"
ok $? "unknown BOARD is a make error listing the boards"

# A flag change (another default address) must rebuild; the same flags must not.
make -s --no-print-directory -j2 firmware BOARD=nano BUILD="$tmp" >/dev/null 2>&1
again=$(make --no-print-directory -j2 firmware BOARD=nano BUILD="$tmp" 2>&1 | grep -c 'avr-gcc.*-c ')
changed=$(make --no-print-directory -j2 firmware BOARD=nano ADDR=0x33 BUILD="$tmp" 2>&1 | grep -c 'avr-gcc.*-c ')
[ "$again" -eq 0 ] && [ "$changed" -gt 0 ]
ok $? "changed ADDR rebuilds ($changed compiles), unchanged flags do not ($again)"

cmd=$(make --no-print-directory -n flash BOARD=promini8 PORT=/dev/ttyUSB7 ADDR=0x2a BUILD="$tmp" 2>/dev/null | grep '^avrdude')
grep -q -- "-p m328p -c arduino -P /dev/ttyUSB7 -b 57600" <<<"$cmd" &&
	grep -q -- "-U flash:w:$tmp/avr-promini8/firmware.hex:i" <<<"$cmd" &&
	grep -q -- "-U eeprom:w:0x2a,0xd5,0x2a:m" <<<"$cmd"
ok $? "make -n flash (promini8) shows avrdude with flash and EEPROM address record"
echo "# $cmd"
cmd=$(make --no-print-directory -n flash BOARD=nano PORT=/dev/ttyUSB7 ADDR=0x2a BUILD="$tmp" 2>/dev/null | grep '^avrdude')
grep -q -- "-b 115200" <<<"$cmd" && ! grep -q eeprom <<<"$cmd" &&
	make --no-print-directory -n flash BOARD=nano PORT=/dev/ttyUSB7 ADDR=0x2a BUILD="$tmp" 2>/dev/null |
	grep -q -- '-DDUCO_DEFAULT_ADDR=0x2a'
ok $? "make -n flash (nano, Optiboot) compiles ADDR in and writes no EEPROM"
make --no-print-directory flash BOARD=nano PORT=/dev/null ADDR=0x78 BUILD="$tmp" >/dev/null 2>&1
[ $? -ne 0 ]
ok $? "make flash refuses ADDR 0x78"

# A board set to the asm core still builds (C core, with a warning) in a
# tree where hashcore_asm.S is missing: the default `make` must not break.
src="$tmp/src"
mkdir -p "$src"
tar --exclude=./build --exclude=./.git -cf - . | tar -xf - -C "$src"
rm -f "$src/firmware-avr/hashcore_asm.S"
out=$(cd "$src" && DUCORIG_NO_DEPS=1 make --no-print-directory -j2 firmware-nano nano.HASH_IMPL=asm \
	BUILD="$tmp/noasm" 2>&1)
rc=$?
[ $rc -eq 0 ] && grep -q "hashcore_asm.S is missing" <<<"$out" &&
	avr-nm "$tmp/noasm/avr-nano/firmware.elf" | grep -q " duco_s1_check$"
ok $? "without hashcore_asm.S an asm board falls back to the C core and builds"

echo "1..$n"
[ "$fails" -eq 0 ]
