#!/usr/bin/env bash
# run.sh - the main job, scripts/ducorig-run (what `make run` starts), as a
# fresh machine runs it: with no Python on the PATH (make run installs none),
# two firmware slaves in ducosim against ducopool for a few seconds. It must
# exit 0 having logged jobs, and leave no child running. TAP.
set -u
. "$(dirname "$0")/../lib/tap.sh"
tap_workdir ducorig-run-test
# every command of the PATH but Python
mkdir "$T/bin"
IFS=: read -r -a dirs <<<"$PATH"
for d in "${dirs[@]}"; do
	for f in "$d"/*; do
		n=${f##*/}
		case $n in python* | pip*) continue ;; esac
		[ -x "$f" ] && [ ! -e "$T/bin/$n" ] && ln -s "$f" "$T/bin/$n"
	done
done
! PATH=$T/bin command -v python3 >/dev/null; ok $? "the test's PATH has no python3"

# -- --http 127.0.0.1:0: the master's HTTP side on a port the kernel picks,
# so the run does not take the default port (9550) from a ducomaster of this
# machine or another test; the run must say where it is.
JOBLOG=$T/joblog.jsonl PATH=$T/bin scripts/ducorig-run --duration 8 --slaves 2 --fast \
	-- --http 127.0.0.1:0 >"$T/out" 2>"$T/err"
rc=$?
jobs=$(sed -n 's/^job log: .* (\([0-9]*\) jobs)$/\1/p' "$T/out")
[ $rc -eq 0 ] && [ "${jobs:-0}" -gt 0 ]
ok $? "ducorig-run without Python: exit $rc, ${jobs:-no} jobs logged$([ $rc -eq 0 ] || echo ": $(tail -q -n 3 "$T/err" "$T/out" | tr '\n' ' ')")"
! grep -q 'command not found' "$T/err"; ok $? "no command was missing ($(grep -m1 'command not found' "$T/err"))"
web=$(sed -n 's|^ducorig-run: dashboard, /metrics and /api/status on http://\(.*\)/$|\1|p' "$T/err")
[[ $web =~ ^127\.0\.0\.1:[0-9]+$ ]] && [ "${web#*:}" != 9550 ] && [ "${web#*:}" != 0 ]
ok $? "the dashboard address said is the one the master bound (${web:-none}), not its default"
tap_done
