#!/usr/bin/env bash
# test_report.sh - ducoreport on a hand-computed job log (TAP).
# Two slaves, three jobs, one garbage line and a line cut off mid-write: the
# means, duty cycle and verdict counts must come out as computed by hand, and
# the SVG must be well-formed with one coloured segment per non-zero phase.
set -u
bin=${BUILD:-build}/host/ducoreport
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/../lib/tap.sh"

cat >"$tmp/job.log" <<'LOG'
{"ts":"2026-11-21T10:00:00.000Z","slave":"sim:0x08","job":1,"diff":10,"nonce":500,"hashrate":300.0,"verdict":"GOOD","get_job_wait_ms":500,"transfer_ms":10,"slave_elapsed_ms":1600,"busy_polls":10,"hold_ms":0,"get_res_wait_ms":250,"overall_ms":2400,"processing_ms":40}
this line is not json
{"ts":"2026-11-21T10:00:03.000Z","slave":"sim:0x08","job":2,"diff":10,"nonce":700,"hashrate":310.0,"verdict":"BAD,Incorrect result","get_job_wait_ms":300,"transfer_ms":10,"slave_elapsed_ms":2000,"busy_polls":20,"detect_ms":10,"hold_ms":100,"get_res_wait_ms":250,"overall_ms":2700,"processing_ms":40}
{"ts":"2026-11-21T10:00:01.000Z","slave":"sim:/tmp/run.1/sim.sock:0x09","job":1,"diff":10,"nonce":100,"hashrate":350.0,"verdict":"BLOCK","get_job_wait_ms":100,"transfer_ms":5,"slave_elapsed_ms":300,"busy_polls":3,"hold_ms":0,"get_res_wait_ms":100,"overall_ms":600,"processing_ms":95}
{"ts":"2026-11-21T10:00:05.000Z","slave":"sim:0x09","job":2,"di
LOG
json=$("$bin" --json --svg "$tmp/chart.svg" "$tmp/job.log" 2>"$tmp/err"); rc=$?
ok $rc "ducoreport exits 0 on a log with bad lines"
grep -q "2 of 5 lines were not readable records and were skipped" "$tmp/err"
ok $? "the skipped lines are said on stderr ($(cat "$tmp/err"))"
out=$("$bin" "$tmp/job.log" 2>/dev/null)
py() { python3 -c "import json,sys; d=json.loads(sys.argv[1]); $1" "$json"; }
py 'sys.exit(0 if (d["jobs"],d["good"],d["bad"],d["block"],d["slaves"])==(3,1,1,1,2) else 1)'
ok $? "counts jobs, GOOD, BAD and BLOCK per record (got $json)"
py 'sys.exit(0 if d["skipped_lines"]==2 else 1)'
ok $? "the garbage line and the cut-off line are skipped and counted"
# ReqWait mean (500+300+100)/3 = 300; hashing (1600+2000+300)/3 = 1300; duty 3900/5700
py 'sys.exit(0 if abs(d["req_wait_ms"]-300)<0.01 and abs(d["hash_ms"]-1300)<0.01 and abs(d["duty_cycle"]-3900/5700)<1e-4 else 1)'
ok $? "means and duty cycle match the hand computation"
py 'sys.exit(0 if abs(d["polls_per_job"]-11)<0.01 else 1)'
ok $? "busy polls per job (33/3 = 11)"
echo "$out" | grep -qE '^sim:0x08 +2 +400 +1800 +5 +250 +50 +2550 '
ok $? "per-slave row for sim:0x08: 2 jobs, ReqWait 400, hashing 1800, detect 5, SndWait 250, hold 50, overall 2550"
echo "$out" | grep -qE '^sim:sim.sock:0x09 +1 '
ok $? "a simulated bus's temp-dir socket path is shown by its file name"
python3 - "$tmp/chart.svg" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
rects = [r for r in root.iter('{http://www.w3.org/2000/svg}rect') if r.find('{http://www.w3.org/2000/svg}title') is not None]
# slave 0x08: 7 phases non-zero; 0x09: 5 (no hold, no detect); rig: 7
sys.exit(0 if len(rects) == 19 else 1)
PY
ok $? "SVG is well-formed XML with one segment per non-zero phase and row"
"$bin" "$tmp/missing.log" 2>/dev/null; rc=$?
ok $([ $rc -eq 2 ]; echo $?) "a missing input file is an I/O error (exit 2)"
echo "garbage" >"$tmp/bad.log"
"$bin" "$tmp/bad.log" 2>/dev/null; rc=$?
ok $([ $rc -eq 1 ]; echo $?) "a log without job records exits 1"
"$bin" --help | grep -q '^usage: ducoreport'
ok $? "--help prints usage"
tap_done
