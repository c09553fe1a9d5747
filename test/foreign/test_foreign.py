#!/usr/bin/python3
"""test_foreign.py - firmware and a master ducorig did not write, on ducosim.

A rig of four community-style Wire-library slaves (test/foreign/
wire_slave.ino, one image per board, each with its address compiled in)
served by ducosim in real time, driven through the /dev/i2c stand-in by a
python-smbus master of the community kind (duco_wire_master.py: one byte
per transaction, 50 ms polls), as Raspberry Pi rigs run today. Checks:
one image per board, each at its own address; every job's answer right, in
byte and in block transfers; the ADC readings (temperature sensor, bandgap
against AVcc) of two boards with different analog settings against the
ATmega328P datasheet; no chip crashed; and ducosim's crash report on a chip
that jumps into erased flash (test/sim/twi_probe.c's 'X'), with the restart
a real chip does and --on-crash stop; simulated time that falls behind a
too-slow host smoothly (--max-speed plays the slow host). Runs under /usr/bin/python3, where
Debian's python3-smbus is.

--soak S runs the same rig as fast as the host allows for S simulated
seconds (make soak: hours) and checks that no chip crashed and every job
came back right.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from ducotest import SimBus, ok, diag, done  # noqa: E402

BUILD = os.environ.get("BUILD", "build")
HOST = os.path.join(BUILD, "host")
DUCOSIM = os.path.join(HOST, "ducosim")
SHIM = os.path.abspath(os.path.join(HOST, "libducoi2cshim.so"))
MASTER = os.path.join(HERE, "duco_wire_master.py")
ADDRS = [0x10, 0x11, 0x12, 0x13]
BUS_NO = 81


def image(addr):
    return os.path.join(BUILD, "foreign", "wire_slave_%02x.elf" % addr)


def start(args, tmp, name):
    """ducosim with args on a socket in tmp; (proc, socket, stderr path) once ready."""
    sock = os.path.join(tmp, name + ".sock")
    err = os.path.join(tmp, name + ".err")
    proc = subprocess.Popen([DUCOSIM] + args + ["--socket", sock, "-v"], stdout=subprocess.PIPE,
                            stderr=open(err, "w"), text=True)
    line = proc.stdout.readline()
    if not line.startswith("ready "):
        proc.wait()
        diag(open(err).read())
        return None, sock, err
    return proc, sock, err


def stop(proc):
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def master(sock, extra, timeout):
    env = dict(os.environ, LD_PRELOAD=SHIM, DUCORIG_I2C_SHIM="/dev/i2c-%d=%s" % (BUS_NO, sock))
    p = subprocess.run(["/usr/bin/python3", MASTER, "--bus", str(BUS_NO), "--addr",
                        ",".join("0x%02x" % a for a in ADDRS)] + extra, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)
    last = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else "{}"
    try:
        import json
        return p.returncode, json.loads(last), p.stdout
    except ValueError:
        return p.returncode, {}, p.stdout


def read_line(bus, addr, limit=64):
    """One answer line, one receive byte at a time (0: nothing yet)."""
    line = b""
    end = time.monotonic() + 5
    while time.monotonic() < end and len(line) < limit:
        res, _, d = bus.xfer(addr, b"", 1)
        if res != 0:
            return None
        if d[0] == 0:
            time.sleep(0.01)
            continue
        line += d
        if d == b"\n":
            return line.decode()
    return None


def temp_mv(c):
    """ATmega328P datasheet: sensor 242 mV at -45 C, 314 mV at 25 C, 380 mV at 85 C."""
    return 314 + (c - 25) * ((314 - 242) / 70 if c < 25 else (380 - 314) / 60)


def check_analog(bus, addr, vcc, temp, bandgap):
    if bus.xfer(addr, b"A", 0)[0] != 0:
        return ok(False, "0x%02x: health request written" % addr)
    line = read_line(bus, addr)
    try:
        t_adc, b_adc = (int(x) for x in line.strip().split(",")[:2])
    except (AttributeError, ValueError):
        return ok(False, "0x%02x: ADC line %r" % (addr, line))
    want_t = temp_mv(temp) * 1024 / (bandgap * 1000)
    want_b = bandgap * 1024 / vcc
    ok(abs(t_adc - want_t) <= 3, "0x%02x at %g C, bandgap %g V: temperature sensor reads %d "
       "(datasheet %.0f)" % (addr, temp, bandgap, t_adc, want_t))
    ok(abs(b_adc - want_b) <= 3 and abs(bandgap * 1024 / b_adc - vcc) < 0.05,
       "0x%02x at Vcc %g V: bandgap against AVcc reads %d (datasheet %.0f), "
       "Vcc = %.2f V" % (addr, vcc, b_adc, want_b, bandgap * 1024 / b_adc))


def summary_crashes(err_path):
    m = re.search(r"max stretch \d+ cycles, (\d+) chip crashes", open(err_path).read())
    return int(m.group(1)) if m else None


def test_rig(tmp):
    args = []
    for a in ADDRS[:3]:
        args += ["--firmware", image(a)]
    args += ["--board", "0x13:%s,vcc=3.3,temp=60,bandgap=1.05" % image(0x13)]
    proc, sock, err = start(args, tmp, "rig")
    if not ok(proc is not None, "ducosim runs four Wire-sketch images, one per board"):
        return
    try:
        listing = open(err).read()
        ok(all(re.search(r"0x%02x avr\d \S+ \(its own address\)" % a, listing) for a in ADDRS),
           "each board answers at the address its image compiled in (0x10..0x13)")
        ok("Vcc 3.30 V, bandgap 1.050 V, 60.0 C" in listing, "0x13 has its own analog inputs")
        rc, res, out = master(sock, ["--jobs", "12", "--diff", "2", "--quiet"], 90)
        ok(rc == 0 and res.get("good") == 12 and res.get("bad") == 0,
           "python-smbus master, one byte per transaction: 12 jobs on 4 boards right (%s)" % res)
        ok(res.get("errors") == 0, "no I2C errors on the way (%s)" % res.get("errors"))
        rc, res, out = master(sock, ["--jobs", "4", "--diff", "2", "--block", "--quiet", "--seed",
                                     "2"], 60)
        ok(rc == 0 and res.get("good") == 4 and res.get("bad") == 0,
           "the same with I2C block writes and reads: 4 jobs right (%s)" % res)
        bus = SimBus(sock)
        check_analog(bus, 0x10, 5.0, 25, 1.1)
        check_analog(bus, 0x13, 3.3, 60, 1.05)
        bus.close()
    finally:
        stop(proc)
    ok(summary_crashes(err) == 0, "no chip crashed (summary: %s)" % summary_crashes(err))


def test_crash(tmp):
    probe = os.path.join(BUILD, "sim-test", "twi_probe_30.elf")
    for mode in ("restart", "stop"):
        proc, sock, err = start(["--board", "0x30:" + probe, "--on-crash", mode,
                                 "--crash-trace", "8"], tmp, "crash-" + mode)
        if not ok(proc is not None, "ducosim with a probe that jumps into erased flash (%s)" % mode):
            continue
        try:
            bus = SimBus(sock)
            bus.xfer(0x30, b"X", 0)
            text, end = "", time.monotonic() + 10
            while time.monotonic() < end and "crashed" not in text:
                time.sleep(0.05)
                text = open(err).read()
            line = next((x for x in text.splitlines() if "crashed" in x), "")
            ok(re.search(r"0x30 avr0 \(.*twi_probe_30.elf\) crashed at [0-9.]+ s: the program "
                         r"counter left the flash .*PC 0x0000 SP 0x[0-9a-f]{4}", line) is not None,
               "%s: reported at once with address, PC and SP (%s)" % (mode, line[:100]))
            ok(re.search(r"transfer [0-9.]+ w1\[ 58 \]", text) is not None,
               "%s: with its last transfer (the 'X' that did it)" % mode)
            ok(re.search(r"trace( [0-9a-f]{4}/[0-9a-f]{4}){8}", text) is not None,
               "%s: and the last 8 instructions' PC/SP" % mode)
            if mode == "restart":
                ok("runs on from address 0" in line, "restart: it runs on from address 0")
                r = bus.xfer(0x30, b"Eok", 0)[0] == 0 and bus.xfer(0x30, b"", 2)
                ok(r and r[0] == 0 and r[2] == b"ok", "restart: the chip answers again")
            else:
                ok("stays stopped" in line, "--on-crash stop: it stays stopped")
                ok(bus.xfer(0x30, b"Eok", 0)[0] != 0, "--on-crash stop: transfers to it fail")
            bus.close()
        finally:
            stop(proc)
        ok(summary_crashes(err) == 1, "%s: the summary counts the crash" % mode)
        ok(re.search(r"0x30 avr0: 1 crash or stop, %d restart" % (1 if mode == "restart" else 0),
                     open(err).read()) is not None, "%s: and names the chip" % mode)


def test_pacing(tmp):
    """Back-to-back transfers on a rig the host cannot keep in real time
    (--max-speed 0.5 plays such a host): simulated time falls behind
    smoothly, the transfers stay close together in simulated time (no burst
    of backlog before each), and the summary says how far it fell behind."""
    for speed, lo, hi in (("0.5", 35, 65), ("1", 0, 25)):
        proc, sock, err = start(["--firmware", image(0x10), "--max-speed", speed, "--trace"],
                                tmp, "pace" + speed)
        if not ok(proc is not None, "ducosim at --max-speed %s" % speed):
            continue
        try:
            bus = SimBus(sock)
            end = time.monotonic() + 1.5
            while time.monotonic() < end:
                bus.xfer(0x10, b"", 1)
            bus.close()
        finally:
            stop(proc)
        text = open(err).read()
        starts = [float(x.split()[0]) for x in text.splitlines() if re.match(r"[0-9.]+ 0x10 ", x)]
        gaps = sorted(b - a for a, b in zip(starts, starts[1:]))
        med = gaps[len(gaps) // 2] if gaps else 1
        m = re.search(r"fell behind the wall clock by ([0-9.]+) s \(([0-9.]+)% of the run\)", text)
        pct = float(m.group(2)) if m else -1
        ok(len(gaps) > 100 and med < 0.005, "--max-speed %s: %d back-to-back transfers, median "
           "gap %.2f ms of simulated time" % (speed, len(starts), med * 1e3))
        ok(lo <= pct <= hi, "--max-speed %s: the summary says it fell behind by %.1f%% "
           "(%d..%d%% expected)" % (speed, pct, lo, hi))


def soak(tmp, seconds):
    args = []
    for a in ADDRS:
        args += ["--firmware", image(a)]
    proc, sock, err = start(args + ["--fast", "--duration", str(seconds)], tmp, "soak")
    if not ok(proc is not None, "ducosim, four Wire-sketch boards, %g s of simulated time" % seconds):
        return
    t0 = time.monotonic()
    rc, res, out = master(sock, ["--seconds", "1e9", "--diff", "3", "--quiet"], None)
    proc.wait()
    diag("%.0f s wall: %s" % (time.monotonic() - t0, res))
    diag(open(err).read().strip().splitlines()[-2])
    ok(res.get("bad") == 0 and res.get("good", 0) > 0, "every job right (%s)" % res)
    ok(summary_crashes(err) == 0, "no chip crashed in %g simulated seconds" % seconds)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--soak", type=float, default=0, help="simulated seconds of a long run")
    a = ap.parse_args()
    for f in [DUCOSIM, SHIM] + [image(x) for x in ADDRS]:
        if not ok(os.path.exists(f), "%s built" % f):
            return done()
    with tempfile.TemporaryDirectory(prefix="ducorig-foreign.") as tmp:
        if a.soak:
            soak(tmp, a.soak)
        else:
            test_rig(tmp)
            test_crash(tmp)
            test_pacing(tmp)
    return done()


if __name__ == "__main__":
    sys.exit(main())
