#!/usr/bin/env bash
# test_report.sh - ducoreport on a hand-computed job log (TAP).
# Two slaves, three jobs, one garbage line and a line cut off mid-write: the
# means, duty cycle and verdict counts must come out as computed by hand, and
# the SVG must be well-formed with one coloured segment per non-zero phase.
# Earnings: balance records measured, the estimate by hand (see below).
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
# Earnings. Slave sim:0x08: 12 GOOD shares, nonce 343 in a share time of
# 1000 ms (overall 1800 - ReqWait 500 - SndWait 300): h = 343 H/s; shares 11
# and 12 pay 2 ln 343 = 11.67545 each: 23.3509 / 37500 = 6.22695e-4 DUCO
# over 11 s (10:00:00..10:00:11) = 4.891 DUCO/day. Balance records: 1.0 at
# 10:00:00, 1.01 at 10:16:40: 0.01 DUCO in 1000 s = 0.864 DUCO/day; an
# estimate record (no REST answer: balance 0) is not a balance, and an
# unknown type is skipped.
python3 - "$tmp/earn.log" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(12):
        f.write(json.dumps({"ts": "2026-11-21T10:00:%02d.000Z" % i, "slave": "sim:0x08",
                            "job": i + 1, "diff": 10, "nonce": 343, "hashrate": 343,
                            "verdict": "GOOD", "get_job_wait_ms": 500, "transfer_ms": 10,
                            "slave_elapsed_ms": 990, "get_res_wait_ms": 300,
                            "overall_ms": 1800}) + "\n")
    f.write('{"ts":"2026-11-21T10:00:00.000Z","type":"earnings","source":"rest","balance":1.0,"miners":1}\n')
    f.write('{"ts":"2026-11-21T10:00:50.000Z","type":"earnings","source":"estimate","balance":0,"duco_per_day":3,"miners":0}\n')
    f.write('{"ts":"2026-11-21T10:01:00.000Z","type":"weather","sky":"blue"}\n')
    f.write('{"ts":"2026-11-21T10:16:40.000Z","type":"earnings","source":"rest","balance":1.01,"miners":3}\n')
PY
out=$("$bin" --json "$tmp/earn.log"); rc=$?
ok $rc "ducoreport reads a log with earnings records and an unknown type"
json=$(echo "$out" | tail -n 1)
py 'r=d["report"]; sys.exit(0 if abs(r["duco_per_day"]-0.864)<1e-6 else 1)'
ok $? "measured: 0.01 DUCO in 1000 s = 0.864 DUCO/day, the estimate record's zero balance left out"
py 'r=d["report"]; b=d["boards"][0]; sys.exit(0 if abs(r["est_duco"]-6.22695e-4)<1e-8 and abs(b["est_duco"]-6.22695e-4)<1e-8 and abs(b["est_duco_per_day"]-4.891)<1e-3 else 1)'
ok $? "estimate: 2 paid shares, 6.227e-4 DUCO = 4.891 DUCO/day for the board and the rig"
out=$("$bin" "$tmp/earn.log")
echo "$out" | grep -qE '^  DUCO/day: +0.864 \(from the wallet\)$' &&
	echo "$out" | grep -qE '^  DUCO/day est.: +4.891 \(0.000623 DUCO by the pool.s formula from the accepted shares, reward_div 37500: sim:0x08 4.89\)$'
ok $? "the text shows the wallet's DUCO/day and the estimate per board"
grep -v '"type"' "$tmp/earn.log" >"$tmp/noearn.log"
out=$("$bin" "$tmp/noearn.log")
echo "$out" | grep -q 'DUCO/day: .*(no earnings records)' && echo "$out" | grep -qE '^  DUCO/day est.: +4.891 '
ok $? "without balance records: the estimate, and it says so"

"$bin" "$tmp/missing.log" 2>/dev/null; rc=$?
ok $([ $rc -eq 2 ]; echo $?) "a missing input file is an I/O error (exit 2)"
echo "garbage" >"$tmp/bad.log"
"$bin" "$tmp/bad.log" 2>/dev/null; rc=$?
ok $([ $rc -eq 1 ]; echo $?) "a log without job records exits 1"
"$bin" --help | grep -q '^usage: ducoreport'
ok $? "--help prints usage"
tap_done
