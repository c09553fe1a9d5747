#!/usr/bin/env bash
# test_asm.sh - run the assembly-core test image in simavr (TAP on stdout).
# The seed varies per run (printed) so repeated runs cover new cases; set
# ASM_SEED to replay one. Needs `make test` to have built the image+runner.
set -u
b=${BUILD:-build}
seed=${ASM_SEED:-$(( $(date +%s) % 256 ))}
exec "$b/host/test/asm_sim" --seed "$seed" "$b/asm-test/asm_diff.elf"
