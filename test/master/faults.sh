#!/usr/bin/env bash
# faults.sh - ducomaster under faults and bad input, end to end on loopback:
# the configuration refusing what would break the pool protocol or the job
# log (non-finite numbers, control characters and commas in fields sent to
# the pool, trailing text, NUL, over-long values), a SIGHUP whose reopen
# fails keeping the old files, and the short fault suite (faults.py-style
# runs of ducopool + ducosim model slaves + ducomaster with the faults of
# docs/ducomaster.md "Recovery"). TAP on stdout. Binds 127.0.0.1 only (the
# master's HTTP side off, --http "", not on its fixed default port), every
# child stopped by pid; every run ends on an event with a deadline.
set -u
. "$(dirname "$0")/../lib/tap.sh"
B=${BUILD:-build}/host
tap_workdir ducomaster-faults
DEADLINE=${FAULTS_DEADLINE:-60}

# check <expect: ok|refused> <text> <ducomaster args...>: --check-config verdict
check() {
	local want=$1 text=$2 rc
	shift 2
	"$B/ducomaster" --bus sim:/nowhere --pool 127.0.0.1:1 --check-config "$@" \
		>"$T/check.out" 2>&1
	rc=$?
	if [ "$want" = ok ]; then
		ok $rc "$text"
	else
		[ $rc -eq 2 ]; ok $? "$text: refused, exit 2 ($(head -c 100 "$T/check.out" | tr '\n' ' '))"
	fi
}

# --- configuration ------------------------------------------------------
check refused "slave_limits max nan" --user u --set slave_limits=0x08=nan
check refused "slave_limits margin nan" --user u --set slave_limits=0x08=300/nan
check refused "slave_limits max inf" --user u --set slave_limits=0x08=inf
check refused "max_hashrate nan" --user u --max-hashrate nan
check refused "newline in user" --user "$(printf 'u\nx')"
check refused "newline in rig_id" --user u --rig "$(printf 'r\nx')"
check refused "tab in software" --user u --set "software=$(printf 'ducorig AVR I2C\tx')"
check refused "comma in rig_id" --user u --rig "a,b"
check refused "newline in mining_key" --user u --key "$(printf 'k\nx')"
check ok "a plain config passes" --user u --rig "rig-1" --key "k3y"
printf '{"user": "u"} x' >"$T/trail.json"
check refused "text after the JSON object" --config "$T/trail.json"
printf '{"user": "u\\u0000x"}' >"$T/nul.json"
check refused "NUL inside a string" --config "$T/nul.json"
printf '{"user": "u\\nJOB"}' >"$T/nl.json"
check refused "escaped newline inside user in a file" --config "$T/nl.json"
printf '{"user": "%s"}' "$(head -c 300 /dev/zero | tr '\0' a)" >"$T/long.json"
"$B/ducomaster" --bus sim:/nowhere --pool 127.0.0.1:1 --check-config --config "$T/long.json" \
	>"$T/long.out" 2>&1
grep -q "longer than" "$T/long.out" && ! grep -qi "type" "$T/long.out"
ok $? "an over-long value is said to be too long, not a wrong type ($(head -c 100 "$T/long.out"))"

# --- SIGHUP whose reopen fails --------------------------------------------
spawn "$B/ducopool" --listen 127.0.0.1:0 --block-chance 0 --seed 7 >"$T/pool.out" 2>"$T/pool.err"
POOL=$SPAWNED
wait_for "$T/pool.out" '^listening on' 30 $POOL
PADDR=$(sed -n 's/^listening on //p' "$T/pool.out")
spawn "$B/ducosim" --socket "$T/sim.sock" --model-slaves 1 --model-hashrate 300 --fast \
	>"$T/sim.out" 2>"$T/sim.err"
SIM=$SPAWNED
wait_for "$T/sim.out" '^ready' 30 $SIM
spawn "$B/ducomaster" --http "" --pool "$PADDR" --bus "sim:$T/sim.sock" --slaves 0x08 --user faults \
	--log "$T/m.log" --joblog "$T/j.log" --no-table --set job_timeout_s=5 >"$T/m.out" 2>&1
M=$SPAWNED
rows() { cat "$@" 2>/dev/null | grep -c '"verdict":'; }
rows_ge() { local n=$1; shift; [ "$(rows "$@")" -ge "$n" ]; }
wait_until "$DEADLINE" rows_ge 2 "$T/j.log"; ok $? "master mining (2 job records)"
mv "$T/m.log" "$T/m.log.1"; mv "$T/j.log" "$T/j.log.1"
mkdir "$T/m.log" "$T/j.log"   # a directory: the reopen must fail
before=$(rows "$T/j.log.1")
kill -HUP $M
wait_for "$T/m.log.1" 'cannot reopen the log' 10 $M
ok $? "failed reopen of the log is said (in the old log file)"
grep -q 'cannot reopen the job log' "$T/m.log.1"; ok $? "failed reopen of the job log is said"
! grep -q 'log files reopened' "$T/m.log.1"; ok $? "no claim that the files were reopened"
wait_until "$DEADLINE" rows_ge $((before + 2)) "$T/j.log.1"
ok $? "job records keep going to the old job log ($(rows "$T/j.log.1") > $before)"
rmdir "$T/m.log" "$T/j.log"
kill -HUP $M
wait_for "$T/m.log" 'log files reopened' 10 $M; ok $? "a later SIGHUP that works reopens both"
wait_until "$DEADLINE" rows_ge 1 "$T/j.log"; ok $? "new job log gets the records"
python3 -c "
import json,sys
for f in sys.argv[1:]:
    for l in open(f): json.loads(l)" "$T/j.log.1" "$T/j.log"; ok $? "every job record whole JSON"
stop_pid $M; ok $? "master exits 0 on SIGTERM"
stop_pid $SIM; stop_pid $POOL

tap_done
