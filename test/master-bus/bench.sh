#!/usr/bin/env bash
# bench.sh - per-call cost of the master's bus operations (make bench).
#
# One ducosim in real time (wall time per call = bus time + overhead) and one
# as fast as possible (overhead of the backend alone), each measured over the
# sim backend and over the i2cdev backend through the LD_PRELOAD stand-in.
# Prints one JSON line per run; stops every ducosim it starts by pid.
set -u
BUILD=${BUILD:-build}
H=$BUILD/host
FW=${FW:-$BUILD/avr-nano/firmware.elf}
tmp=$(mktemp -d /tmp/ducorig-mbench.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
start_sim() {   # start_sim <name> [--fast]
	"$H/ducosim" --firmware "$FW" --count 1 --first-addr 0x08 --socket "$tmp/$1.sock" "${@:2}" \
		>"$tmp/$1.out" 2>&1 &
	pids+=($!)
	for _ in $(seq 1 200); do
		grep -q '^ready ' "$tmp/$1.out" && return 0
		sleep 0.05
	done
	echo "bench.sh: ducosim $1 did not start" >&2
	return 1
}
start_sim realtime || exit 1
start_sim fast --fast || exit 1
rc=0
for mode in realtime fast; do
	sock=$tmp/$mode.sock
	"$H/test/bench_bus" --bus "sim:$sock" --label "sim-$mode" || rc=1
	LD_PRELOAD=$H/libducoi2cshim.so DUCORIG_I2C_SHIM="/dev/i2c-77=$sock" \
		"$H/test/bench_bus" --bus /dev/i2c-77 --label "i2cdev-shim-$mode" || rc=1
done
exit $rc
