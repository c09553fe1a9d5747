#!/usr/bin/env python3
"""bench_speed.py - how much AVR one host core simulates in ducosim.

Runs ducosim --fast for a fixed stretch of simulated time with N boards of
one kind and divides the simulated cycles of all boards by the CPU time
ducosim used (its user + system time, from the kernel), so the figure is per
host core whatever else the machine runs. Kinds:
  hashing   ducorig's firmware, each board given a job it searches for the
            whole run (no solution, a huge nonce range)
  idle      ducorig's firmware with no job: it sleeps between interrupts
  busyloop  test/foreign's Wire sketch with no job: an Arduino loop() that
            never sleeps, what community firmware costs while it waits
Prints a table and, last, one JSON line with MHz per host core for each kind
and how many 16 MHz hashing boards one core keeps in real time.
Usage: bench_speed.py [--ducosim P] [--firmware ELF] [--sketch ELF]
                      [--boards N] [--seconds S]
"""
import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from ducotest import SimBus, job_frame  # noqa: E402

F_CPU = 16000000


def run(ducosim, elf, boards, seconds, first, job):
    """(simulated s, wall s, cpu s) of one ducosim run."""
    with tempfile.TemporaryDirectory(prefix="ducorig-speed.") as tmp:
        sock = os.path.join(tmp, "bus.sock")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        p = subprocess.Popen([ducosim, "--firmware", elf, "--count", str(boards), "--first-addr",
                              "0x%02x" % first, "--socket", sock, "--fast",
                              "--duration", str(seconds)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = p.stdout.readline()
        if not line.startswith("ready "):
            p.kill()
            raise RuntimeError("ducosim did not start: %s" % p.communicate()[1])
        if job:
            bus = SimBus(sock)
            for i in range(boards):
                # a search that lasts far longer than the run: no solution
                f = job_frame(1, 0, 0xFFFFFF00, "00" * 20, "0" * 40)
                res = bus.xfer(first + i, f)[0]
                if res != 0:
                    raise RuntimeError("job to 0x%02x refused (%d)" % (first + i, res))
            bus.close()
        err = p.communicate()[1]
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    m = re.search(r"sim ([0-9.]+) s in ([0-9.]+) s wall", err)
    if p.returncode != 0 or not m:
        raise RuntimeError("ducosim failed (%s): %s" % (p.returncode, err))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return float(m.group(1)), float(m.group(2)), cpu


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    build = os.environ.get("BUILD", "build")
    ap.add_argument("--ducosim", default=os.path.join(build, "host", "ducosim"))
    ap.add_argument("--firmware", default=os.path.join(build, "avr-nano", "firmware.elf"))
    ap.add_argument("--sketch", default=os.path.join(build, "foreign", "wire_slave_10.elf"))
    ap.add_argument("--boards", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=5, help="simulated seconds per run")
    a = ap.parse_args()

    kinds = [("hashing", a.firmware, 0x08, True), ("idle", a.firmware, 0x08, False),
             ("busyloop", a.sketch, 0x10, False)]
    out = {"boards": a.boards, "sim_seconds": a.seconds, "f_cpu": F_CPU}
    print("%-9s %6s %8s %8s %8s %14s" % ("kind", "boards", "sim s", "wall s", "cpu s", "MHz/host core"))
    for name, elf, first, job in kinds:
        if not os.path.exists(elf):
            print("%-9s skipped: %s not built" % (name, elf))
            continue
        n = 1 if name == "busyloop" else a.boards
        sim, wall, cpu = run(a.ducosim, elf, n, a.seconds, first, job)
        mhz = sim * F_CPU * n / cpu / 1e6 if cpu > 0 else 0
        print("%-9s %6d %8.2f %8.2f %8.2f %14.1f" % (name, n, sim, wall, cpu, mhz))
        out["mhz_per_core_" + name] = round(mhz, 1)
    if "mhz_per_core_hashing" in out:
        out["hashing_boards_realtime_per_core"] = round(out["mhz_per_core_hashing"] * 1e6 / F_CPU, 2)
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
