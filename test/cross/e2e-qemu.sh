#!/usr/bin/env bash
# e2e-qemu.sh - the cross-built ducomaster end to end under qemu-user. TAP.
#
# The Pi's binaries (CROSS_HOST: build/cross-<arch>/host, made by
# test/cross/run.sh) run under CROSS_QEMU (e.g. "qemu-aarch64 -L
# /usr/aarch64-linux-gnu"); the rig around them is this machine's:
# ducopool and ducosim with two copies of the real nano firmware from the
# native build ($BUILD/host, $BUILD/avr-nano). Two runs, each until its job
# log holds enough shares, then SIGTERM (qemu passes it on): through the sim backend, and
# through the i2cdev backend's real ioctls with the cross-built /dev/i2c
# stand-in preloaded into the emulated process (qemu -E, so qemu itself
# does not load it). Loopback only, ports from the kernel (the second run
# without the HTTP side, not on its default 9550), children stopped by pid.
set -u
. "$(dirname "$0")/../lib/tap.sh"
B=${BUILD:-build}/host
FW=${BUILD:-build}/avr-nano/firmware.elf
X=${CROSS_HOST:?CROSS_HOST: the host folder of the cross build}
read -r -a QEMU <<<"${CROSS_QEMU:?CROSS_QEMU: the qemu-user command}"
tap_workdir ducorig-qemu
DEADLINE=${E2E_DEADLINE:-180}

file -b "$X/ducomaster" | grep -q "${CROSS_FILE_RE:-.}"
ok $? "ducomaster is the cross build ($(file -b "$X/ducomaster" | cut -d, -f1-2))"
"${QEMU[@]}" "$X/ducomaster" --version | grep -q '^ducomaster '
ok $? "ducomaster --version under ${QEMU[0]}"

spawn "$B/ducopool" --listen 127.0.0.1:0 --block-chance 0 --seed 7 >"$T/pool.out" 2>"$T/pool.err"
pool_pid=$SPAWNED
wait_for "$T/pool.out" '^listening on' 30 "$pool_pid"
pool=$(sed -n 's/^listening on //p' "$T/pool.out")
spawn "$B/ducosim" --firmware "$FW" --count 2 --first-addr 0x08 --socket "$T/sim.sock" \
	>"$T/sim.out" 2>"$T/sim.err"
sim_pid=$SPAWNED
wait_for "$T/sim.out" '^ready' 30 "$sim_pid"
[ -n "$pool" ] && grep -q '^ready' "$T/sim.out"; ok $? "native ducopool ($pool) and ducosim (2 firmware slaves) up"

rows() { cat "$1" 2>/dev/null | grep -c '"verdict":'; }
# run_until <n> <joblog> <pid>: until n jobs are logged or the master ends.
enough() { [ "$(rows "$2")" -ge "$1" ] || ! kill -0 "$3" 2>/dev/null; }
run_until() {
	wait_until "$DEADLINE" enough "$@"
	stop_pid "$3"
}
all_good() {
	python3 - "$1" "$2" <<'PY'
import json, sys
rows = [x for x in map(json.loads, open(sys.argv[1])) if 'type' not in x]
sys.exit(0 if len(rows) >= int(sys.argv[2]) and all(r["verdict"] == "GOOD" for r in rows)
         and len({r["slave"] for r in rows}) == 2 else 1)
PY
}

# the HTTP side (lib/http on the target's libmicrohttpd) answers under qemu
http_ok() {
	python3 - "$1" <<'PY'
import json, sys, urllib.request
base = "http://" + sys.argv[1]
try:
    st = json.load(urllib.request.urlopen(base + "/api/status", timeout=5))
    m = urllib.request.urlopen(base + "/metrics", timeout=5).read().decode()
except (OSError, ValueError):
    sys.exit(1)
sys.exit(0 if len(st["boards"]) == 2 and st["summary"]["good"] >= 1 and
         "ducorig_shares_total{" in m else 1)
PY
}
spawn "${QEMU[@]}" "$X/ducomaster" --pool "$pool" --bus "sim:$T/sim.sock" --slaves 0x08,0x09 \
	--user ducorig-cross --joblog "$T/job1.log" --log "$T/m1.log" --no-table \
	--http 127.0.0.1:0 >"$T/m1.out" 2>&1
m1=$SPAWNED
wait_for "$T/m1.log" 'http: serving on' "$DEADLINE" $m1
haddr=$(sed -n 's/.*http: serving on \([^ ]*\).*/\1/p' "$T/m1.log")
wait_until "$DEADLINE" http_ok "$haddr"; ok $? "HTTP side under qemu: /api/status and /metrics on $haddr"
run_until 6 "$T/job1.log" $m1; rc=$?
ok $rc "sim backend: exit 0 on SIGTERM"
all_good "$T/job1.log" 6; ok $? "sim backend: $(rows "$T/job1.log") jobs from both slaves, all GOOD"
grep -q '=== ducomaster summary' "$T/m1.out"; ok $? "summary printed at the end"

spawn "${QEMU[@]}" -E DUCORIG_I2C_SHIM="/dev/i2c-7=$T/sim.sock" -E LD_PRELOAD="$PWD/$X/libducoi2cshim.so" \
	"$X/ducomaster" --pool "$pool" --bus /dev/i2c-7 --slaves scan --http "" \
	--user ducorig-cross --joblog "$T/job2.log" --log "$T/m2.log" --no-table >"$T/m2.out" 2>&1
run_until 4 "$T/job2.log" $SPAWNED; rc=$?
ok $rc "i2cdev backend through the stand-in: exit 0 on SIGTERM"
grep -q "scan found 2 slave" "$T/m2.log"; ok $? "scan over /dev/i2c-7 finds the 2 firmware slaves"
all_good "$T/job2.log" 4; ok $? "i2cdev backend: $(rows "$T/job2.log") jobs from both slaves, all GOOD"
[ $tap_failed -eq 0 ] || { diag "$(tail -5 "$T/m1.log" "$T/m2.log" 2>/dev/null)"; }
stop_pid "$sim_pid"; stop_pid "$pool_pid"
tap_done
