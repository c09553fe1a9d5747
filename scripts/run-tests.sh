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
set -u
read -r -a wrapper <<<"${TEST_WRAPPER:-}"
TEST_TIMEOUT=${TEST_TIMEOUT:-600}
logroot=${BUILD:-build}/test-logs
mkdir -p "$logroot"
logdir=$(mktemp -d "$logroot/$(date +%Y%m%d-%H%M%S).XXXX")
ln -sfn "$(basename "$logdir")" "$logroot/latest"
# Runs older than the last 5 go; a run still going is at most that old.
ls -1dt "$logroot"/*.???? 2>/dev/null | tail -n +6 | while read -r old; do rm -rf "$old"; done
passed=0 failed=0 skipped=0
failed_names=()
for t in "$@"; do
	name=$(echo "$t" | sed 's|^build/host/||; s|/|_|g')
	log="$logdir/$name.log"
	start=$(date +%s)
	run=("$t")
	[ ${#wrapper[@]} -gt 0 ] && [ "$(head -c 4 "$t" 2>/dev/null)" = $'\x7fELF' ] && run=("${wrapper[@]}" "$t")
	timeout --kill-after=10 "$TEST_TIMEOUT" "${run[@]}" >"$log" 2>&1
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
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
	secs=$(( $(date +%s) - start ))
	if [ "$f" -gt 0 ]; then
		printf 'FAIL  %-44s %4d passed %3d failed (%ds)\n' "$t" "$p" "$f" "$secs"
		grep -aE '^not ok' "$log" | head -20 | sed 's/^/      /'
		echo "      log: $log"
		failed_names+=("$t")
	else
		printf 'ok    %-44s %4d passed %3d skipped (%ds)\n' "$t" "$p" "$s" "$secs"
	fi
done
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
