#!/usr/bin/env bash
# fuzz.sh - run ducorig's libFuzzer harnesses (make fuzz) or fold what they
# found into the committed corpora (make fuzz-merge).
#
# Usage: scripts/fuzz.sh run|merge FUZZDIR SECONDS RUNS HARNESS...
# run: each harness FUZZDIR/bin/<h> in turn for SECONDS or RUNS executions,
# whichever ends first, starting from test/fuzz/corpus/<h>/ (read only) and
# adding what it finds to FUZZDIR/corpus/<h>/; a crash leaves its input as
# FUZZDIR/crash-<h>-*. Prints and writes FUZZDIR/summary.txt: executions,
# edges covered (cov), features (ft), corpus size, exec/s per harness. Exit
# status 1 if any harness crashed or failed. merge: test/fuzz/corpus/<h>/
# becomes the minimal set (-merge=1) that keeps the coverage of itself and
# FUZZDIR/corpus/<h>/ (files named by content hash, as libFuzzer does).
set -u
mode=$1 dir=$2 secs=$3 runs=$4
shift 4
rc=0
case $mode in
run)
	sum=$dir/summary.txt
	printf '%-11s %12s %7s %7s %6s %9s %s\n' harness executions cov ft corpus exec/s result >"$sum"
	for h in "$@"; do
		mkdir -p "$dir/corpus/$h"
		log=$dir/$h.log
		"$dir/bin/$h" -max_total_time="$secs" -runs="$runs" -print_final_stats=1 \
			-timeout=10 -rss_limit_mb=2048 -artifact_prefix="$dir/crash-$h-" \
			"$dir/corpus/$h" "test/fuzz/corpus/$h" >"$log" 2>&1
		r=$?
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
		speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
		last=$(grep -aE '^#[0-9]+' "$log" | tail -n 1)
		cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
		ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
		corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
		res=ok
		[ "$r" -eq 0 ] || { res="FAILED (status $r, see $log)"; rc=1; }
		printf '%-11s %12s %7s %7s %6s %9s %s\n' "$h" "${execs:-?}" "${cov:-?}" "${ft:-?}" \
			"${corp:-?}" "${speed:-?}" "$res" >>"$sum"
		tail -n 1 "$sum"
	done
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
*) echo "usage: $0 run|merge FUZZDIR SECONDS RUNS HARNESS..." >&2; exit 2 ;;
esac
exit "$rc"
