#!/usr/bin/env bash
# bench_threads.sh - what threads per board earn (make bench, bench-threads).
#
# One ducopool with the seed's latencies (527 ms to a job, 251 ms to a
# verdict, AVR diff 10, max 380 H/s, at most 80 results per connection and
# minute), 4 nano boards in ducosim, and two users one after the other (the
# pool's Kolka ordinal counts the open workers of a user and of an IP, so
# running both at once would skew it): "one" with threads_per_board=1, then
# "auto" with threads_per_board=auto. DUCO comes from the pool's own
# accounting (its stats file): the balance gained between the end of a
# warm-up (every connection pays nothing for its first 10 accepted shares)
# and the end of the run, per day; plus shares per hour per board, board
# duty (hashing time / wall time), every reported rate against the wallet's
# I2C band 225 < h < 270, BAD verdicts, tier moves and results per
# connection per minute.
#
# The boards run the real firmware in simavr. Four busy boards cost four
# simulated 16 MHz AVRs: if ducosim's summary says it fell behind the wall
# clock by more than 2 % of a run, the runs are repeated with host model
# slaves at the firmware's measured speed (the speed test's figure), both
# users again so they are compared on the same rig, and the output says so.
# The model slaves speak wire protocol version 2 (a job queued behind the
# running one), as the firmware does.
#
# Loopback only (the master's HTTP side on, as the service has it, on a
# port the kernel picks, not its default 9550), children stopped by pid.
# The last line on stdout is one JSON object; the table goes to stderr.
# BENCH_THREADS_WARMUP (default 45) and BENCH_THREADS_SECONDS (default 120,
# measured after the warm-up) set each run.
set -u
B=${BUILD:-build}/host
FW=${BUILD:-build}/avr-nano/firmware.elf
WARM=${BENCH_THREADS_WARMUP:-45}
SECS=${BENCH_THREADS_SECONDS:-120}
T=$(mktemp -d "${TMPDIR:-/tmp}/ducomaster-bench-threads.XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
ADDRS=0x08,0x09,0x0a,0x0b

"$B/ducopool" --listen 127.0.0.1:0 --seed 7 --job-delay 527:50 --verdict-delay 251:30 \
	--max-shares-per-min 80 --stats "$T/pool.json" --stats-interval 1 >"$T/pool.out" 2>&1 &
PP=$!; pids+=("$PP")
for _ in $(seq 200); do grep -q '^listening on' "$T/pool.out" && break; sleep 0.05; done
POOL=$(sed -n 's/^listening on //p' "$T/pool.out")

# run <user> <threads> <sim args...>: one user's run; files $T/<user>.*
run() {
	local user=$1 threads=$2; shift 2
	"$B/ducosim" --socket "$T/$user.sock" --duration $((WARM + SECS + 60)) "$@" \
		>"$T/$user.sim" 2>&1 &
	local sp=$!; pids+=("$sp")
	for _ in $(seq 400); do grep -q '^ready' "$T/$user.sim" && break; sleep 0.05; done
	"$B/ducomaster" --pool "$POOL" --bus "sim:$T/$user.sock" --slaves "$ADDRS" --user "$user" \
		--set "threads_per_board=$threads" --http 127.0.0.1:0 --duration $((WARM + SECS)) --no-table \
		--log "$T/$user.log" --log-level info --metrics "$T/$user.metrics" \
		--joblog "$T/$user.jobs" >"$T/$user.out" 2>&1 &
	local mp=$!; pids+=("$mp")
	# The pool's accounting at the end of the warm-up (its stats file is
	# rewritten every second; a copy is one consistent snapshot).
	sleep "$WARM"
	cp "$T/pool.json" "$T/$user.warm.json"
	date +%s.%N >"$T/$user.warm.t"
	wait "$mp"
	cp "$T/pool.json" "$T/$user.end.json"
	date +%s.%N >"$T/$user.end.t"
	kill -INT "$sp" 2>/dev/null; wait "$sp" 2>/dev/null
}

# behind <user>: percent of the run ducosim fell behind the wall clock (0 if it kept up)
behind() {
	sed -n 's/.*fell behind the wall clock by [0-9.]* s (\([0-9.]*\)% of the run).*/\1/p' \
		"$T/$1.sim" | tail -n 1 | grep . || echo 0
}

slaves_note=firmware
worst=0
# BENCH_THREADS_MODEL=1: straight to the model slaves (at the firmware's
# 2,348 H/s), e.g. on a host known to be too slow for four busy boards.
[ -n "${BENCH_THREADS_MODEL:-}" ] && worst=100
for pass in one auto; do
	[ -n "${BENCH_THREADS_MODEL:-}" ] && break
	threads=1; [ "$pass" = auto ] && threads=auto
	echo "# $pass: threads_per_board=$threads, 4 nano firmware boards, ${WARM} s warm-up + ${SECS} s" >&2
	run "$pass" "$threads" --firmware "$FW" --count 4 --first-addr 0x08
	b=$(behind "$pass")
	echo "# $pass: ducosim fell behind the wall clock by $b % of the run" >&2
	worst=$(python3 -c "print(max($worst, $b))")
done
if python3 -c "import sys; sys.exit(0 if $worst > 2 else 1)"; then
	# Both users again on model slaves, so they are compared on the same rig.
	rate=$(sed -n 's/.*speed test: 1000 nonces in [0-9.]* ms = \([0-9.]*\) H\/s.*/\1/p' \
		"$T/auto.log" | head -n 1)
	[ -n "$rate" ] || rate=2348
	[ -n "${BENCH_THREADS_MODEL:-}" ] ||
		echo "# the firmware boards fell behind the wall clock by up to $worst % on this" \
			"host: both users again on model slaves at the firmware's measured $rate H/s" >&2
	slaves_note="model slaves (wire protocol 2, as the firmware) at the firmware's measured ${rate} H/s; the firmware in simavr fell behind the wall clock by ${worst} % on this host"
	[ -n "${BENCH_THREADS_MODEL:-}" ] && slaves_note="model slaves (wire protocol 2, as the firmware) at ${rate} H/s (BENCH_THREADS_MODEL)"
	for pass in one auto; do
		threads=1; [ "$pass" = auto ] && threads=auto
		[ -f "$T/$pass.sim" ] && mv "$T/$pass.sim" "$T/$pass.firmware.sim"
		run "$pass" "$threads" --firmware "$FW" --count 0 --first-addr 0x08 \
			--model-slaves 4 --model-hashrate "$rate"
	done
else
	slaves_note="nano firmware in simavr, real time (behind by at most ${worst} %)"
fi
kill "$PP" 2>/dev/null; wait "$PP" 2>/dev/null

python3 - "$T" "$WARM" "$SECS" "$slaves_note" <<'PY'
import json, sys
T, warm, secs, note = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]

def user(snap, name):
    for u in snap["users"]:
        if u["username"] == name:
            return u
    return {"balance": 0.0, "accepted": 0, "rejected": 0, "rejected_by_reason": {}}

out = {}
for name in ("one", "auto"):
    w = json.load(open("%s/%s.warm.json" % (T, name)))
    e = json.load(open("%s/%s.end.json" % (T, name)))
    t0 = float(open("%s/%s.warm.t" % (T, name)).read())
    t1 = float(open("%s/%s.end.t" % (T, name)).read())
    uw, ue = user(w, name), user(e, name)
    jobs = [x for x in map(json.loads, open("%s/%s.jobs" % (T, name))) if "type" not in x]
    m = json.load(open("%s/%s.metrics" % (T, name)))
    why = ue.get("rejected_by_reason", {})
    moves = why.get("Too low starting difficulty", 0) + why.get("Too high starting difficulty", 0)
    # results per connection per minute: each worker's verdicts over its open time
    per_min = [(x["accepted"] + x["rejected"]) / (warm + secs) * 60.0
               for x in e["workers"] if x.get("username") == name]
    out[name] = {
        "duco": ue["balance"],
        "duco_per_day": (ue["balance"] - uw["balance"]) / (t1 - t0) * 86400.0,
        "accepted": ue["accepted"], "rejected": ue["rejected"], "tier_moves": moves,
        "workers": m["workers"], "board_duty": m["board_duty"], "deferred": m.get("transfers_deferred", 0),
        "shares_per_hour_per_board": m["shares_per_hour"] / 4.0,
        "jobs": len(jobs),
        "out_of_band": sum(1 for x in jobs if not 225 < x["hashrate"] < 270),
        "bad": sum(1 for x in jobs if x["verdict"] == "BAD"),
        "results_per_conn_min": max(per_min) if per_min else 0.0,
    }

one, auto = out["one"], out["auto"]
ratio = auto["duco_per_day"] / one["duco_per_day"] if one["duco_per_day"] > 0 else 0.0
jobs = one["jobs"] + auto["jobs"]
in_band = 1.0 - (one["out_of_band"] + auto["out_of_band"]) / jobs if jobs else 0.0
print("# slaves: %s" % note, file=sys.stderr)
print("# %-5s %7s %10s %8s %8s %7s %6s %5s %6s %7s %9s" % (
      "user", "workers", "DUCO/day", "DUCO", "shares/h", "duty", "outbnd", "BAD", "moves",
      "jobs", "res/c/min"), file=sys.stderr)
for name in ("one", "auto"):
    r = out[name]
    print("# %-5s %7d %10.2f %8.3f %8.0f %6.1f%% %6d %5d %6d %7d %9.1f" % (
          name, r["workers"], r["duco_per_day"], r["duco"], r["shares_per_hour_per_board"],
          100 * r["board_duty"], r["out_of_band"], r["bad"] + r["rejected"], r["tier_moves"],
          r["jobs"], r["results_per_conn_min"]), file=sys.stderr)
for name in ("one", "auto"):
    rows = [x for x in map(json.loads, open("%s/%s.jobs" % (T, name))) if "type" not in x]
    for x in rows:
        if not 225 < x["hashrate"] < 270:
            print("# %s: outside the band: %s#%d nonce %d reported %.2f (own %.0f) transfer "
                  "%.1f ms, hashing %.1f, detect %.1f, hold %.1f, polls %d" % (
                      name, x["slave"].rsplit(":", 1)[-1], x["worker"], x["nonce"],
                      x["hashrate"], x["r_slave"], x["transfer_ms"], x["slave_elapsed_ms"],
                      x["detect_ms"], x["hold_ms"], x["busy_polls"]), file=sys.stderr)
print("# auto earns %.2fx the DUCO/day of 1 thread (target >= 3.5x); %d of %d reported rates "
      "outside 225..270" % (ratio, one["out_of_band"] + auto["out_of_band"], jobs),
      file=sys.stderr)
print(json.dumps({
    "duco_ratio_threads": round(ratio, 3),
    "reported_in_band": round(in_band, 5),
    "board_duty": round(auto["board_duty"], 4),
    "board_duty_1_thread": round(one["board_duty"], 4),
    "duco_per_day_1_thread": round(one["duco_per_day"], 3),
    "duco_per_day_auto": round(auto["duco_per_day"], 3),
    "workers_auto": auto["workers"],
    "shares_per_hour_per_board_1_thread": round(one["shares_per_hour_per_board"], 1),
    "shares_per_hour_per_board_auto": round(auto["shares_per_hour_per_board"], 1),
    "bad": one["bad"] + auto["bad"] + one["rejected"] + auto["rejected"],
    "tier_moves": one["tier_moves"] + auto["tier_moves"],
    "transfers_deferred_auto": auto["deferred"],
    "results_per_conn_min_max": round(max(one["results_per_conn_min"],
                                          auto["results_per_conn_min"]), 1),
    "slaves": note,
}))
PY
