#!/usr/bin/env bash
# test_asm_i2c.sh - test_asm_i2c.py on every board image whose boards.mk
# record says HASH_IMPL=asm (TAP on stdout; a board on the C core is
# reported as a skip). Images are build/avr-<board>/firmware.elf and the
# board list is build/fw-boards.txt, built by `make test` through TEST_DEPS.
set -u
cd "$(dirname "$0")/../.."
. test/lib/tap.sh
b=${BUILD:-build}
while read -r board mcu fcpu _ _ impl _; do
	if [ "$impl" != asm ]; then
		skip "$board uses the C core" "not an asm board"
		continue
	fi
	tap_run "$board: " test/asm/test_asm_i2c.py --ducosim "$b/host/ducosim" --mcu "$mcu" \
		--freq "$fcpu" --firmware "$b/avr-$board/firmware.elf"
done < <(grep -E '^(nano|promini8|lgt8f328p|mega2560) ' "$b/fw-boards.txt")
tap_done
