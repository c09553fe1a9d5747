#!/usr/bin/env bash
# test_sim_fw_c.sh - the firmware's C hashing core, whole, in the simulator.
#
# Every board ships the assembly core, so the C core (the reference, and the
# fallback for boards without the flash for the unrolled code) would otherwise
# only be tested at the function level. Build a nano image with HASH_IMPL=c
# out of tree and run the same firmware-in-simulator tests against it.
set -u
B=${BUILD:-build}
out=$B/c-core
if ! make -s --no-print-directory BUILD="$out" firmware-nano nano.HASH_IMPL=c >"$B/c-core.log" 2>&1; then
	echo "not ok 1 - build the nano image with the C core"
	sed 's/^/# /' "$B/c-core.log" | tail -20
	exit 1
fi
echo "ok - build the nano image with the C core ($out/avr-nano/firmware.elf)"
# The identity read must say which core runs, so this cannot pass on the asm image.
DUCOSIM_TEST_ELF=$out/avr-nano/firmware.elf DUCOSIM_EXPECT_HASH=c exec "$B/host/test/test_sim_fw"
