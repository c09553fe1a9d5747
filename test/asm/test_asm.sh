#!/usr/bin/env bash
# test_asm.sh - run the assembly-core test images in simavr (TAP on stdout):
# the ATmega328P image (10,000 random pairs) and the ATmega2560 one (1,000).
# The seed varies per run (printed) so repeated runs cover new cases; set
# ASM_SEED to replay one. Needs `make test` to have built images and runner.
set -u
. "$(dirname "$0")/../lib/tap.sh"
b=${BUILD:-build}
seed=${ASM_SEED:-$(( $(date +%s) % 256 ))}
for mcu in atmega328p atmega2560; do
	elf=$b/asm-test/asm_diff.elf
	[ $mcu = atmega2560 ] && elf=$b/asm-test/asm_diff_2560.elf
	tap_run "$mcu: " "$b/host/test/asm_sim" --seed "$seed" --mcu $mcu "$elf"
done
tap_done
