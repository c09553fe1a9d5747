#!/usr/bin/env python3
"""health.py - the boards' health in ducomaster on a simulated rig: two
firmware boards with known analog inputs in ducosim (one with a 1.05 V
bandgap and calibrated for it in health_calibration), a version-1 board
without HEALTH and a host model slave without readings. /api/status and
/metrics (and the dashboard's columns) carry the calibrated supply voltage and temperature within the
ADC's quantisation, the boards' uptime (rising) and reset cause; boards
without a reading have none (null, no sample) and say why; `promtool check
metrics` passes; the live table shows each board's health within 80
columns; with job_sensor=health the JOB lines carry it in the sensor
field, within the pool's characters and length; a calibration outside its
bounds is a config error. Prints TAP.
"""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rigkit import BUILD, FW, Rig, tap  # noqa: E402

V1 = os.path.join(BUILD, "avr-nano-v1", "firmware.elf")


def boards(rig):
    st, _, body = rig.get("/api/status")
    if st != 200:
        return {}
    return {b["addr"]: b for b in json.loads(body)["boards"] if b.get("worker") in (0, "0")}


def health_of(rig):
    return {a: b.get("health", {}) for a, b in boards(rig).items()}


def near(v, want, tol):
    return isinstance(v, (int, float)) and abs(v - want) <= tol


def main():
    rig = Rig(count=4, sim_args=[
        "--board", "0x08:%s,vcc=4.7,temp=60,bandgap=1.05" % FW,
        "--board", "0x09:%s,vcc=3.3,temp=-10" % FW,
        "--board", "0x0a:%s" % V1, "--model-slaves", "1", "--first-addr", "0x0b"],
        master_args=["--set", "health_interval_s=1",
                     "--set", "health_calibration=0x08=1050/0/1"],
        pool_args=["--verbose"],     # the pool logs every JOB line (key masked)
        # Real time: with --fast an idle rig's simulated time races ahead,
        # and the model slave ends its job between a HEALTH request and
        # its read (2 ms of wall time), every time.
        fast=False)
    try:
        tap.ok(rig.start_pool_sim(), "ducopool and ducosim (3 firmware boards, 1 model) started",
               open(os.path.join(rig.tmp, "sim.out")).read()[-1500:])
        tap.ok(rig.start_master(tty=True), "ducomaster with health_interval_s 1",
               open(rig.log).read()[-2000:] if os.path.exists(rig.log) else "no log")
        if not rig.http:
            return

        def settled():
            h = health_of(rig)
            keys = [k for k in h if h[k].get("status") == "ok"]
            return (len(h) == 4 and h.get("0x0a", {}).get("status") == "n/a" and
                    all(h[a].get("status") == "ok" for a in ("0x08", "0x09", "0x0b")) and
                    h["0x08"].get("temperature_celsius") is not None and
                    h["0x09"].get("temperature_celsius") is not None and keys and h)
        h = tap.wait_until(settled, 90, 0.2)
        tap.ok(bool(h), "every board's health read (or n/a) in /api/status", health_of(rig))
        if not h:
            return
        b8, b9, ba, bb = h["0x08"], h["0x09"], h["0x0a"], h["0x0b"]
        tap.ok(near(b8.get("supply_volts"), 4.7, 0.025),
               "0x08 calibrated (bandgap 1050 mV): %s V for 4.7 V" % b8.get("supply_volts"))
        tap.ok(near(b8.get("temperature_celsius"), 60, 1.2),
               "0x08 calibrated: %s C for 60 C" % b8.get("temperature_celsius"))
        tap.ok(near(b9.get("supply_volts"), 3.3, 0.02) and
               near(b9.get("temperature_celsius"), -10, 1.2),
               "0x09 (typical bandgap, no calibration entry): %s V, %s C for 3.3 V, -10 C" %
               (b9.get("supply_volts"), b9.get("temperature_celsius")))
        tap.ok(ba.get("supply_volts") is None and ba.get("temperature_celsius") is None and
               ba.get("uptime_s") is None, "0x0a (version 1): n/a, every reading null", ba)
        tap.ok(bb.get("supply_volts") is None and bb.get("temperature_celsius") is None and
               isinstance(bb.get("uptime_s"), (int, float)),
               "0x0b (model slave): uptime, no readings (null)", bb)
        ident = boards(rig)["0x08"]["identity"]
        tap.ok(ident.get("reset_cause") not in (None, "") and ident.get("fw_version") == "1.1",
               "0x08 identity: firmware 1.1, reset cause %s" % ident.get("reset_cause"))
        up0 = b8.get("uptime_s")
        later = tap.wait_until(lambda: (health_of(rig)["0x08"].get("uptime_s") or 0) > up0 + 1,
                               60, 0.2)
        tap.ok(bool(later), "0x08's uptime rises between reads (%s s, then %s s)" %
               (up0, health_of(rig)["0x08"].get("uptime_s")))

        st, _, text = rig.get("/metrics")
        m = text.decode()

        def sample(name, addr):
            r = re.search(r'^%s\{[^}]*addr="%s"[^}]*\} (\S+)$' % (name, addr), m, re.M)
            return float(r.group(1)) if r else None
        tap.ok(near(sample("ducorig_board_supply_volts", "0x08"), 4.7, 0.025) and
               near(sample("ducorig_board_temperature_celsius", "0x09"), -10, 1.2),
               "/metrics: ducorig_board_supply_volts and _temperature_celsius as in /api/status")
        tap.ok(sample("ducorig_board_supply_volts", "0x0a") is None and
               sample("ducorig_board_temperature_celsius", "0x0b") is None and
               sample("ducorig_board_health_unsupported", "0x0a") == 1 and
               sample("ducorig_board_health_unsupported", "0x08") == 0,
               "/metrics: no sample where a board has no reading; the version-1 board marked")
        tap.ok((sample("ducorig_board_uptime_seconds", "0x08") or -1) >= 0 and
               sample("ducorig_board_bus_resets", "0x09") == 0,
               "/metrics: ducorig_board_uptime_seconds, ducorig_board_bus_resets")
        def reads(addr, result):
            r = re.search(r'^ducorig_board_health_reads_total\{[^}]*addr="%s"[^}]*result="%s"[^}]*\} (\S+)$'
                          % (addr, result), m, re.M)
            return float(r.group(1)) if r else None
        tap.ok((reads("0x08", "ok") or 0) >= 1 and reads("0x08", "failed") is not None and
               reads("0x0a", "ok") == 0,
               "/metrics: ducorig_board_health_reads_total by result (0x08 ok %s, failed %s; "
               "0x0a, version 1, ok %s)" % (reads("0x08", "ok"), reads("0x08", "failed"),
                                            reads("0x0a", "ok")))
        p = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True)
        tap.ok(p.returncode == 0, "promtool check metrics passes",
               (p.stdout + p.stderr).decode()[:2000])

        def table():
            f = rig.frame()
            return f if "0x0a health n/a" in f and re.search(r"0x08 +4\.\d\dV", f) else None
        f = tap.wait_until(table, 30, 0.2) or rig.frame()
        tap.ok(bool(re.search(r"0x08 +4\.[67]\dV +(59|60|61)\.\dC up", f)) and
               "0x0a health n/a" in f and re.search(r"0x0b +- +- up", f),
               "live table: 0x08's Vcc and temperature, the v1 board n/a, the model '-'", f)
        tap.ok(all(len(line) <= 80 for line in f.split("\n")),
               "live table within 80 columns", max(f.split("\n"), key=len))
        st, _, page = rig.get("/")
        tap.ok(st == 200 and b"Supply V" in page and b"h.temperature_celsius" in page,
               "the dashboard's board table has the health columns")
        tap.ok(rig.stop_master() == 0, "ducomaster stops cleanly")

        # job_sensor=health: the health in the JOB lines' sensor field
        pool_out = os.path.join(rig.tmp, "pool.out")
        before = open(pool_out, errors="replace").read().count("\n")
        tap.ok(not re.search(r"<- JOB,[^,\n]*,[^,\n]*,[^,\n]*,", open(pool_out).read()),
               "job_sensor off (the default): JOB lines have four fields")
        rig.start_master(extra=["--set", "job_sensor=health"], name="m2")

        def sensor_lines():
            lines = open(pool_out, errors="replace").read().split("\n")[before:]
            return [m.group(1) for m in (re.search(r"<- JOB,httptest,[^,]*,\*\*\*,(.*)$", ln)
                                         for ln in lines) if m]

        def both():
            g = sensor_lines()
            return g if (any(x.startswith("Vcc") for x in g) and
                         any(x.startswith("up") for x in g)) else None
        got = tap.wait_until(both, 60, 0.2) or sensor_lines()
        tap.ok(any(re.fullmatch(r"Vcc 4\.\d\dV T (59|60|61)\.\dC up \d+s", g) for g in got) and
               any(re.fullmatch(r"up \d+s", g) for g in got),
               "job_sensor=health: 0x08's Vcc, temperature and uptime in its JOB line, the "
               "model slave's uptime alone", got[:6])
        tap.ok(got and all(re.fullmatch(r"[A-Za-z0-9 .():@-]{1,48}", g) for g in got),
               "every sensor field within the pool's characters and 48 characters")
        tap.ok(rig.stop_master() == 0, "the second ducomaster stops cleanly")

        for bad in ("0x08=2000", "0x08=1100/99", "0x08=1100/0/5", "0x08=x", "0x80=1100"):
            p = subprocess.run(rig.master_argv(["--set", "health_calibration=" + bad, "--check"]),
                               capture_output=True, text=True, timeout=30)
            tap.ok(p.returncode == 2 and "health_calibration" in p.stderr,
                   "health_calibration=%s refused (exit %d)" % (bad, p.returncode), p.stderr)
    finally:
        rig.stop()


if __name__ == "__main__":
    main()
    sys.exit(tap.done())
