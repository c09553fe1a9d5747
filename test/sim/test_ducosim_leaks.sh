#!/usr/bin/env bash
# test_ducosim_leaks.sh - ducosim frees everything it allocated at exit.
#
# Each simulated AVR is a simavr core (about 23 KB), its IRQ tables, hooks
# and the ELF image's sections and symbols; ducosim used to leave all of
# them behind (some 30 KB per firmware slave). Runs ducosim under valgrind's
# memcheck, leaks of every kind counted as errors: a rig of two firmware
# copies and a model slave that a client scans and one chip of which is
# reset by a fault, stopped by SIGTERM; and a one-shot job. Under the
# sanitizer build (DUCORIG_SANITIZE set) valgrind cannot run the binaries;
# LeakSanitizer checks the same exits in every test there. TAP on stdout.
set -u
B=${BUILD:-build}
. "$(dirname "$0")/../lib/tap.sh"
tap_workdir ducorig-sim-leaks
tmp=$T

if [ -n "${DUCORIG_SANITIZE:-}" ]; then
	skip "ducosim leaks nothing at exit" "sanitizer build: LeakSanitizer checks every exit"
	tap_done
	exit
fi
vg=(valgrind -q --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all
    --error-exitcode=99 --log-file="$tmp/vg.%p")

spawn "${vg[@]}" "$B/host/ducosim" --firmware "$B/avr-nano/firmware.elf" --count 2 \
	--model-slaves 1 --fault 0x09,reset,0,50 --socket "$tmp/sim.sock" --fast \
	>"$tmp/sim.out" 2>"$tmp/sim.err"
pid=$SPAWNED
wait_for "$tmp/sim.out" '^ready' 120 "$pid"; ok $? "ducosim under valgrind is ready"
n=$("$B/host/ducoctl" --bus "sim:$tmp/sim.sock" scan --json 2>"$tmp/scan.err" |
	python3 -c 'import json,sys; print(len(json.load(sys.stdin)["slaves"]))' 2>/dev/null)
[ "${n:-0}" -eq 3 ]; ok $? "a client scans its 3 slaves (${n:-none})"
stop_pid "$pid"
rc=$?
[ "$rc" -eq 0 ]; ok $? "rig run: valgrind reports no leak and no memory error at exit (status $rc)"
[ "$rc" -eq 0 ] || sed 's/^/# /' "$tmp"/vg.* | grep -E 'lost|Invalid|at 0x|by 0x' | head -30

last=ba29a15896fd2d792d5c4b60668bf2b9feebc51d
exp=$(printf '%s%s' "$last" 25 | sha1sum | cut -c1-40)
out=$("${vg[@]}" "$B/host/ducosim" --firmware "$B/avr-nano/firmware.elf" \
	--job "$last,$exp,1" --json 2>"$tmp/oneshot.err")
rc=$?
[ "$rc" -eq 0 ] && [[ $out == *'"nonce":25'* ]]
ok $? "one-shot job: found, and valgrind reports no leak at exit (status $rc)"
tap_done
