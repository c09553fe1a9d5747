#!/usr/bin/env bash
# test_asm.sh - run the assembly-core test images in simavr (TAP on stdout):
# the ATmega328P image (10,000 random pairs) and the ATmega2560 one (1,000).
# The seed varies per run (printed) so repeated runs cover new cases; set
# ASM_SEED to replay one. Needs `make test` to have built images and runner.
set -u
b=${BUILD:-build}
seed=${ASM_SEED:-$(( $(date +%s) % 256 ))}
rc=0
"$b/host/test/asm_sim" --seed "$seed" "$b/asm-test/asm_diff.elf" | sed 's/^\(\(not \)\?ok\) [0-9]*/\1/' || rc=1
"$b/host/test/asm_sim" --seed "$seed" --mcu atmega2560 "$b/asm-test/asm_diff_2560.elf" |
	sed 's/^\(\(not \)\?ok\) [0-9]*/\1 (atmega2560)/' || rc=1
exit $rc
