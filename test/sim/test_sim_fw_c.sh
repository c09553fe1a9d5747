#!/usr/bin/env bash
# test_sim_fw_c.sh - the firmware's C hashing core, whole, in the simulator.
#
# Every board ships the assembly core, so the C core (the reference, and the
# core for boards without the flash for the unrolled code) would otherwise
# only be tested at the function level. `make test` builds the nano image on
# the C core (build/avr-nano-c, test/fw/module.mk); this runs the same
# firmware-in-simulator tests against it. TAP on stdout.
set -u
. "$(dirname "$0")/../lib/tap.sh"
B=${BUILD:-build}
elf=$B/avr-nano-c/firmware.elf
[ -s "$elf" ]; ok $? "the nano image on the C core is built ($elf)"
# The identity read must say which core runs, so this cannot pass on the asm image.
tap_run "" env DUCOSIM_TEST_ELF="$elf" DUCOSIM_EXPECT_HASH=c "$B/host/test/test_sim_fw"
tap_done
