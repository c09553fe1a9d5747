#!/usr/bin/env python3
"""pi_stretch.py - the firmware under ducosim's model of the Raspberry Pi's
I2C controller (--pi-i2c, docs/ducosim.md): how often its clock stretches
end in a clock too short for the slave, what that does to transfers, and
that CRC and retries keep every wrong byte away from the pool.

1. Error rates, straight over ducosim's socket (no master): one nano board,
   identity reads (IDENTIFY, then 28 bytes) at 100 kHz and at 400 kHz, with
   the default shortest visible high of 175 ns and shorter ones; ducosim's own
   counts give the short clocks per stretch, the reads that fail their CRC
   give the rate per transfer. The firmware's stretch lengths (a histogram
   of every stretch, in cycles) are printed for the docs table.
2. Rigs: four boards, ducopool and ducomaster at 100 kHz / 175 ns (mining,
   no short clock) and at 400 kHz / 75 ns (a short clock on most job
   transfers, so hardly a share): either way no wrong nonce at the pool,
   every verdict recorded, no crash.
TAP; every child stopped by pid.
"""
import json
import os
import re
import sys
import tempfile
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fault_suite as fs  # noqa: E402  (its rig helpers)

tap = fs.tap


def sim_counts(sim):
    """ducosim's --pi-i2c summary: (stretches, short clocks, writes, reads
    corrupted) and the stretch histogram {cycles: count}."""
    text = open(sim.err_path).read()
    m = re.search(r"pi-i2c: (\d+) stretches before data, (\d+) short clocks .*?, "
                  r"(\d+) written bytes and (\d+) reads corrupted", text)
    h = re.search(r"stretch cycles:(.*)", text)
    hist = {}
    if h:
        for item in h.group(1).split():
            k, v = item.split(":")
            hist[int(k.rstrip("+"))] = int(v)
    return (tuple(int(g) for g in m.groups()) if m else None), hist


def rates(tmp, khz, min_high, reads):
    kids = fs.Children(tmp)
    try:
        sim, sock = fs.start_sim(kids, "rate%d_%d" % (khz, min_high), "--firmware", fs.FW,
                                 "--count", 1, "--first-addr", "0x08", "--bus-khz", khz,
                                 "--pi-i2c", "--pi-min-high-ns", min_high, "-v", "-v")
        bus = tap.SimBus(sock)
        bad = sum(bus.identify(0x08) is None for _ in range(reads))
        bus.close()
        rc = kids.stop(sim)
        counts, hist = sim_counts(sim)
        return rc, bad, counts, hist
    finally:
        kids.stop_all()


def rig(tmp, khz, min_high, want):
    kids = fs.Children(tmp)
    label = "rig %d kHz / %d ns" % (khz, min_high)
    try:
        tiers = os.path.join(tmp, "tiers.json")
        with open(tiers, "w") as f:
            json.dump({"tiers": [{"name": "AVR", "diff": 2}]}, f)
        pool = fs.PoolProc(kids, "--tiers", tiers, "--seed", 9)
        addrs = [0x08, 0x09, 0x0a, 0x0b]
        sim, sock = fs.start_sim(kids, "sim", "--firmware", fs.FW, "--count", len(addrs),
                                 "--first-addr", "0x08", "--bus-khz", khz, "--pi-i2c",
                                 "--pi-min-high-ns", min_high, "-v")
        names = [fs.slave_name(sock, a) for a in addrs]
        master = fs.start_master(kids, "master", "--pool", "127.0.0.1:%d" % pool.port,
                                 "--bus", "sim:" + sock,
                                 "--slaves", ",".join("0x%02x" % a for a in addrs))
        if want:
            ok = tap.wait_until(lambda: len(fs.job_records(master)) >= want, 120)
            tap.ok(ok, "%s: mining (%d records)" % (label, len(fs.job_records(master))))
        else:
            # corruption on most transfers: run until the master has met
            # plenty of it, then check that none of it reached the pool
            faults = lambda: sum("slave fault" in x for _, _, x in fs.log_lines(master))
            tap.wait_until(lambda: faults() >= 40, 30)
            tap.diag("%s: %d records, %d slave faults in the master's log"
                     % (label, len(fs.job_records(master)), faults()))
        stats = fs.settle_and_stop(kids, pool, master, names, label)
        fs.check_records(master, stats, label)
        src = kids.stop(sim)
        counts, _ = sim_counts(sim)
        tap.ok(src == 0 and fs.sim_crashes(sim) == 0, "%s: ducosim exits 0, no chip crashed"
               % label)
        try:
            mets = json.load(open(master.paths["metrics"]))
        except (OSError, ValueError):
            mets = {}
        return counts, mets
    finally:
        kids.stop_all()


def main():
    tmp = tempfile.mkdtemp(prefix="ducorig-pi.")
    try:
        reads = 150
        table = []
        hist_all = {}
        for khz, mh in ((100, 175), (400, 50), (400, 75), (400, 100), (400, 175)):
            d = os.path.join(tmp, "r%d_%d" % (khz, mh))
            os.mkdir(d)
            rc, bad, counts, hist = rates(d, khz, mh, reads)
            ok = rc == 0 and counts is not None
            tap.ok(ok, "%d kHz, %d ns: ducosim ran %d identity reads and exits 0"
                   % (khz, mh, reads))
            if not ok:
                continue
            st, short, cw, cr = counts
            table.append((khz, mh, st, short, cw, cr, bad, reads))
            for k, v in hist.items():
                hist_all[k] = hist_all.get(k, 0) + v
        for khz, mh, st, short, cw, cr, bad, n in table:
            tap.diag("%d kHz, min high %d ns: %d of %d stretches short (%.2f%%), "
                     "%d writes and %d reads corrupted, %d of %d identity reads failed (%.1f%%)"
                     % (khz, mh, short, st, 100.0 * short / max(st, 1), cw, cr, bad, n,
                        100.0 * bad / n))
        tap.diag("stretch lengths (cycles at 16 MHz: count): %s"
                 % " ".join("%d:%d" % kv for kv in sorted(hist_all.items())))
        by = {(t[0], t[1]): t for t in table}
        t100 = by.get((100, 175))
        tap.ok(t100 is not None and t100[2] > 1000 and t100[3] == 0 and t100[6] == 0,
               "100 kHz: no stretch of the firmware ends within 175 ns of the controller's "
               "tick: 0 short clocks, every read good", t100)
        t400 = by.get((400, 175))
        tap.ok(t400 is not None and t400[3] > 0 and t400[6] > 0,
               "400 kHz, 175 ns: short clocks corrupt transfers (the CRC catches them)", t400)
        t4 = by.get((400, 75))
        tap.ok(t4 is not None and 0 < t4[3] < t4[2] and 0 < t4[6] < t4[7],
               "400 kHz, 75 ns: only some stretches end too close to a tick", t4)

        for khz, mh, want in ((100, 175, 40), (400, 75, 0)):
            d = os.path.join(tmp, "rig%d_%d" % (khz, mh))
            os.mkdir(d)
            counts, mets = rig(d, khz, mh, want)
            if counts:
                st, short, cw, cr = counts
                tap.diag("rig %d kHz / %d ns: %d stretches, %d short (%.2f%%), %d writes and "
                         "%d reads corrupted; master: %s slave faults"
                         % (khz, mh, st, short, 100.0 * short / max(st, 1), cw, cr,
                            mets.get("slave_faults")))
            if khz == 400:
                tap.ok(counts and counts[2] + counts[3] > 0,
                       "rig 400 kHz / 75 ns: corrupted transfers happened and were retried "
                       "(%s)" % (counts,))
    finally:
        if not os.environ.get("KEEP"):
            subprocess.run(["rm", "-rf", tmp])
        else:
            tap.diag("kept %s" % tmp)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
