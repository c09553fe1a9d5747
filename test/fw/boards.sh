#!/usr/bin/env bash
# boards.sh - every board in boards.mk builds and fits; the make interface.
#
# `make test` builds every board's image into $BUILD/avr-<board>/ (TEST_DEPS
# in test/fw/module.mk) and the board list $BUILD/fw-boards.txt. This checks
# with avr-size that flash (.text + .data) fits the board's application
# flash and that RAM (.data + .bss + .noinit) plus the stack reserve fits its
# SRAM, that the image is for the right core, that the hex holds the elf's
# flash image and that the size report printed after every link
# (firmware-avr/fwsize.sh) agrees. Then the make interface, asked with
# `make -n` so nothing is built or written: an unknown BOARD is an error
# that lists the boards, a changed ADDR rebuilds and unchanged flags do not,
# `make -n flash` shows the avrdude command (with the EEPROM record only
# where the bootloader can write it), a bad ADDR is refused before any
# build, and a tree without hashcore_asm.S cannot build an asm board.
# Prints TAP. Assumes it runs from the repository root with gcc-avr and
# binutils-avr.
set -u
cd "$(dirname "$0")/../.."
. test/lib/tap.sh
B=${BUILD:-build}
# Run from `make test`: fresh dry-run makes, not jobserver clients of it.
unset MAKEFLAGS MFLAGS MAKELEVEL
export DUCORIG_NO_DEPS=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mk() { make --no-print-directory "$@"; }

mapfile -t info < "$B/fw-boards.txt"
[ "${#info[@]}" -ge 7 ]; ok $? "boards.mk lists ${#info[@]} boards (at least 7)"

for line in "${info[@]}"; do
	read -r board mcu fcpu flash_max ram_max impl eeprom stack <<<"$line"
	elf=$B/avr-$board/firmware.elf hex=$B/avr-$board/firmware.hex
	[ -s "$elf" ] && [ -s "$hex" ]
	ok $? "$board ($mcu, $fcpu Hz, hash $impl): elf and hex are built"
	[ -s "$elf" ] || continue
	avr-objcopy -O binary -R .eeprom "$elf" "$tmp/$board.elf.bin" &&
		avr-objcopy -I ihex -O binary "$hex" "$tmp/$board.hex.bin" &&
		cmp -s "$tmp/$board.elf.bin" "$tmp/$board.hex.bin"
	ok $? "$board hex holds the elf's flash image"
	read -r flash ram < <(avr-size -A "$elf" | awk '
		$1 == ".text" || $1 == ".data" { f += $2 }
		$1 == ".data" || $1 == ".bss" || $1 == ".noinit" { r += $2 }
		END { print f, r }')
	diag "$board: flash $flash of $flash_max, ram $ram + $stack of $ram_max"
	[ "$flash" -gt 0 ] && [ "$flash" -le "$flash_max" ]
	ok $? "$board image fits flash ($flash <= $flash_max)"
	[ "$ram" -gt 0 ] && [ $((ram + stack)) -le "$ram_max" ]
	ok $? "$board data+bss+stack fits RAM ($ram + $stack <= $ram_max)"
	arch=$(avr-objdump -f "$elf" | sed -n 's/^architecture: \([^,]*\).*/\1/p')
	case $mcu in atmega2560) want=avr:6 ;; *) want=avr:5 ;; esac
	[ "$arch" = "$want" ]
	ok $? "$board image is for $want (got $arch)"
	firmware-avr/fwsize.sh "$elf" "$board" "$flash_max" "$ram_max" "$stack" |
		grep -q "^size $board: flash $flash/$flash_max (.*) ram $ram+$stack/$ram_max$"
	ok $? "$board: the link's size report says the same"
done

out=$(mk -n firmware BOARD=no-such-board BUILD="$tmp" 2>&1)
rc=$?
[ $rc -ne 0 ] && grep -q "Unknown BOARD" <<<"$out" && grep -q "nano" <<<"$out" && grep -q "mega2560" <<<"$out"
ok $? "unknown BOARD is a make error listing the boards"

# A flag change (another default address) must rebuild; the same flags must
# not: asked of the build make test just made.
again=$(mk -n firmware BOARD=nano BUILD="$B" 2>&1 | grep -c 'avr-gcc.*-c ')
changed=$(mk -n firmware BOARD=nano ADDR=0x33 BUILD="$B" 2>&1 | grep -c 'avr-gcc.*-c ')
[ "$again" -eq 0 ] && [ "$changed" -gt 0 ]
ok $? "changed ADDR rebuilds ($changed compiles), unchanged flags do not ($again)"

cmd=$(mk -n flash BOARD=promini8 PORT=/dev/ttyUSB7 ADDR=0x2a BUILD="$B" 2>/dev/null | grep '^avrdude')
grep -q -- "-p m328p -c arduino -P /dev/ttyUSB7 -b 57600" <<<"$cmd" &&
	grep -q -- "-U flash:w:$B/avr-promini8/firmware.hex:i" <<<"$cmd" &&
	grep -q -- "-U eeprom:w:0x2a,0xd5,0x2a:m" <<<"$cmd"
ok $? "make -n flash (promini8) shows avrdude with flash and EEPROM address record"
diag "$cmd"
out=$(mk -n flash BOARD=nano PORT=/dev/ttyUSB7 ADDR=0x2a BUILD="$B" 2>/dev/null)
cmd=$(grep '^avrdude' <<<"$out")
grep -q -- "-b 115200" <<<"$cmd" && ! grep -q eeprom <<<"$cmd" &&
	grep -q -- '-DDUCO_DEFAULT_ADDR=0x2a' <<<"$out"
ok $? "make -n flash (nano, Optiboot) compiles ADDR in and writes no EEPROM"
out=$(mk -n flash BOARD=nano PORT=/dev/null ADDR=0x78 BUILD="$B" 2>&1)
[ $? -ne 0 ] && grep -q "ADDR must be 0x08..0x77" <<<"$out" && ! grep -q 'avr-gcc' <<<"$out"
ok $? "make flash refuses ADDR 0x78 before building anything"

# A board on the asm core in a tree where hashcore_asm.S is missing: a build
# error that names the file, never a quiet fall-back to the 7x slower C core.
src="$tmp/src"
mkdir -p "$src"
tar --exclude=./build --exclude=./.git -cf - . | tar -xf - -C "$src"
rm -f "$src/firmware-avr/hashcore_asm.S"
out=$(cd "$src" && make --no-print-directory -n firmware-nano BUILD="$tmp/noasm" 2>&1)
rc=$?
[ $rc -ne 0 ] && grep -q "hashcore_asm.S is missing" <<<"$out"
ok $? "without hashcore_asm.S an asm board is a build error naming the file"

tap_done
