#!/usr/bin/env bash
# test_ducoid.sh - every simulated chip reports its own signature-row serial.
#
# The firmware reads its DUCOID with boot_signature_byte_get (SPMCSR SIGRD +
# LPM); ducosim models that read. Three firmware slaves must report three
# different DUCOIDs, none of them the flash bytes under the signature window
# (what an unmodelled read returns), and a slave must keep its DUCOID across a
# reset, as a real chip does. TAP on stdout.
set -u
B=${BUILD:-build}
. "$(dirname "$0")/../lib/tap.sh"
tap_workdir ducorig-ducoid
tmp=$T

spawn "$B/host/ducosim" --firmware "$B/avr-nano/firmware.elf" --count 3 --first-addr 0x08 \
	--socket "$tmp/sim.sock" --fast >"$tmp/sim.out" 2>"$tmp/sim.err"
wait_for "$tmp/sim.out" '^ready' 30 "$SPAWNED"; ok $? "ducosim with 3 firmware slaves is ready"

ids() { "$B/host/ducoctl" --bus "sim:$tmp/sim.sock" scan --json |
	python3 -c 'import json,sys; print(" ".join(s["ducoid"] for s in json.load(sys.stdin)["slaves"] if s.get("identified")))'; }
first=$(ids)
echo "# DUCOIDs: $first"
set -- $first
[ $# -eq 3 ]; ok $? "three slaves identified"
[ "$(printf '%s\n' "$@" | sort -u | wc -l)" -eq 3 ]; ok $? "three different DUCOIDs"
flash=$(avr-objcopy -O binary -j .text "$B/avr-nano/firmware.elf" "$tmp/flash.bin" &&
	python3 -c 'import sys; b=open(sys.argv[1],"rb").read(); print("DUCOID"+(b[0x0f:0x14]+b[0x15:0x18]).hex().upper())' "$tmp/flash.bin")
case " $first " in *" $flash "*) r=1 ;; *) r=0 ;; esac
ok $r "no DUCOID is the flash under the signature window ($flash)"
for id in "$@"; do [[ $id =~ ^DUCOID[0-9A-F]{16}$ ]] || r=1; done
ok "${r:-0}" "every DUCOID is DUCOID + 16 uppercase hex digits"
"$B/host/ducoctl" --bus "sim:$tmp/sim.sock" reset 0x09 >/dev/null 2>&1
ok $? "slave 0x09 resets"
[ "$(ids)" = "$first" ]; ok $? "DUCOIDs are the same after the reset"
tap_done
