#!/usr/bin/env python3
"""bench_fw.py - cycles per nonce of the slave firmware in the simulator.

For 3-, 5- and 7-digit nonces it runs two one-shot jobs through ducosim that
start at the same nonce and differ only in where the answer is planted
(100 and 400 nonces later); the difference of their cycle counts (JOB frame's
STOP -> firmware idle again) divided by 300 is the per-nonce cost with the
per-job setup excluded. Polls: the same job once quiet and once with a status
poll every millisecond; the extra cycles divided by the number of polls is
what one poll costs the slave (1-byte quick poll and 2-byte checked poll).
Everything is simulated cycle-accurately, so the figures are exact and the
same on every run and every host. Prints a table, then one JSON line (the last
line) with cycles_per_nonce_3/5/7, hs_16mhz, poll_cycles and more.

Options: --firmware ELF, --board NAME (a label for the report), --mcu,
--freq (passed to ducosim; the firmware carries no .mmcu section),
--ducosim PATH, --bus-khz.
"""
import argparse
import hashlib
import json
import subprocess
import sys

LAST = "05b7406b3909071b2d85b2d2958ad07a0d52bd12"   # any fixed 40-char hash
SPAN = (100, 400)                                   # planted offsets from start


def run(a, start, planted, extra=()):
    end = start + 1000
    diff = end // 100 + 1
    expected = hashlib.sha1((LAST + str(planted)).encode()).hexdigest()
    cmd = [a.ducosim, "--firmware", a.firmware, "--mcu", a.mcu, "--freq", str(a.freq),
           "--bus-khz", str(a.bus_khz), "--job", "%s,%s,%d" % (LAST, expected, diff),
           "--start-nonce", str(start), "--end-nonce", str(end), "--json"] + list(extra)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        sys.exit("bench_fw: ducosim failed: %s\n%s" % (" ".join(cmd), p.stderr))
    r = json.loads(p.stdout)
    if not r["found"] or r["nonce"] != planted:
        sys.exit("bench_fw: wrong answer %s for planted nonce %d" % (r["nonce"], planted))
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ducosim", default="build/host/ducosim")
    ap.add_argument("--firmware", default="build/avr-nano/firmware.elf")
    ap.add_argument("--board", default="nano")
    ap.add_argument("--mcu", default="atmega328p")
    ap.add_argument("--freq", type=int, default=16000000)
    ap.add_argument("--bus-khz", type=int, default=100)
    a = ap.parse_args()

    out = {"board": a.board, "mcu": a.mcu, "f_cpu": a.freq}
    max_stretch, max_status = 0, None
    rows = []

    def note_stretch(r):
        nonlocal max_stretch, max_status
        if r["max_stretch_cycles"] > max_stretch:
            max_stretch, max_status = r["max_stretch_cycles"], r.get("max_stretch_status")

    for digits in (3, 5, 7):
        start = 10 ** (digits - 1)
        r1 = run(a, start, start + SPAN[0])
        r2 = run(a, start, start + SPAN[1])
        delta = r2["cycles"] - r1["cycles"]
        per = delta / (SPAN[1] - SPAN[0])
        setup = r1["cycles"] - per * (SPAN[0] + 1)
        out["cycles_per_nonce_%d" % digits] = round(per, 2)
        out["job_setup_cycles_%d" % digits] = round(setup)
        note_stretch(r1)
        note_stretch(r2)
        rows.append((digits, r1["cycles"], r2["cycles"], per, setup))
    out["hs_16mhz"] = round(16e6 / out["cycles_per_nonce_3"], 1)
    out["hs_at_f_cpu"] = round(a.freq / out["cycles_per_nonce_3"], 1)

    start = 100
    quiet = run(a, start, start + SPAN[1])
    for nbytes, key in ((1, "poll_cycles"), (2, "poll2_cycles")):
        polled = run(a, start, start + SPAN[1], ("--poll-us", "1000", "--poll-bytes", str(nbytes)))
        if polled["polls"] == 0:
            sys.exit("bench_fw: no polls landed during the job")
        cost = (polled["cycles"] - quiet["cycles"]) / polled["polls"]
        out[key] = round(cost)
        out[key + "_mean"] = round(cost, 2)
        out[key.replace("cycles", "count")] = polled["polls"]
        note_stretch(polled)
    out["max_stretch_cycles"] = max_stretch
    out["max_stretch_us"] = round(max_stretch * 1e6 / a.freq, 2)
    out["max_stretch_status"] = max_status

    print("firmware %s (%s, %s at %.1f MHz), simulated in ducosim" %
          (a.firmware, a.board, a.mcu, a.freq / 1e6))
    print("%-7s %14s %14s %16s %12s" % ("digits", "cycles @+100", "cycles @+400",
                                        "cycles/nonce", "job setup"))
    for digits, c1, c2, per, setup in rows:
        print("%-7d %14d %14d %16.2f %12d" % (digits, c1, c2, per, round(setup)))
    print("H/s at 16 MHz (3 digits): %.1f" % out["hs_16mhz"])
    print("status poll cost: %d cycles (1-byte), %d cycles (2-byte)" %
          (out["poll_cycles"], out["poll2_cycles"]))
    print("max SCL stretch: %d cycles = %.2f us (after TWSR status %s)" %
          (max_stretch, out["max_stretch_us"], max_status))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
