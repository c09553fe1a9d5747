#!/usr/bin/env bash
# bench.sh - ducomaster benchmark (make bench).
#
# Part 1: 8 firmware slaves in ducosim (real time) against ducopool with the
# seed's latency profile (527 ms job wait, 251 ms verdict wait, AVR diff 10,
# max 380 H/s): shares per hour, duty cycle, mean master processing per job,
# polls per job, master CPU s per 1000 jobs, peak RSS. processing_ms is the
# measured time the master spends on a job (bus transactions included);
# processing_residual_ms is overall minus the other parts of the job log,
# which the slave's and the host's clocks blur by a few ms either way.
# Part 2: 50 host model slaves (300 H/s) against ducopool without delays:
# master CPU s per 1000 jobs at that scale.
# Loopback only, children stopped by pid. The last line on stdout is one
# JSON object; human-readable notes go to stderr.
# BENCH_SECONDS (default 120) and BENCH50_SECONDS (default 60) set the runs.
set -u
B=${BUILD:-build}/host
FW=${BUILD:-build}/avr-nano/firmware.elf
S1=${BENCH_SECONDS:-120}
S2=${BENCH50_SECONDS:-60}
T=$(mktemp -d "${TMPDIR:-/tmp}/ducomaster-bench.XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

run() {  # run <name> <pool args> -- <sim args> -- <slaves>
	local name=$1; shift
	local pargs=() sargs=()
	while [ "$1" != -- ]; do pargs+=("$1"); shift; done; shift
	while [ "$1" != -- ]; do sargs+=("$1"); shift; done; shift
	local slaves=$1 secs=$2
	"$B/ducopool" --listen 127.0.0.1:0 --seed 7 "${pargs[@]}" >"$T/$name.pool" 2>&1 &
	local pp=$!; pids+=("$pp")
	"$B/ducosim" --socket "$T/$name.sock" "${sargs[@]}" >"$T/$name.sim" 2>&1 &
	local sp=$!; pids+=("$sp")
	for _ in $(seq 400); do
		grep -q '^listening on' "$T/$name.pool" && grep -q '^ready' "$T/$name.sim" && break
		sleep 0.05
	done
	local pool
	pool=$(sed -n 's/^listening on //p' "$T/$name.pool")
	"$B/ducomaster" --pool "$pool" --bus "sim:$T/$name.sock" --slaves "$slaves" --user bench \
		--duration "$secs" --no-table --log "$T/$name.log" --log-level warn \
		--metrics "$T/$name.json" --joblog "$T/$name.jobs" >"$T/$name.out" 2>&1
	kill "$sp" "$pp" 2>/dev/null; wait "$sp" "$pp" 2>/dev/null
	echo "# $name: $(cat "$T/$name.json")" >&2
}

addrs() { python3 -c "print(','.join('0x%02x' % (8 + i) for i in range($1)))"; }

echo "# part 1: 8 firmware slaves, seed latency profile, ${S1} s" >&2
run seed8 --job-delay 527:50 --verdict-delay 251:30 -- \
	--firmware "$FW" --count 8 --first-addr 0x08 -- "$(addrs 8)" "$S1"
echo "# part 2: 50 model slaves, ${S2} s" >&2
run model50 --max-shares-per-min 1000 -- \
	--firmware "$FW" --count 0 --first-addr 0x08 --model-slaves 50 --model-hashrate 300 -- \
	"$(addrs 50)" "$S2"

python3 - "$T/seed8.json" "$T/model50.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
b = json.load(open(sys.argv[2]))
print("# seed8: %d jobs, %d good, %d bad, hold %.0f ms/job, detect %.1f ms/job; model50: %d jobs, %d bad"
      % (a["jobs"], a["good"], a["bad"], a["hold_ms"], a["detect_ms"], b["jobs"], b["bad"]),
      file=sys.stderr)
print(json.dumps({
    "shares_per_hour": round(a["shares_per_hour"], 1),
    "duty_cycle": round(a["duty_cycle"], 4),
    "processing_ms": round(a["master_ms"], 3),
    "processing_residual_ms": round(a["processing_ms"], 3),
    "polls_per_job": round(a["polls_per_job"], 2),
    "cpu_s_per_1000_jobs": round(a["cpu_s_per_1000_jobs"], 4),
    "rss_kb": a["rss_kb"],
    "cpu_s_per_1000_jobs_50": round(b["cpu_s_per_1000_jobs"], 4),
}))
PY
