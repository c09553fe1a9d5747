#!/usr/bin/env bash
# run-tests.sh - run ducorig's test programs and scripts, count TAP results.
#
# Each argument is an executable that prints TAP lines ("ok N - name",
# "not ok N - name", "# comment") on stdout. A program that exits non-zero
# without reporting a failure, or that runs past its time limit, counts as one
# failed test. The last line printed is the plain summary "N passed, N failed".
# Output of each program is kept in build/test-logs/<run>/<name>.log, one
# directory per run (so runs side by side in one tree never share a log);
# build/test-logs/latest points at the newest, the last 5 runs are kept.
# TEST_WRAPPER (words) runs each ELF program, e.g. under qemu-user for a
# cross build: TEST_WRAPPER="qemu-aarch64 -L /usr/aarch64-linux-gnu".
#
# TEST_JOBS programs run at once (default: the number of CPUs, at most 4).
# Most of the suite waits on simulated rigs and loopback servers rather than
# computing, so on CI's two cores two or three at a time take about half the
# wall time of one. Every test already works in its own scratch folder on
# ports the kernel picks, so they cannot meet; TEST_JOBS=1 runs them one by
# one, in the order given. The result lines come out in the order given
# whatever the order the programs end in; the ones known to take longest
# (the list below) start first so they do not end up last alone.
# A process of the run still listening on ducomaster's default HTTP port
# (9550) at the end counts as one failed test: a test took the port a user's
# own ducomaster wants, and left its child running.
set -u
read -r -a wrapper <<<"${TEST_WRAPPER:-}"
TEST_TIMEOUT=${TEST_TIMEOUT:-600}
ncpu=$(nproc 2>/dev/null || echo 1)
TEST_JOBS=${TEST_JOBS:-$(( ncpu > 4 ? 4 : ncpu ))}
[[ $TEST_JOBS =~ ^[1-9][0-9]*$ ]] || { echo "run-tests.sh: TEST_JOBS must be a positive number, not '$TEST_JOBS'" >&2; exit 2; }
# The long ones, measured on main (seconds of one run on two cores).
LONG_FIRST=(e2e.sh test_ducowatch.py test_asm.sh fault_suite.py earn.sh http_side.py
	run_earn.sh observe.py health.py faults.sh run.sh pi_stretch.py)
logroot=${BUILD:-build}/test-logs
mkdir -p "$logroot"
logdir=$(mktemp -d "$logroot/$(date +%Y%m%d-%H%M%S).XXXX")
ln -sfn "$(basename "$logdir")" "$logroot/latest"
# Runs older than the last 5 go; a run still going is at most that old.
ls -1dt "$logroot"/*.???? 2>/dev/null | tail -n +6 | while read -r old; do rm -rf "$old"; done

# Every process of the run inherits it: a listener that has it is the run's,
# one without it the user's own.
export DUCORIG_TEST_RUN=$logdir

log_name() { echo "$1" | sed 's|^build/host/||; s|/|_|g'; }

# run_one TEST: run it, leave its log and "passed skipped failed seconds
# status" in $logdir/<name>.res (written last: its presence means done).
run_one() {
	local t=$1 name log start rc p s f run
	name=$(log_name "$t")
	log="$logdir/$name.log"
	start=$(date +%s)
	run=("$t")
	[ ${#wrapper[@]} -gt 0 ] && [ "$(head -c 4 "$t" 2>/dev/null)" = $'\x7fELF' ] && run=("${wrapper[@]}" "$t")
	timeout --kill-after=10 "$TEST_TIMEOUT" "${run[@]}" >"$log" 2>&1 </dev/null
	rc=$?
	p=$(grep -aE '^ok( |$)' "$log" | grep -avic '# *skip' || true)
	s=$(grep -aE '^ok( |$)' "$log" | grep -aic '# *skip' || true)
	f=$(grep -acE '^not ok( |$)' "$log" || true)
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $t exited with status $rc" >>"$log"
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$s" -eq 0 ]; then
		f=1
		echo "not ok - $t reported no tests" >>"$log"
	fi
	echo "$p $s $f $(( $(date +%s) - start ))" >"$log.res.tmp" && mv "$log.res.tmp" "$log.res"
}

# The start order: the long ones first, then the rest as given.
tests=("$@") order=()
for l in "${LONG_FIRST[@]}"; do
	for t in "${tests[@]}"; do [ "$(basename "$t")" = "$l" ] && order+=("$t"); done
done
for t in "${tests[@]}"; do
	case " ${LONG_FIRST[*]} " in *" $(basename "$t") "*) ;; *) order+=("$t") ;; esac
done

passed=0 failed=0 skipped=0 next=0 running=0
# report: print the results of the tests, in the order given, that have
# ended and have every test before them ended too.
report() {
	local t name log p s f secs
	while [ "$next" -lt ${#tests[@]} ]; do
		t=${tests[$next]}
		name=$(log_name "$t")
		log="$logdir/$name.log"
		[ -f "$log.res" ] || return 0
		read -r p s f secs <"$log.res"
		passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
		if [ "$f" -gt 0 ]; then
			printf 'FAIL  %-44s %4d passed %3d failed (%ds)\n' "$t" "$p" "$f" "$secs"
			grep -aE '^not ok' "$log" | head -20 | sed 's/^/      /'
			echo "      log: $log"
		else
			printf 'ok    %-44s %4d passed %3d skipped (%ds)\n' "$t" "$p" "$s" "$secs"
		fi
		next=$((next + 1))
	done
}
for t in "${order[@]}"; do
	while [ "$running" -ge "$TEST_JOBS" ]; do
		wait -n
		running=$((running - 1))
		report
	done
	run_one "$t" &
	running=$((running + 1))
done
wait
report
if command -v ss >/dev/null; then
	for pid in $(ss -Hltnp 'sport = :9550' 2>/dev/null | grep -o 'pid=[0-9]*' | sort -u | cut -d= -f2); do
		tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qxF "DUCORIG_TEST_RUN=$logdir" || continue
		failed=$((failed + 1))
		printf 'FAIL  pid %s (%s) of this run still listens on port 9550\n' "$pid" \
			"$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-120)"
	done
fi
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
