#!/usr/bin/env bash
# fuzz.sh - run ducorig's libFuzzer harnesses (make fuzz) or fold what they
# found into the committed corpora (make fuzz-merge).
#
# Usage: scripts/fuzz.sh run|merge FUZZDIR SECONDS RUNS JOBS HARNESS...
# run: each harness FUZZDIR/bin/<h> for SECONDS or RUNS executions,
# whichever ends first, starting from test/fuzz/corpus/<h>/ (read only) and
# adding what it finds to FUZZDIR/corpus/<h>/; JOBS harnesses at a time
# (at most one per harness), each one libFuzzer process with its log in
# FUZZDIR/<h>.log, the slowest in the last run's FUZZDIR/summary.txt
# first (then the order given). A crash leaves its input as
# FUZZDIR/crash-<h>-*. Prints a line as each harness starts and ends, then
# writes FUZZDIR/summary.txt in the order given: executions, edges covered
# (cov), features (ft), corpus size, exec/s per harness. Exit status 1 if
# any harness crashed or failed. merge: test/fuzz/corpus/<h>/ becomes the
# minimal set (-merge=1) that keeps the coverage of itself and
# FUZZDIR/corpus/<h>/ (files named by content hash, as libFuzzer does), one
# harness after the other (JOBS is not used).
set -u
mode=$1 dir=$2 secs=$3 runs=$4 njobs=$5
shift 5
rc=0
row() { printf '%-11s %12s %7s %7s %6s %9s %s\n' "$@"; }

# Run harness $1 and write its summary row to FUZZDIR/<h>.row.
fuzz_one() {
	local h=$1 log=$dir/$1.log fp r execs speed last cov ft corp res
	mkdir -p "$dir/corpus/$h"
	"$dir/bin/$h" -max_total_time="$secs" -runs="$runs" -print_final_stats=1 \
		-timeout=10 -rss_limit_mb=2048 -artifact_prefix="$dir/crash-$h-" \
		"$dir/corpus/$h" "test/fuzz/corpus/$h" >"$log" 2>&1 &
	fp=$!
	# stopped (the run was interrupted): the fuzzer stops too
	trap 'kill "$fp" 2>/dev/null; exit 143' TERM
	wait "$fp"
	r=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	last=$(grep -aE '^#[0-9]+' "$log" | tail -n 1)
	cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
	ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
	corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
	res=ok
	[ "$r" -eq 0 ] || res="FAILED (status $r, see $log)"
	row "$h" "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "${speed:-?}" "$res" \
		>"$dir/$h.row"
}

case $mode in
run)
	[[ $njobs =~ ^[1-9][0-9]*$ ]] ||
		{ echo "fuzz.sh: FUZZ_JOBS must be a positive number, not '$njobs'" >&2; exit 2; }
	[ "$njobs" -le $# ] || njobs=$#
	declare -A pid_of=()
	# an interrupted run takes its harnesses with it
	trap '[ ${#pid_of[@]} -eq 0 ] || kill "${pid_of[@]}" 2>/dev/null; exit 130' INT TERM
	finish() {      # reap one finished harness
		local p h
		wait -n -p p "${pid_of[@]}"
		for h in "${!pid_of[@]}"; do
			[ "${pid_of[$h]}" = "$p" ] || continue
			unset "pid_of[$h]"
			echo "$(date -u +%T) done  $(cat "$dir/$h.row" 2>/dev/null || echo "$h FAILED (no result)")"
		done
	}
	# Slowest first, by the last run's exec/s (a harness it did not run
	# first of all, then the listed order): with FUZZ_RUNS reached by the
	# fast ones in seconds, a slow one started last would end the run alone.
	mapfile -t order < <(for h in "$@"; do
		v=$(awk -v h="$h" '$1 == h && $6 ~ /^[0-9]+$/ { print $6 }' "$dir/summary.txt" \
			2>/dev/null | tail -n 1)
		echo "${v:-0} $h"
	done | sort -s -n -k1,1 | cut -d' ' -f2)
	for h in "$@"; do
		rm -f "$dir/$h.row"
	done
	for h in "${order[@]}"; do
		[ ${#pid_of[@]} -lt "$njobs" ] || finish
		echo "$(date -u +%T) start $h"
		fuzz_one "$h" &
		pid_of[$h]=$!
	done
	while [ ${#pid_of[@]} -gt 0 ]; do
		finish
	done
	sum=$dir/summary.txt
	row harness executions cov ft corpus exec/s result >"$sum"
	for h in "$@"; do
		if [ -f "$dir/$h.row" ]; then
			cat "$dir/$h.row" >>"$sum"
		else
			row "$h" '?' '?' '?' '?' '?' "FAILED (no result)" >>"$sum"
		fi
		grep -q ' ok$' "$dir/$h.row" 2>/dev/null || rc=1
		rm -f "$dir/$h.row"
	done
	cat "$sum"
	echo "summary: $sum"
	;;
merge)
	for h in "$@"; do
		new=$(mktemp -d)
		mkdir -p "$dir/corpus/$h" "test/fuzz/corpus/$h"
		if "$dir/bin/$h" -merge=1 -timeout=10 "$new" "test/fuzz/corpus/$h" "$dir/corpus/$h" \
			>"$dir/$h.merge.log" 2>&1; then
			rm -f "test/fuzz/corpus/$h"/*
			cp "$new"/* "test/fuzz/corpus/$h/" 2>/dev/null
			echo "$h: $(ls "test/fuzz/corpus/$h" | wc -l) inputs," \
				"$(du -sk "test/fuzz/corpus/$h" | cut -f1) KB"
		else
			echo "$h: merge failed (see $dir/$h.merge.log)"
			rc=1
		fi
		rm -rf "$new"
	done
	;;
*) echo "usage: $0 run|merge FUZZDIR SECONDS RUNS JOBS HARNESS..." >&2; exit 2 ;;
esac
exit "$rc"
