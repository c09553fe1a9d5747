#!/usr/bin/env bash
# slave-io.sh - the master's bus layer against ducosim running the real firmware.
#
# Starts one ducosim (two nano slaves at 0x08/0x09, as fast as possible) on a
# socket in a temp dir, then runs build/host/test/test_slave_io over the sim
# backend and again over the i2cdev backend with the LD_PRELOAD stand-in for
# /dev/i2c-N (so the backend's real ioctls carry the frames), checks i2c-tools'
# own i2ctransfer through the same stand-in, and drives ducoctl end to end.
# Prints TAP with one running count; stops ducosim by pid on every exit.
set -u
BUILD=${BUILD:-build}
H=$BUILD/host
FW=${FW:-$BUILD/avr-nano/firmware.elf}
SHIM=$H/libducoi2cshim.so
DEV=/dev/i2c-77                 # never a real node: only the stand-in knows it

. "$(dirname "$0")/../lib/tap.sh"
tap_workdir ducorig-mbus
tmp=$T

for f in "$H/ducosim" "$H/test/test_slave_io" "$H/ducoctl" "$SHIM" "$FW"; do
	if [ ! -e "$f" ]; then
		ok 1 "missing $f (make test builds it)"
		tap_done; exit
	fi
done

sock=$tmp/bus.sock
spawn "$H/ducosim" --firmware "$FW" --count 2 --first-addr 0x08 --socket "$sock" --fast \
	>"$tmp/sim.out" 2>"$tmp/sim.err"
sim_pid=$SPAWNED
wait_for "$tmp/sim.out" '^ready ' 30 "$sim_pid"; ok $? "ducosim with 2 firmware slaves ready on $sock"
if ! grep -q '^ready ' "$tmp/sim.out"; then
	sed 's/^/# ducosim: /' "$tmp/sim.err" | head -20
	tap_done; exit
fi

echo "# --- slave_io over the sim backend"
tap_run "" "$H/test/test_slave_io" --bus "sim:$sock" --ctl "sim:$sock" --backend sim
ok $? "test_slave_io (sim backend) exit status"

echo "# --- slave_io over the i2cdev backend, real ioctls, LD_PRELOAD stand-in for $DEV"
tap_run "" env LD_PRELOAD="$SHIM" DUCORIG_I2C_SHIM="$DEV=$sock" \
	"$H/test/test_slave_io" --bus "$DEV" --ctl "sim:$sock" --backend i2cdev
ok $? "test_slave_io (i2cdev backend via $SHIM) exit status"

echo "# --- partial I2C_RDWR transfers through the stand-in"
tap_run "" env LD_PRELOAD="$SHIM" DUCORIG_I2C_SHIM="$DEV=$sock" DUCORIG_I2C_SHIM_PARTIAL=2 \
	"$H/test/test_slave_io" --bus "$DEV" --ctl "sim:$sock" --backend i2cdev --only partial
ok $? "test_slave_io --only partial exit status"

echo "# --- slave_io over the sim backend, ducosim in real time"
rsock=$tmp/rt.sock
spawn "$H/ducosim" --firmware "$FW" --count 2 --first-addr 0x08 --socket "$rsock" \
	>"$tmp/rt.out" 2>"$tmp/rt.err"
rt_pid=$SPAWNED
wait_for "$tmp/rt.out" '^ready ' 30 "$rt_pid"
tap_run "" "$H/test/test_slave_io" --bus "sim:$rsock" --ctl "sim:$rsock" --backend sim
rc=$?
stop_pid "$rt_pid"
ok $rc "test_slave_io (sim backend, real time) exit status"

echo "# --- the stand-in seen by i2c-tools"
if command -v i2ctransfer >/dev/null; then
	# IDENTIFY frame (03 00 crc) then a 32-byte read: the identity of 0x08.
	out=$(LD_PRELOAD=$SHIM DUCORIG_I2C_SHIM="$DEV=$sock" i2ctransfer -y 77 w3@0x08 0x03 0x00 0x3f r32 2>&1)
	set -- $out
	# status: state idle/.., reject clear; len 28 (0x1c); body[0] protocol 2; address 0x08 at 3+26
	[ $# -eq 32 ] && [ $(( ${1} & 0x08 )) -eq 0 ] && [ "$3" = 0x1c ] && [ "$4" = 0x02 ] && [ "${30}" = 0x08 ]
	ok $? "i2ctransfer through the stand-in: IDENTIFY + 32-byte read returns the identity (${out:0:40}...)"
	out=$(LD_PRELOAD=$SHIM DUCORIG_I2C_SHIM="$DEV=$sock" i2ctransfer -y 77 r1@0x33 2>&1)
	[ $? -ne 0 ]; ok $? "i2ctransfer to an empty address fails like on a real bus ($out)"
else
	skip "i2ctransfer" "i2c-tools not installed"
fi

echo "# --- ducoctl"
out=$("$H/ducoctl" --bus "sim:$sock" scan 2>&1); rc=$?
echo "$out" | sed 's/^/#   /'
[ $rc -eq 0 ] && echo "$out" | grep -q '^0x08 .*DUCOID' && echo "$out" | grep -q '^0x09 .*DUCOID' &&
	echo "$out" | grep -q '^2 addresses answer, 2 identified, 0 failed: 0x08 0x09'
ok $? "ducoctl scan lists 0x08 and 0x09 with identity"

out=$("$H/ducoctl" --bus "sim:$sock" scan --json 2>&1); rc=$?
echo "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
s = d["slaves"]
sys.exit(0 if [x["addr"] for x in s] == [8, 9] and all(x["identified"] and x["reports_addr"] == x["addr"]
         and x["f_cpu"] == 16000000 for x in s) and d["bus_errors"] == 0 else 1)'
prc=$?
[ $rc -eq 0 ] && [ $prc -eq 0 ]; ok $? "ducoctl scan --json: valid JSON, both slaves identified"

out=$(LD_PRELOAD=$SHIM DUCORIG_I2C_SHIM="$DEV=$sock" "$H/ducoctl" --bus "$DEV" scan 2>&1); rc=$?
[ $rc -eq 0 ] && echo "$out" | grep -q '^2 addresses answer, 2 identified'
ok $? "ducoctl scan over $DEV (i2cdev backend, stand-in)"

out=$("$H/ducoctl" --bus "sim:$sock" job 0x09 ba29a15896fd2d792d5c4b60668bf2b9feebc51d,d0beba883d7e8cd119ea2b0e09b78f60f29e0968,10 2>&1); rc=$?
echo "$out" | sed 's/^/#   /'
[ $rc -eq 0 ] && echo "$out" | grep -q 'found nonce 50$' && echo "$out" | grep -q 'nonce verified'
ok $? "ducoctl job: nonce 50 found, verified on the host"
# ducoctl job takes its result off the board: HEALTH answers next (it
# stays behind a kept result, and said "bus timeout" while job left it)
out=$("$H/ducoctl" --bus "sim:$sock" health 0x09 2>&1); rc=$?
echo "$out" | sed 's/^/#   /'
[ $rc -eq 0 ] && grep -q '^uptime:' <<<"$out"
ok $? "ducoctl health right after ducoctl job on the same board (rc $rc)"

out=$("$H/ducoctl" --bus "sim:$sock" job 0x09 ba29a15896fd2d792d5c4b60668bf2b9feebc51d,d0beba883d7e8cd119ea2b0e09b78f60f29e0968,0 2>&1); rc=$?
[ $rc -eq 2 ]; ok $? "ducoctl job with diff 0 is a usage error (rc $rc)"
out=$("$H/ducoctl" --bus "sim:$sock" scan --timeout 5 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q -- '--timeout is not an option of scan' <<<"$out"
ok $? "ducoctl: an option of another command is refused by name (rc $rc: $out)"
out=$("$H/ducoctl" --bus "sim:$sock" identify 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q 'identify takes 1 argument' <<<"$out"
ok $? "ducoctl: a missing argument is named (rc $rc: $out)"
out=$("$H/ducoctl" scan --first 0x7f --bus "sim:$sock" 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q -- "--first: '0x7f' out of range" <<<"$out"
ok $? "ducoctl: options after the command, values checked against their bounds (rc $rc)"

out=$("$H/ducoctl" --bus "sim:$sock" identify 0x08 2>&1); rc=$?
[ $rc -eq 0 ] && echo "$out" | grep -q '^address: *0x08 (reports 0x08)'
ok $? "ducoctl identify 0x08"

out=$("$H/ducoctl" --bus "sim:$sock" set-addr 0x09 0x08 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q 'already answers'
ok $? "ducoctl set-addr onto a used address is refused ($out)"

out=$("$H/ducoctl" --bus "sim:$sock" set-addr 0x09 0x31 2>&1) &&
	out2=$("$H/ducoctl" --bus "sim:$sock" scan --probe-only 2>&1) &&
	"$H/ducoctl" --bus "sim:$sock" set-addr 0x31 0x09 >/dev/null 2>&1
rc=$?
[ $rc -eq 0 ] && echo "$out2" | grep -q '^0x31 ' && ! echo "$out2" | grep -q '^0x09 '
ok $? "ducoctl set-addr 0x09 -> 0x31 shows in a probe scan, and back"

out=$("$H/ducoctl" --bus "sim:$sock" reset 0x08 2>&1); rc=$?
[ $rc -eq 0 ] && echo "$out" | grep -q 'reset cause .*watchdog'
ok $? "ducoctl reset 0x08 ($out)"

out=$("$H/ducoctl" --bus "sim:$sock" scan --first 0x40 --last 0x50 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q 'no slave answered'
ok $? "ducoctl scan of an empty range says so, exit 1"

out=$("$H/ducoctl" --bus /dev/null scan 2>&1); rc=$?
[ $rc -eq 3 ] && echo "$out" | grep -q 'not an I2C adapter'
ok $? "ducoctl on /dev/null: clear error, exit 3 ($out)"

out=$("$H/ducoctl" --bus "sim:$tmp/nothing.sock" scan 2>&1); rc=$?
[ $rc -eq 3 ] && echo "$out" | grep -q 'is ducosim running'
ok $? "ducoctl on a socket nobody serves: clear error, exit 3"

# monitor: a slave that goes silent and comes back is reported both times;
# each step waits for the monitor's line about the one before.
spawn "$H/ducoctl" --bus "sim:$sock" monitor --interval 30 >"$tmp/mon" 2>&1
mon_pid=$SPAWNED
wait_for "$tmp/mon" ' 0x09 answers' 30 "$mon_pid"
"$H/ducoctl" --bus "sim:$sock" fault 0x09 silent >/dev/null; rc1=$?
wait_for "$tmp/mon" ' 0x09 GONE' 30 "$mon_pid"
"$H/ducoctl" --bus "sim:$sock" fault 0x09 clear >/dev/null; rc2=$?
wait_for "$tmp/mon" ' 0x09 back$' 30 "$mon_pid"
stop_pid "$mon_pid"; rc=$?
sed 's/^/#   /' "$tmp/mon"
[ $rc1 -eq 0 ] && [ $rc2 -eq 0 ]; ok $? "ducoctl fault silent / clear on the sim bus"
[ $rc -eq 0 ] && grep -q ' 0x09 GONE: no answer' "$tmp/mon" && grep -q ' 0x09 back$' "$tmp/mon" &&
	grep -q '0x09 answered .* dropped out 1 time$' "$tmp/mon" &&
	grep -Eq '0x08 answered ([0-9]+) of \1 probes .* dropped out 0 times$' "$tmp/mon"
ok $? "ducoctl monitor reports 0x09 gone and back, 0x08 steady"

out=$(LD_PRELOAD=$SHIM DUCORIG_I2C_SHIM="$DEV=$sock" "$H/ducoctl" --bus "$DEV" fault 0x09 nack 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$out" | grep -q 'needs a simulated bus'
ok $? "ducoctl fault on an i2cdev bus: refused, exit 2"

kill -0 "$sim_pid" 2>/dev/null; ok $? "ducosim still running at the end (no crash)"

# The sim backend reconnects: ducosim restarted under a running monitor.
csock=$tmp/restart.sock
start_one() {
	spawn "$H/ducosim" --firmware "$FW" --count 1 --first-addr 0x08 --socket "$csock" --fast \
		>"$tmp/c$1.out" 2>&1
	c_pid=$SPAWNED
	wait_for "$tmp/c$1.out" '^ready ' 30 "$c_pid"
}
start_one 1
spawn "$H/ducoctl" --bus "sim:$csock" monitor --interval 30 >"$tmp/mon2" 2>&1
mon_pid=$SPAWNED
wait_for "$tmp/mon2" ' 0x08 answers' 30 "$mon_pid"
stop_pid "$c_pid"
wait_for "$tmp/mon2" ' 0x08 GONE' 30 "$mon_pid"
start_one 2; started=$?
wait_for "$tmp/mon2" ' 0x08 back$' 30 "$mon_pid"
stop_pid "$mon_pid"; rc=$?
stop_pid "$c_pid"
sed 's/^/#   /' "$tmp/mon2"
[ $started -eq 0 ] && [ $rc -eq 0 ] && grep -q ' 0x08 GONE' "$tmp/mon2" && grep -q ' 0x08 back$' "$tmp/mon2"
ok $? "sim backend reconnects after ducosim restarts (monitor sees 0x08 gone and back)"
tap_done
