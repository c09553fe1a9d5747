#!/usr/bin/env bash
# profile.sh - make profile: ducomaster under perf on the simulated rig, so a
# slow path is found the way the performance guide does it (section 3,
# ../shared/seeds/001_*): perf record with call graphs, then a flame graph
# when a flame-graph tool is installed (inferno-flamegraph, or Brendan
# Gregg's stackcollapse-perf.pl + flamegraph.pl on PATH; Debian packages
# none), else perf's own report.
#
# The rig: ducopool on loopback without delays and ducosim with
# PROFILE_SLAVES (default 50) host model slaves at 300 H/s, so the master
# has many jobs to run in PROFILE_SECONDS (default 30). Call graphs through
# DWARF unwinding (the build keeps no frame pointers), sampled at 999 Hz.
# Output in $PROFILE_DIR (default build/profile): perf.data, report.txt
# (perf report, by self time, with callers), and flamegraph.svg when a tool
# was found. The master's HTTP side is on, as the service has it, on a port
# the kernel picks (its default 9550 may be a running ducomaster's).
# Children stopped by pid.
set -u
. "$(dirname "$0")/../lib/tap.sh"       # spawn, wait_for and the scratch folder
B=${BUILD:-build}/host
FW=${BUILD:-build}/avr-nano/firmware.elf
SECS=${PROFILE_SECONDS:-30}
N=${PROFILE_SLAVES:-50}
OUT=${PROFILE_DIR:-${BUILD:-build}/profile}
tap_workdir ducomaster-profile
mkdir -p "$OUT"

spawn "$B/ducopool" --listen 127.0.0.1:0 --seed 7 --max-shares-per-min 1000 >"$T/pool" 2>&1
pool_pid=$SPAWNED
spawn "$B/ducosim" --socket "$T/sim.sock" --firmware "$FW" --count 0 --first-addr 0x08 \
	--model-slaves "$N" --model-hashrate 300 >"$T/sim" 2>&1
wait_for "$T/pool" '^listening on' 20 "$pool_pid" && wait_for "$T/sim" '^ready' 20 "$SPAWNED" ||
	{ echo "profile: the pool or the simulator did not start" >&2; exit 1; }
pool=$(sed -n 's/^listening on //p' "$T/pool")
addrs=$(for ((i = 0; i < N; i++)); do printf '0x%02x,' $((8 + i)); done)
addrs=${addrs%,}

echo "profile: ducomaster with $N model slaves for $SECS s under perf record" >&2
perf record -F 999 --call-graph dwarf,16384 -o "$OUT/perf.data" -- \
	"$B/ducomaster" --pool "$pool" --bus "sim:$T/sim.sock" --slaves "$addrs" --user profile \
	--http 127.0.0.1:0 --duration "$SECS" --no-table --log "$T/master.log" --log-level info --joblog "$T/jobs" \
	>"$T/master.out" 2>"$T/perf.err"
rc=$?
if [ $rc -ne 0 ] || [ ! -s "$OUT/perf.data" ]; then
	echo "profile: perf record failed (exit $rc):" >&2
	cat "$T/perf.err" >&2
	echo "(perf needs kernel.perf_event_paranoid <= 2 for a process of your own)" >&2
	exit 1
fi
jobs=$(grep -c '"verdict":' "$T/jobs")
perf report -i "$OUT/perf.data" --stdio --no-children --sort symbol --percent-limit 0.5 \
	>"$OUT/report.txt" 2>/dev/null
echo "profile: $jobs jobs; perf report by self time: $OUT/report.txt" >&2
# the hottest functions, as the guide's `perf report` shows them
grep -E '^ +[0-9.]+%' "$OUT/report.txt" | head -n 15 >&2

flame=
if command -v inferno-collapse-perf >/dev/null && command -v inferno-flamegraph >/dev/null; then
	perf script -i "$OUT/perf.data" 2>/dev/null | inferno-collapse-perf |
		inferno-flamegraph >"$OUT/flamegraph.svg" && flame=inferno
elif command -v stackcollapse-perf.pl >/dev/null && command -v flamegraph.pl >/dev/null; then
	perf script -i "$OUT/perf.data" 2>/dev/null | stackcollapse-perf.pl |
		flamegraph.pl >"$OUT/flamegraph.svg" && flame=FlameGraph
fi
if [ -n "$flame" ]; then
	echo "profile: flame graph ($flame): $OUT/flamegraph.svg" >&2
else
	echo "profile: no flame-graph tool installed (Debian packages none): perf's report above" >&2
fi
