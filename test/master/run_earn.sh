#!/usr/bin/env bash
# run_earn.sh - the main job's last line: scripts/ducorig-run (what `make
# run` starts) runs ducopool with its REST side and ends with "earned X DUCO
# in N s = Y DUCO/day (local pool)", X from the pool's balance over REST.
# Two firmware slaves for 40 s: each connection's first 10 shares pay
# nothing, so the run must last long enough for paid shares, also on a busy
# machine (tests run side by side), where the simulated boards run slower.
# TAP on stdout; ducorig-run stops its own children.
set -u
. "$(dirname "$0")/../lib/tap.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/ducorig-run-test.XXXXXX")
trap 'rm -rf "$T"' EXIT

# -- --http "": the master's HTTP side off, so the run does not take the
# default port (9550) from a ducomaster of this machine or another test.
BUILD=${BUILD:-build} scripts/ducorig-run --duration 40 --slaves 2 -- --http "" >"$T/out" 2>"$T/err"
rc=$?
ok $rc "ducorig-run --duration 40 exits 0"
last=$(tail -n 1 "$T/out")
re='^earned ([0-9.]+) DUCO in ([0-9]+) s = ([0-9.]+) DUCO/day \(local pool\)$'
if [[ $last =~ $re ]]; then
	ok 0 "the last line is the earnings line: $last"
	x=${BASH_REMATCH[1]} n=${BASH_REMATCH[2]} y=${BASH_REMATCH[3]}
	ok "$(awk -v x="$x" 'BEGIN { print !(x > 0) }')" "the rig earned something ($x DUCO)"
	ok "$(awk -v n="$n" 'BEGIN { print !(n >= 39 && n <= 60) }')" "N is the run's length ($n s)"
	ok "$(awk -v x="$x" -v n="$n" -v y="$y" 'BEGIN { d = x / n * 86400 - y; if (d < 0) d = -d;
		print !(d <= 0.02 * y + 0.01) }')" "Y = X / N scaled to a day"
else
	ok 1 "the last line is the earnings line"
	diag "$(tail -n 5 "$T/out")" "$(tail -n 5 "$T/err")"
fi
tap_done
