#!/usr/bin/env bash
# e2e.sh - ducomaster end to end on loopback: ducopool + ducosim (real
# firmware in simavr, and host model slaves) + ducomaster, all real processes
# talking real TCP and the real sim-bus socket. Checks >= 100 shares with no
# BAD and no tier move, the rate limit holding slaves faster than the cap, the
# i2cdev backend through its real ioctls (LD_PRELOAD /dev/i2c-N stand-in),
# pool discovery through ducopool's HTTP getPool, signals, exit codes, config
# errors and that the mining key never shows. TAP on stdout. Binds 127.0.0.1
# only, ports chosen by the kernel; every child is stopped by pid on exit.
# No check here reads the master's HTTP side, so every run has --http ""
# (off): its default, 127.0.0.1:9550, may be a user's ducomaster or another
# test's.
# Each run lasts until the job log or the log shows what its checks need
# (with a deadline), then ends by SIGTERM: no check depends on how much got
# done in a fixed time.
set -u
. "$(dirname "$0")/../lib/tap.sh"
B=${BUILD:-build}/host
FW=${BUILD:-build}/avr-nano/firmware.elf
tap_workdir ducomaster-e2e
KEY=Sekr1tKeyZ9
# A run that has not shown what it should by then has failed.
DEADLINE=${E2E_DEADLINE:-120}

# start_pool <name> <extra args...>: sets POOL_PID POOL_ADDR POOL_HTTP
start_pool() {
	local name=$1; shift
	spawn "$B/ducopool" --listen 127.0.0.1:0 --http 127.0.0.1:0 --block-chance 0 --seed 42 "$@" \
		>"$T/$name.out" 2>"$T/$name.err"
	POOL_PID=$SPAWNED
	wait_for "$T/$name.out" '^http on' 30 "$POOL_PID"
	POOL_ADDR=$(sed -n 's/^listening on //p' "$T/$name.out")
	POOL_HTTP=$(sed -n 's/^http on //p' "$T/$name.out")
}
# start_sim <name> <args...>: sets SIM_PID SIM_SOCK
start_sim() {
	local name=$1; shift
	SIM_SOCK=$T/$name.sock
	spawn "$B/ducosim" --socket "$SIM_SOCK" "$@" >"$T/$name.out" 2>"$T/$name.err"
	SIM_PID=$SPAWNED
	wait_for "$T/$name.out" '^ready' 30 "$SIM_PID"
}
stop() { stop_pid "$1"; }
# rows <joblog...>: job records in job logs (0 while none exists; typed
# records such as "rig" are not jobs)
rows() { cat "$@" 2>/dev/null | grep -c '"verdict":'; }
rows_ge() { local n=$1; shift; [ "$(rows "$@")" -ge "$n" ]; }
# master_until <pid> <command...>: wait (up to DEADLINE) until the command
# succeeds while the master runs; then SIGTERM it. Returns its exit status.
master_until() {
	local pid=$1; shift
	wait_until "$DEADLINE" master_check "$pid" "$@"
	stop_pid "$pid"
}
master_check() { local pid=$1; shift; "$@" || ! kill -0 "$pid" 2>/dev/null; }
# Tier auto with faults: the speed test done, 0x09's silence seen and over
# (identity read again, a share after it), 0x08 mining through its burst.
m4_seen() {
	grep -q "speed test: 1000 nonces.*tier AVR (paced" "$T/m4.log" 2>/dev/null &&
		[ "$(grep -c '0x09: slave fw' "$T/m4.log")" -ge 2 ] &&
		rows_ge 6 "$T/job4.log" && [ "$(grep -c '0x08"' "$T/job4.log")" -ge 4 ] &&
		m4_after_fault
}
m4_after_fault() {
	python3 - "$T/job4.log" "$T/m4.log" <<'PY'
import json, sys, datetime
rows = [x for x in map(json.loads, open(sys.argv[1])) if 'type' not in x]
fault = [l for l in open(sys.argv[2]) if '0x09: slave fault' in l]
# log lines start with an ISO 8601 UTC time with milliseconds
t_fault = (datetime.datetime.strptime(fault[0].split()[0], '%Y-%m-%dT%H:%M:%S.%fZ').replace(
    tzinfo=datetime.timezone.utc).timestamp() if fault else float("inf"))
after = [r for r in rows if r['slave'].endswith('0x09') and
         datetime.datetime.strptime(r['ts'], '%Y-%m-%dT%H:%M:%S.%fZ').replace(
             tzinfo=datetime.timezone.utc).timestamp() > t_fault]
b = [r for r in rows if r['slave'].endswith('0x08')]
sys.exit(0 if after and len(b) >= 3 else 1)
PY
}
# json_check <joblog> <python expression over rows r, the job records>: exit status
json_check() {
	python3 - "$1" "$2" <<'PY'
import json, sys
rows = [x for x in map(json.loads, open(sys.argv[1])) if 'type' not in x]
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
}

# --- command line, config, exit codes ------------------------------------
"$B/ducomaster" --help >"$T/help" 2>&1; rc=$?
ok $(( rc != 0 )) "--help exits 0"
grep -q "Exit codes" "$T/help"; ok $? "--help documents the exit codes"
"$B/ducomaster" --version | grep -q "ducomaster"; ok $? "--version"

cat >"$T/good.json" <<JSON
{"user": "e2e", "mining_key": "$KEY", "buses": ["sim:/nowhere"], "slaves": "0x08",
 "pool": "127.0.0.1:1", "rig_id": "testrig"}
JSON
chmod 600 "$T/good.json"
"$B/ducomaster" --config "$T/good.json" --check-config >"$T/check.out" 2>&1; rc=$?
ok $rc "--check-config accepts a good file"
! grep -q "$KEY" "$T/check.out"; ok $? "--check-config does not print the mining key"
! grep -q "readable by" "$T/check.out"; ok $? "no permission warning for mode 600"
chmod 644 "$T/good.json"
"$B/ducomaster" --config "$T/good.json" --check-config >"$T/check2.out" 2>&1
grep -q "readable by every user" "$T/check2.out"; ok $? "warns when the config file is world-readable"
echo '{"user": "e2e", "buses": ["sim:/x"], "max_hashrat": 300}' >"$T/bad.json"
"$B/ducomaster" --config "$T/bad.json" --check-config >"$T/bad.out" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q "max_hashrat" "$T/bad.out"; ok $? "unknown key: exit 2 and the key named ($(head -c 80 "$T/bad.out"))"
"$B/ducomaster" --config "$T/good.json" --margin 0.9 --check-config >"$T/bad2.out" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q "margin" "$T/bad2.out"; ok $? "bad flag value: exit 2 and the key named"
"$B/ducomaster" --http "" --config "$T/good.json" --no-table --duration 1 >"$T/nobus.out" 2>&1; rc=$?
[ $rc -eq 3 ]; ok $? "bus that cannot be opened: exit 3 (got $rc)"

# --- main run: >= 100 shares, discovery over HTTP, signals -----------------
echo '{"tiers":[{"name":"AVR","diff":3,"min":10,"max":380}]}' >"$T/tiers.json"
start_pool pool1 --tiers "$T/tiers.json" --max-shares-per-min 2000 --stats "$T/pool1.stats"
start_sim sim1 --firmware "$FW" --count 4 --first-addr 0x08 --fast
[ -n "$POOL_HTTP" ] && grep -q ready "$T/sim1.out"; ok $? "ducopool and ducosim (4 firmware slaves) started"
spawn "$B/ducomaster" --http "" --pool-url "http://$POOL_HTTP" --bus "sim:$SIM_SOCK" --slaves 0x08,0x09,0x0a,0x0b \
	--user e2e --key "$KEY" --joblog "$T/job1.log" --log "$T/m1.log" --metrics "$T/m1.json" \
	--no-table >"$T/m1.out" 2>"$T/m1.err"
M=$SPAWNED
wait_until "$DEADLINE" master_check $M rows_ge 20 "$T/job1.log"
mv "$T/job1.log" "$T/job1.log.old"; kill -HUP $M; kill -USR1 $M
wait_until "$DEADLINE" master_check $M rows_ge 105 "$T/job1.log" "$T/job1.log.old"
t0=$(date +%s%N)
stop_pid $M; rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
ok $rc "SIGTERM: exit 0"
[ $ms -lt 2000 ]; ok $? "SIGTERM: stopped within 2 s (${ms} ms)"
cat "$T/job1.log.old" "$T/job1.log" >"$T/job1.all" 2>/dev/null
grep -q "pool discovered: $POOL_ADDR" "$T/m1.log"; ok $? "pool found through getPool on ducopool's HTTP side"
[ -s "$T/job1.log" ]; ok $? "SIGHUP reopened the job log (new file has lines)"
json_check "$T/job1.all" "all(set(['ts','slave','job','diff','nonce','hashrate','verdict','get_job_wait_ms','transfer_ms','slave_elapsed_ms','busy_polls','hold_ms','get_res_wait_ms','overall_ms','processing_ms']) <= set(x) for x in rows)"
ok $? "every job log line is whole JSON with the timing keys"
python3 - "$T/job1.all" <<'PY'
import json, sys
rigs = [x for x in map(json.loads, open(sys.argv[1])) if x.get('type') == 'rig']
want = {'ts', 'type', 'uptime_s', 'cpu_s', 'rss_kb', 'version', 'log_level', 'boards', 'reconnects'}
# one at start, one at stop (the run is shorter than the 60 s period)
sys.exit(0 if len(rigs) >= 2 and all(want <= set(r) and r['boards'] == 4 and r['log_level'] == 'info'
                                     for r in rigs) and rigs[-1]['cpu_s'] > 0 else 1)
PY
ok $? "the job log carries rig records (boards 4, log level info, CPU, RSS, version)"
good=$(grep -c '"verdict":"GOOD"' "$T/job1.all"); bad=$(grep -c '"verdict":"BAD"' "$T/job1.all")
[ "$good" -ge 100 ]; ok $? ">= 100 GOOD shares ($good)"
[ "$bad" -eq 0 ]; ok $? "0 BAD verdicts ($bad)"
grep -q "rig (4 slaves)" "$T/m1.out" && [ "$(grep -c '=== ducomaster summary' "$T/m1.out")" -ge 2 ]
ok $? "summary printed on SIGUSR1 and at exit"
grep -A1 "^rig (4 slaves)" "$T/m1.out" | tail -1 | grep -q "tier moves 0,"; ok $? "0 tier moves (master's count)"
stop $POOL_PID
python3 -c "
import json,sys
s=[json.loads(l) for l in open('$T/pool1.out') if l.startswith('{')][-1]['pool']
r=s['rejected_by_reason']
sys.exit(0 if s['rejected']==0 and r['Too low starting difficulty']==0 and r['Too high starting difficulty']==0 and s['accepted']>=100 else 1)"
ok $? "pool's own stats: >= 100 accepted, 0 rejected, 0 tier moves"
json_check "$T/job1.all" "all(0 < x['hashrate'] < 270 and x['hashrate'] <= x['r_slave'] and (x['nonce'] < 135 or x['hashrate'] <= 256.5) for x in rows)"
ok $? "every reported hashrate below the band's top 270 and the board's own; <= the target (270 * (1 - margin)) where the band has 100 ms of room (nonce >= 135; a tiny nonce aims higher for the send's lateness)"
python3 -c "import json; json.load(open('$T/m1.json'))"; ok $? "metrics file is JSON"
! grep -rq "$KEY" "$T"/m1.* "$T"/job1.*; ok $? "mining key appears in no log, job log, metrics or output"
stop $SIM_PID

# --- rate limit: slaves faster than the cap are held ------------------------
start_pool pool2
start_sim sim2 --firmware "$FW" --count 0 --first-addr 0x08 --model-slaves 3 --model-hashrate 2000
# The pool by name, through the resolver: a hosts file of the test's own
# (c-ares' CARES_HOSTS) gives the name three addresses, the pool listens on
# the last only: 127.0.0.2 and ::1 refuse, each worker must go on to
# 127.0.0.1 at once (a Debian /etc/hosts has "::1 localhost" too).
printf '127.0.0.2 duco-pool.test\n::1 duco-pool.test\n127.0.0.1 duco-pool.test\n' >"$T/hosts"
CARES_HOSTS=$T/hosts spawn "$B/ducomaster" --http "" --pool "duco-pool.test:${POOL_ADDR##*:}" --bus "sim:$SIM_SOCK" --slaves 0x08,0x09,0x0a --user e2e \
	--set slave_limits=0x0a=250/0.08 \
	--joblog "$T/job2.log" --log "$T/m2.log" --no-table >"$T/m2.out" 2>&1
master_until $SPAWNED rows_ge 6 "$T/job2.log"; rc=$?
ok $rc "rate-limit run (3 model slaves at 2000 H/s, target 256.5, 0x0a's 230): exit 0 on SIGTERM after 6 jobs"
json_check "$T/job2.log" "len(rows) >= 6 and all(x['verdict']=='GOOD' for x in rows)"; ok $? "all GOOD ($(wc -l <"$T/job2.log") jobs)"
grep -q "connected to duco-pool.test:" "$T/m2.log" &&
	grep -q "(127.0.0.2:[0-9]*): Connection refused; trying " "$T/m2.log" &&
	! grep -qE "connect to duco-pool.test:[0-9]+: " "$T/m2.log"
ok $? "pool given by a name with 3 addresses, 2 refusing: the next tried at once, connected ($(grep -c 'trying' "$T/m2.log") fall-overs, no backoff)"
json_check "$T/job2.log" "all(x['r_slave'] > 1000 and x['hashrate'] <= (230.0 if x['slave'].endswith('0x0a') else 270) and (x['nonce'] < 135 or x['hashrate'] <= (230.0 if x['slave'].endswith('0x0a') else 256.5)) for x in rows)"
ok $? "slave rate > 1000 H/s measured, reported at most the target (256.5, a tiny nonce below 270; 230 for 0x0a's own cap, whose margin a tiny nonce keeps)"
json_check "$T/job2.log" "sum(1 for x in rows if 225 < x['hashrate'] < 270) >= len(rows) - 1"
ok $? "reported rates inside the I2C wallet band 225 < h < 270 ($(python3 -c "import json; r=[x for x in map(json.loads, open('$T/job2.log')) if 'type' not in x]; print(sum(1 for x in r if 225 < x['hashrate'] < 270), 'of', len(r))"))"
json_check "$T/job2.log" "sum(1 for x in rows if x['hold_ms'] > 0) >= len(rows) - 1"; ok $? "results held in W"
json_check "$T/job2.log" "all(x['nonce'] / ((x['overall_ms'] - x['get_job_wait_ms'] - x['transfer_ms'] - x['get_res_wait_ms']) / 1000.0) <= (230.0 if x['slave'].endswith('0x0a') else 270 if x['nonce'] < 135 else 256.5) + 0.01 and abs(x['nonce'] / ((x['overall_ms'] - x['get_job_wait_ms'] - x['transfer_ms'] - x['get_res_wait_ms']) / 1000.0) - x['hashrate']) < 0.01 * x['hashrate'] for x in rows)"
ok $? "reported = nonce / (job on the board -> result sent) <= target for every job (a tiny nonce below 270)"
json_check "$T/job2.log" "rows and sum(x['busy_polls'] for x in rows) / len(rows) < 10"
ok $? "geometric polling: few polls per held job ($(python3 -c "import json; r=[x for x in map(json.loads, open('$T/job2.log')) if 'type' not in x]; print(round(sum(x['busy_polls'] for x in r)/max(len(r), 1),1))"))"
# --duration is a time limit: checked as one, on its own.
t0=$(date +%s%N)
"$B/ducomaster" --http "" --pool "$POOL_ADDR" --bus "sim:$SIM_SOCK" --slaves 0x08 --user e2e \
	--log "$T/m2d.log" --no-table --duration 1 >"$T/m2d.out" 2>&1; rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ $rc -eq 0 ] && [ $ms -ge 1000 ] && [ $ms -lt 10000 ]; ok $? "--duration 1: exits 0 by itself after 1 s (${ms} ms, exit $rc)"
stop $SIM_PID; stop $POOL_PID

# --- threads per board: auto, on loopback -------------------------------------
start_pool pool7 --stats "$T/pool7.stats"
start_sim sim7 --firmware "$FW" --count 0 --first-addr 0x08 --model-slaves 2 --model-hashrate 2000
spawn "$B/ducomaster" --http "" --pool "$POOL_ADDR" --bus "sim:$SIM_SOCK" --slaves 0x08,0x09 --user e2e \
	--set threads_per_board=auto --joblog "$T/job7.log" --log "$T/m7.log" --no-table \
	>"$T/m7.out" 2>&1
m7_seen() {
	json_check "$T/job7.log" "len(set((x['slave'], x['worker']) for x in rows)) == 14 and len(rows) >= 48"
}
master_until $SPAWNED m7_seen; rc=$?
ok $rc "threads_per_board=auto (2 model boards at 2000 H/s): exit 0 on SIGTERM"
grep -q "0x08: 7 thread(s) at 256.5 H/s each" "$T/m7.log" && grep -q "0x09: 7 thread(s) at 256.5 H/s each" "$T/m7.log"
ok $? "auto: 7 threads per 2000 H/s board (2000 / (256.5 * 1.1)), within max_workers 23"
json_check "$T/job7.log" "len(set((x['slave'], x['worker']) for x in rows)) == 14 and all(x['verdict'] == 'GOOD' for x in rows)"
ok $? "every one of the 14 workers mined, all GOOD ($(rows "$T/job7.log") jobs)"
json_check "$T/job7.log" "all(x['hashrate'] < 270 and (x['nonce'] < 135 or x['hashrate'] <= 256.5) and x['hashrate'] <= x['r_slave'] for x in rows) and sum(1 for x in rows if not 225 < x['hashrate'] < 270) <= len(rows) // 50"
ok $? "each thread paced on its own into the wallet band ($(python3 -c "import json; r=[x for x in map(json.loads, open('$T/job7.log')) if 'type' not in x]; print(sum(1 for x in r if 225 < x['hashrate'] < 270), 'of', len(r))") inside)"
grep -q "^rig (2 slaves, 14 workers)" "$T/m7.out" && grep -q "board duty" "$T/m7.out"
ok $? "summary per board and per worker, with board duty"
stop $POOL_PID
python3 -c "
import json,sys
s=[json.loads(l) for l in open('$T/pool7.out') if l.startswith('{')][-1]['pool']
sys.exit(0 if s['rejected']==0 and s['accepted']>=48 else 1)"
ok $? "pool's own stats: 0 rejected (no BAD, no tier move, no 'Too many workers')"
stop $SIM_PID

# --- i2cdev backend through its real ioctls ----------------------------------
start_pool pool3 --banner-no-newline
start_sim sim3 --firmware "$FW" --count 2 --first-addr 0x10 --fast
spawn env DUCORIG_I2C_SHIM="/dev/i2c-7=$SIM_SOCK" LD_PRELOAD="$PWD/$B/libducoi2cshim.so" \
	"$B/ducomaster" --http "" --pool "$POOL_ADDR" --bus /dev/i2c-7 --slaves scan --user e2e \
	--joblog "$T/job3.log" --log "$T/m3.log" --no-table >"$T/m3.out" 2>&1
master_until $SPAWNED rows_ge 4 "$T/job3.log"; rc=$?
ok $rc "i2cdev run (pool banner without newline): exit 0"
grep -q "scan found 2 slave" "$T/m3.log"; ok $? "scan over /dev/i2c-7 finds the 2 firmware slaves"
json_check "$T/job3.log" "len(rows) >= 4 and all(x['verdict']=='GOOD' and x['slave'].startswith('/dev/i2c-7:0x1') for x in rows)"
ok $? "shares through /dev/i2c-7 (I2C_RDWR via the stand-in): $(wc -l <"$T/job3.log") GOOD"
stop $SIM_PID; stop $POOL_PID

# --- tier auto, and a slave that stops answering for a while ------------------
start_pool pool4
start_sim sim4 --firmware "$FW" --count 0 --first-addr 0x08 --model-slaves 2 --model-hashrate 450 \
	--fault 0x09,silent,2500,4000 --fault 0x08,flip,12,5000
spawn "$B/ducomaster" --http "" --pool "$POOL_ADDR" --bus "sim:$SIM_SOCK" --slaves 0x08,0x09 --user e2e --tier auto \
	--joblog "$T/job4.log" --log "$T/m4.log" --no-table >"$T/m4.out" 2>&1
master_until $SPAWNED m4_seen; rc=$?
ok $rc "tier auto run (2 model slaves at 450 H/s): exit 0"
grep -q "speed test: 1000 nonces.*tier AVR (paced into the wallet band)" "$T/m4.log"
ok $? "speed test: 450 H/s is faster than the wallet band, so tier AVR, paced"
json_check "$T/job4.log" "len(rows) >= 6 and all(x['verdict']=='GOOD' and x['diff']==10 for x in rows)"
ok $? "auto: all GOOD at AVR difficulty, no tier move ($(wc -l <"$T/job4.log") jobs)"
json_check "$T/job4.log" "all(x['hashrate'] < 270 and (x['nonce'] < 135 or x['hashrate'] <= 256.5) and x['hashrate'] < x['r_slave'] for x in rows)"
ok $? "auto: reports the achieved rate, at most the target and below the board's own"
grep -q "0x09: slave fault" "$T/m4.log"; ok $? "silent slave 0x09: fault detected"
[ "$(grep -c '0x09: slave fw' "$T/m4.log")" -ge 2 ]; ok $? "silent slave 0x09: identity read again after it returned"
! grep -q "pool connection closed" "$T/m4.log"; ok $? "no pool connection dropped (0x08 undisturbed, 0x09 kept its connection)"
m4_after_fault
ok $? "0x09 earns GOOD shares again after the fault; 0x08 kept mining"
grep -q "0x08: slave result .* fails verification" "$T/m4.log" && echo "# 0x08: a corrupted result was caught by host verification"
json_check "$T/job4.log" "sum(1 for x in rows if x['slave'].endswith('0x08')) >= 4"
ok $? "0x08 with a burst of 12 bit-flipped transfers: retries keep it mining, every share GOOD"
stop $SIM_PID; stop $POOL_PID

# --- live table on a terminal; discovery falls back to the configured pool ---
start_pool pool5
start_sim sim5b --firmware "$FW" --count 0 --first-addr 0x08 --model-slaves 2 --model-hashrate 300
SOCK_B=$SIM_SOCK; SIM_B=$SIM_PID
start_sim sim5 --firmware "$FW" --count 0 --first-addr 0x08 --model-slaves 2 --model-hashrate 300
# script(1) runs the command in a shell that execs ducomaster, so the pid the
# shell writes first is ducomaster's own.
spawn script -qfec "echo \$\$ >$T/m5.pid; exec $B/ducomaster --http '' --pool-url http://127.0.0.1:1 \
	--pool $POOL_ADDR --bus sim:$SIM_SOCK --bus sim:$SOCK_B --slaves 0x08,0x09 --user e2e \
	--joblog $T/job5.log --log $T/m5.log" "$T/tty5.out" >/dev/null 2>&1 </dev/null
S=$SPAWNED
m5_seen() {
	grep -aqE "^[CRJKWEG]  0x09 " "$T/tty5.out" && rows_ge 4 "$T/job5.log" &&
		json_check "$T/job5.log" "len(set(x['slave'] for x in rows)) == 4"
}
wait_until "$DEADLINE" master_check $S m5_seen
[ -s "$T/m5.pid" ] && kill -TERM "$(cat "$T/m5.pid")"
reap_pid $S; rc=$?
ok $rc "run under a pseudo-terminal: exit 0 on SIGTERM"
grep -q $'\033\[H' "$T/tty5.out" && grep -aq "St Addr Bus" "$T/tty5.out"; ok $? "live status table drawn on a terminal"
grep -aqE "^[CRJKWEG]  0x08 " "$T/tty5.out" && grep -aqE "^[CRJKWEG]  0x09 " "$T/tty5.out"; ok $? "table has a row per slave with its state letter"
grep -aqE "^D  0x0[89] .* D/(backoff|identify|calibrate|resolve|connect|banner)" "$T/tty5.out"; ok $? "a slave in D shows its step of D"
! grep -q $'\033' "$T/m1.out"; ok $? "no table codes when stdout is not a terminal"
json_check "$T/job5.log" "len(rows) >= 2"; ok $? "job log intact next to the table"
grep -q "using the configured pool $POOL_ADDR" "$T/m5.log"; ok $? "getPool unreachable: falls back to the configured pool"
json_check "$T/job5.log" "len(set(x['slave'] for x in rows)) == 4"; ok $? "two buses, 2 slaves each: all 4 mined"
stop $SIM_PID; stop $SIM_B; stop $POOL_PID

# --- pool gone: reconnect backoff, then rediscovery through getPool ----------
start_pool pool6
start_sim sim6 --firmware "$FW" --count 0 --first-addr 0x08 --model-slaves 2 --model-hashrate 300
spawn "$B/ducomaster" --http "" --pool-url "http://$POOL_HTTP" --bus "sim:$SIM_SOCK" --slaves 0x08,0x09 --user e2e \
	--log "$T/m6.log" --no-table >"$T/m6.out" 2>&1
M=$SPAWNED
m6_connected() {
	grep -q "0x08: connected to" "$T/m6.log" 2>/dev/null && grep -q "0x09: connected to" "$T/m6.log"
}
m6_seen() {
	grep -q "connect failures in a row: rediscovering" "$T/m6.log" &&
		grep -q "pool discovery failed .* retrying in" "$T/m6.log" &&
		[ "$(grep -c '0x08: connect to' "$T/m6.log")" -ge 3 ]
}
wait_until "$DEADLINE" master_check $M m6_connected
stop $POOL_PID
wait_until "$DEADLINE" master_check $M m6_seen
kill -0 $M 2>/dev/null; alive=$?
stop_pid $M; rc=$?
[ $alive -eq 0 ] && [ $rc -eq 0 ]; ok $? "pool killed mid-run: daemon keeps running through the reconnects, exit 0 on SIGTERM"
grep -q "connect failures in a row: rediscovering" "$T/m6.log"; ok $? "repeated connect failures trigger rediscovery"
grep -q "pool discovery failed .* retrying in" "$T/m6.log"; ok $? "failed rediscovery retried with backoff"
python3 - "$T/m6.log" <<'PY'
import datetime, sys
# Reconnect attempts of one slave must spread out (exponential backoff).
# Log lines start with an ISO 8601 UTC time with milliseconds.
def stamp(l):
    return datetime.datetime.strptime(l.split()[0], '%Y-%m-%dT%H:%M:%S.%fZ').replace(
        tzinfo=datetime.timezone.utc).timestamp()
t = [stamp(l) for l in open(sys.argv[1]) if '0x08: connect to' in l]
gaps = [b - a for a, b in zip(t, t[1:])]
sys.exit(0 if len(gaps) >= 2 and gaps[-1] > gaps[0] else 1)
PY
ok $? "reconnects back off exponentially"
stop $SIM_PID

tap_done
