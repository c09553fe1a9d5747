#!/usr/bin/env bash
# check.sh - what the README's Pi steps ask of ducomaster before the service
# runs. TAP. --check-config on the sample as installed flags the placeholder
# user (exit 2); another user than the service's is told to use sudo -u; the config's permission warning agrees with the install
# (0640 quiet, world-readable warned, with advice that keeps the service's
# group); --check against a rig (ducopool + ducosim with two copies of the
# nano firmware, loopback) exits 0 once both boards have a job, prints no
# summary; --check with the pool port closed exits 3 naming the boards,
# after 2 x job_timeout_s (set to 1 s here); --check on a bus without boards
# exits 3; a job log that cannot be opened is a start-up failure that says
# how to get on. Children stopped by pid.
set -u
. "$(dirname "$0")/../lib/tap.sh"
B=${BUILD:-build}/host
FW=${BUILD:-build}/avr-nano/firmware.elf
M=$B/ducomaster
tap_workdir ducomaster-check

cp master/ducomaster.sample.json "$T/cfg.json"
chmod 0640 "$T/cfg.json"
out=$("$M" --config "$T/cfg.json" --check-config 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q "user: still the sample's placeholder 'your_duco_username'" <<<"$out"
ok $? "--check-config on the sample flags the placeholder user (exit $rc)"
! grep -q warning <<<"$out"; ok $? "config 0640 (as installed): no permission warning"
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	# Another user than the service's, as the pi user is: the file is not theirs to read.
	chmod 0755 "$T"
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$M" --config "$T/cfg.json" --check-config 2>&1); rc=$?
	[ $rc -eq 2 ] && grep -q "Permission denied (readable by the service's group: sudo -u ducorig" <<<"$out"
	ok $? "another user: Permission denied, and how to run it as the service user (exit $rc)"
else
	skip "another user's Permission denied" "needs root and setpriv"
fi
sed -i 's/your_duco_username/alice/' "$T/cfg.json"
chmod 0644 "$T/cfg.json"
out=$("$M" --config "$T/cfg.json" --check-config 2>&1); rc=$?
[ $rc -eq 0 ] && grep -q "readable by every user.*chmod o-r.*0640" <<<"$out" && ! grep -q "chmod 600" <<<"$out"
ok $? "config 0644: warned, with advice that keeps the service's group read (exit $rc)"

spawn "$B/ducopool" --listen 127.0.0.1:0 --block-chance 0 --seed 3 >"$T/pool.out" 2>"$T/pool.err"
pool_pid=$SPAWNED
wait_for "$T/pool.out" '^listening on' 30 "$pool_pid"
pool=$(sed -n 's/^listening on //p' "$T/pool.out")
spawn "$B/ducosim" --firmware "$FW" --count 2 --first-addr 0x08 --socket "$T/sim.sock" >"$T/sim.out" 2>"$T/sim.err"
sim_pid=$SPAWNED
wait_for "$T/sim.out" '^ready' 30 "$sim_pid"
spawn "$B/ducosim" --firmware "$FW" --count 0 --first-addr 0x08 --socket "$T/empty.sock" >"$T/empty.out" 2>"$T/empty.err"
empty_pid=$SPAWNED
wait_for "$T/empty.out" '^ready' 30 "$empty_pid"

chmod 0640 "$T/cfg.json"
# --http "": --check opens no HTTP side, and a run that did should not take
# the default port (9550) from a ducomaster of this machine.
common=(--config "$T/cfg.json" --slaves scan --no-table --set job_timeout_s=1
	--joblog "$T/job.log" --metrics "" --http "")
out=$(timeout 60 "$M" "${common[@]}" --pool "$pool" --bus "sim:$T/sim.sock" --check-config --check 2>&1); rc=$?
[ $rc -eq 0 ] && grep -q "configuration OK" <<<"$out" &&
	grep -q "check: 2 board(s), each received a job from the pool $pool: OK" <<<"$out" &&
	! grep -q "ducomaster summary" <<<"$out"
ok $? "--check-config --check: config printed, both boards got a job, exit 0, no summary (exit $rc)"

# A port nothing listens on: bound and closed again.
dead=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
t0=$(date +%s)
out=$(timeout 60 "$M" "${common[@]}" --pool "127.0.0.1:$dead" --bus "sim:$T/sim.sock" --check 2>&1); rc=$?
secs=$(( $(date +%s) - t0 ))
[ $rc -eq 3 ] && [ "$(grep -c 'check: .*0x0[89] has no job from the pool after 2 s' <<<"$out")" -eq 2 ] && [ $secs -lt 20 ]
ok $? "--check with the pool unreachable: exit 3 naming both boards after 2 x job_timeout_s (exit $rc, ${secs} s)"
out=$(timeout 60 "$M" "${common[@]}" --pool "$pool" --bus "sim:$T/empty.sock" --check 2>&1); rc=$?
[ $rc -eq 3 ]; ok $? "--check on a bus without boards: exit 3 ($(grep -m1 -o 'no slave[^"]*' <<<"$out"))"
out=$(timeout 60 "$M" "${common[@]}" --pool "$pool" --bus "sim:$T/sim.sock" --joblog "$T/no/such/dir/j" --check 2>&1); rc=$?
[ $rc -eq 3 ] && grep -q "joblog $T/no/such/dir/j: No such file or directory (run as the service user" <<<"$out"
ok $? "a job log folder that is missing: exit 3, and the way on (exit $rc)"
tap_done
