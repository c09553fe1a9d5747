#!/usr/bin/env python3
"""test_report_kpis.py - ducoreport's report and regression check on job
logs of known numbers (TAP).

The log below is built from a plain pattern so that every KPI, window and
percentile can be worked out by hand; the expected values are those hand
results, written as numbers (the working is in the comments), never
recomputed by the test.

Span 0..1000 s from T0. Boards:
  A sim:0x08  a verdict every 2 s at t = 0, 2, ..., 1000 (501 jobs), nonce 700,
              hashing 300 ms (chip 2333.3 H/s), get job 100 ms, verdict 50 ms
  B sim:0x09  at t = 1, 3, ..., 999 except 401..599 (400 jobs; a gap 399 -> 601),
              nonce 700, hashing 350 ms (chip 2000 H/s), get job 200, verdict 60
  C sim:0x0a  at t = 0.5, 10.5, ..., 990.5 (100 jobs), nonce 1400, hashing
              600 ms (chip 2333.3), get job 5000, verdict 70, overall 10 s;
              BAD "Incorrect result" at 500.5, 510.5, 520.5 (a burst),
              BAD "Too low difficulty" at 900.5, BLOCK at 100.5
A's results are held 1200 of its 2000 ms (the rate limit).
Rig records: a first run of the master (uptime 0 -> 500 s, CPU 2.0 s, 1
reconnect, RSS 6000 kB, version 0.1, C 10 bus errors), a restart at t = 600
(uptime 0.5 -> 400.5, CPU 1.5 s, 2 reconnects, RSS 7000, version 0.2, C 40 bus
errors and 4 faults). Earnings: balance 100.0
at t = 0 and 100.5 at t = 1000. Plus a typed record of a type ducoreport does
not know.
"""
import datetime
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ducotest as tap  # noqa: E402

BIN = os.path.join(os.environ.get("BUILD", "build"), "host", "ducoreport")
T0 = datetime.datetime(2026, 11, 21, 10, 0, 0, tzinfo=datetime.timezone.utc)


def ts(t):
    return (T0 + datetime.timedelta(seconds=t)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def job(t, slave, nonce, hash_ms, get_ms, verdict_ms, overall_ms, verdict="GOOD", reason="",
        hold_ms=0):
    return {"ts": ts(t), "slave": slave, "job": 1, "diff": 10, "nonce": nonce,
            "hashrate": 361.0, "r_slave": nonce / hash_ms * 1000, "verdict": verdict,
            "reason": reason, "get_job_wait_ms": get_ms, "transfer_ms": 5,
            "slave_elapsed_ms": hash_ms, "busy_polls": 3, "detect_ms": 1, "hold_ms": hold_ms,
            "get_res_wait_ms": verdict_ms, "overall_ms": overall_ms, "processing_ms": 1,
            "master_ms": 0.5}


def rig(t, up, cpu, rss, version, reconnects, faults=None):
    r = {"ts": ts(t), "type": "rig", "uptime_s": up, "cpu_s": cpu, "rss_kb": rss,
         "version": version, "log_level": "info", "boards": 3, "reconnects": reconnects}
    if faults:
        r["faults"] = faults
    return r


def known_log(path, scale=1.0):
    """scale multiplies every nonce (a hashrate change of that factor)."""
    recs = []
    for t in range(0, 1001, 2):
        recs.append(job(t, "sim:0x08", int(700 * scale), 300, 100, 50, 2000, hold_ms=1200))
    for t in list(range(1, 400, 2)) + list(range(601, 1000, 2)):
        recs.append(job(t, "sim:0x09", int(700 * scale), 350, 200, 60, 2000))
    for k in range(100):
        t = 10 * k + 0.5
        v, why = "GOOD", ""
        if t in (500.5, 510.5, 520.5):
            v, why = "BAD", "Incorrect result"
        elif t == 900.5:
            v, why = "BAD", "Too low difficulty"
        elif t == 100.5:
            v = "BLOCK"
        recs.append(job(t, "sim:0x0a", int(1400 * scale), 600, 5000, 70, 10000, v, why))
    recs += [rig(0, 0, 0, 5000, "0.1", 0),
             rig(500, 500, 2.0, 6000, "0.1", 1, {"sim:0x0a": {"bus_errors": 10}}),
             rig(600, 0.5, 0.01, 5500, "0.2", 0),
             rig(1000, 400.5, 1.5, 7000, "0.2", 2,
                 {"sim:0x0a": {"bus_errors": 40, "faults": 4, "wrong_nonces": 0, "timeouts": 2,
                               "disconnects": 1}}),
             {"ts": ts(0), "type": "earnings", "balance": 100.0, "duco_per_day": 40.0},
             {"ts": ts(1000), "type": "earnings", "balance": 100.5, "duco_per_day": 41.0},
             {"ts": ts(5), "type": "some-future-kind", "x": [1, 2, 3]}]
    recs.sort(key=lambda r: r["ts"])
    with open(path, "w") as f:
        for r in recs:
            f.write(json.dumps(r) + "\n")


def run(*args):
    p = subprocess.run([BIN] + list(args), capture_output=True, text=True, errors="replace")
    return p.returncode, p.stdout, p.stderr


def near(a, b, eps=1e-3):
    return a is not None and b is not None and abs(a - b) <= eps


def main():
    tmp = tempfile.mkdtemp()
    log = os.path.join(tmp, "known.log")
    known_log(log)
    rc, out, err = run("--json", log)
    tap.ok(rc == 0 and err == "", "report --json on the known log: exit 0, nothing on stderr",
           (rc, err))
    d = json.loads(out)
    r, k = d["report"], d["kpi"]
    w = r["windows"]
    # 10 s windows: 100 whole ones in 0..1000; A 5 x 700 + B 5 x 700 + C 1400 = 8400
    # -> 840/s; the 20 windows 400..600 lack B: 4900 -> 490/s;
    # mean (80 x 840 + 20 x 490) / 100 = 770
    tap.ok(w["10s"]["n"] == 100 and near(w["10s"]["min"], 490) and near(w["10s"]["max"], 840)
           and near(w["10s"]["mean"], 770), "10 s windows: 100, min 490, mean 770, max 840",
           w["10s"])
    # 60 s windows: 16 whole ones; [360,420) has B's 361..399 only (20 jobs): 43400/60
    # = 723.333; [420,600) three windows without B: 490; the other 12: 840;
    # mean (12 x 840 + 723.333 + 3 x 490) / 16 = 767.083; cv: sqrt(E[x^2] - mean^2)/mean
    # = sqrt(606919.44 - 588416.84)/767.083 = 0.1773
    tap.ok(w["60s"]["n"] == 16 and near(w["60s"]["min"], 490) and near(w["60s"]["max"], 840)
           and near(w["60s"]["mean"], 767.083) and near(w["60s"]["cv"], 0.1773, 2e-4),
           "60 s windows: 16, min 490, mean 767.083, max 840, cv 0.1773", w["60s"])
    # 15 min: one window [0,900): A 450 x 700 + B 350 x 700 + C 90 x 1400 = 686000 / 900
    tap.ok(w["15m"]["n"] == 1 and near(w["15m"]["mean"], 762.222) and
           near(w["15m"]["min"], 762.222) and near(w["15m"]["max"], 762.222),
           "15 min window: 1, 686000 nonces / 900 s = 762.222", w["15m"])
    s = r["shares"]
    # 501 + 400 + 100 jobs; GOOD 501 + 400 + 95; acceptance 997 / 1001
    tap.ok((s["found"], s["good"], s["block"], s["bad"]) == (1001, 996, 1, 4) and
           near(s["acceptance_pct"], 99.6004), "shares 1001: GOOD 996, BLOCK 1, BAD 4, "
           "acceptance 99.600%", s)
    tap.ok(near(k["shares_per_hour"], 3589.2) and near(k["bad_per_hour"], 14.4),
           "997 accepted and 4 BAD over 1000 s: 3589.2 and 14.4 per hour", k)
    tap.ok(r["bad_by_reason"] == {"Incorrect result": 3, "Too low difficulty": 1},
           "BAD by reason: Incorrect result 3, Too low difficulty 1", r["bad_by_reason"])
    lat = r["latency_ms"]
    # get job sorted: 501 x 100, 400 x 200, 100 x 5000; nearest rank p50 = #501 = 100,
    # p95 = #ceil(950.95) = #951 = 5000; verdict 501 x 50, 400 x 60, 100 x 70
    tap.ok(lat["get_job"] == {"n": 1001, "p50": 100, "p95": 5000} and
           lat["verdict"] == {"n": 1001, "p50": 50, "p95": 70},
           "pool latency: get job p50 100 p95 5000, verdict p50 50 p95 70 (nearest rank)", lat)
    m = r["master"]
    # runs: 2.0 + 1.5 s CPU over 500 + 400.5 s; 1 restart; 1 + 2 reconnects
    tap.ok(m and near(m["cpu_s"], 3.5) and near(m["uptime_s"], 900.5) and m["restarts"] == 1
           and m["reconnects"] == 3 and m["rss_kb"] == 7000 and near(m["cpu_pct"], 0.38867),
           "master: CPU 3.5 s over 900.5 s uptime, 1 restart, 3 reconnects, peak RSS 7000 kB", m)
    # 3500 ms CPU / 1001 jobs * 1000; 3 reconnects / (900.5 / 3600 h)
    tap.ok(near(k["cpu_s_per_1000_jobs"], 3.4965) and near(k["reconnects_per_hour"], 11.9933)
           and k["rss_kb"] == 7000, "CPU 3.4965 s per 1000 jobs, 11.993 reconnects per hour", k)
    tap.ok(r["versions"] == ["0.1", "0.2"] and r["log_levels"] == ["info"] and
           r["boards"] == 3 and r["boards_configured"] == 3,
           "versions 0.1 and 0.2, log level info, 3 boards", r)
    # 0.5 DUCO over 1000 s = 43.2 per day
    tap.ok(near(r["duco_per_day"], 43.2) and near(k["duco_per_day"], 43.2),
           "DUCO/day from the wallet's gain: 0.5 over 1000 s = 43.2", r["duco_per_day"])
    tap.ok(d["read"]["other_typed"] == 1 and d["read"]["skipped"] == 0,
           "a typed record of an unknown kind is passed over, not skipped as garbage", d["read"])
    b = {x["name"]: x for x in d["boards"]}
    # nonces / span: A 501 x 700 / 1000, B 400 x 700 / 1000, C 100 x 1400 / 1000
    tap.ok(near(b["sim:0x08"]["nonces_per_s"], 350.7) and near(b["sim:0x09"]["nonces_per_s"], 280)
           and near(b["sim:0x0a"]["nonces_per_s"], 140) and near(b["sim:0x09"]["chip_hs"], 2000, 0.1)
           and near(b["sim:0x08"]["chip_hs"], 2333.3, 0.1),
           "per board: 350.7 / 280 / 140 nonces/s, chips 2333.3 / 2000 / 2333.3 H/s", b)
    an = d["analysis"]
    kinds = sorted((a["kind"], a["board"]) for a in an)
    want = sorted([("slow_chip", "sim:0x09"), ("low_output", "sim:0x0a"), ("gap", "sim:0x09"),
                   ("held", "sim:0x08"),
                   ("bad_burst", "sim:0x0a"), ("bad_reason", "rig"), ("bad_reason", "rig"),
                   ("reconnects", "rig"), ("restarts", "rig"), ("latency", "rig")])
    tap.ok(kinds == want, "ANALYSIS: B slower (2000 < 0.9 x 2333), C shows less work, B's gap, "
           "A held, C's burst, two BAD reasons, reconnects, the restart, slow get-job p95", kinds)
    # bus errors: 10 in the first run of the master + 40 in the second
    tap.ok(b["sim:0x0a"]["bus_errors"] == 50 and b["sim:0x0a"]["faults"] == 4 and
           b["sim:0x0a"]["timeouts"] == 2 and b["sim:0x08"]["bus_errors"] == 0,
           "C's trouble over both runs: 50 bus errors, 4 faults, 2 timeouts", b["sim:0x0a"])
    adv = {}
    for a in d["recommendations"]:
        adv.setdefault(a["board"], []).append(a["setting"] + " | " + a["why"])
    checks = [
        # A: chip 700 / 0.3 s = 2333.3 H/s, reports 361: floor(2333.3 / (361 x 1.1)) = 5
        # (3 boards: max_workers 23 would allow 7 each)
        ("sim:0x08", '"threads_per_board": 5'),
        # B: 2000 H/s x 6814 cycles/nonce = 13.6 MHz
        ("sim:0x09", "13.6 MHz"), ("sim:0x09", "make flash BOARD="), ("sim:0x09", "ADDR=0x09"),
        ("sim:0x09", "ducoctl --bus BUS monitor"),
        # C: 50 bus errors in 100 jobs, the only board with any
        ("sim:0x0a", "check this board's SDA, SCL and ground wires"), ("sim:0x0a", "50.0 per 100"),
        ("sim:0x0a", "5 V supply"),
        ("rig", '"margin": 0.10'), ("rig", "reflash"), ("rig", '"pool": "HOST:PORT"'),
    ]
    bad = [c for c in checks if not any(c[1] in x for x in adv.get(c[0], []))]
    tap.ok(not bad and not any("timeout_s" in x for x in adv.get("rig", [])),
           "RECOMMENDATIONS with exact settings: threads_per_board 5 for A, B's clock (13.6 MHz) "
           "and the image to flash, C's wiring and power, margin, reflash, pool; no timeout change "
           "(3 x p95 5 s = 15 s, the default)", (bad, adv))
    gap = [a for a in an if a["kind"] == "gap"]
    burst = [a for a in an if a["kind"] == "bad_burst"]
    tap.ok(gap and near(gap[0]["value"], 202) and gap[0]["at"] == ts(399) and
           burst and burst[0]["at"] == ts(500.5),
           "B's gap: 202 s after t = 399; C's burst from t = 500.5", (gap, burst))

    rc, text, err = run(log)
    heads = ["Date:       2026-11-21", "Duration:   1000.0 s", "Versions:   ducomaster 0.1, 0.2",
             "Log level:  info", "Boards:     3", "RESULTS:",
             "Hashrate (10s windows): min 490.0  mean 770.0  max 840.0 nonces/s (100 windows)",
             "Share acceptance: 99.60 %", "\"Incorrect result\" 3",
             "get job p50 100.0 ms, p95 5000.0 ms", "CPU 3.50 s", "1 restart(s), 3 reconnect(s)",
             "DUCO/day:         43.200", "BOARDS:", "ANALYSIS:",
             "sim:0x09 hashes slower than its peers: 2000 H/s"]
    missing = [h for h in heads if h not in text]
    tap.ok(rc == 0 and not missing, "text report: the template's lines with the same numbers",
           missing or text)

    # --- regression check: hashrate down 10 % (FAIL), then 3 % (OK) --------
    base = os.path.join(tmp, "base.json")
    with open(base, "w") as f:
        f.write(out)
    worse10 = os.path.join(tmp, "worse10.log")
    worse3 = os.path.join(tmp, "worse3.log")
    known_log(worse10, 0.9)
    known_log(worse3, 0.97)
    rc, cmp_out, err = run("compare", "--json", "--fail-on-regression", base, worse10)
    c = json.loads(cmp_out)["compare"] if cmp_out else {}
    st = {x["key"]: x for x in c.get("kpis", [])}
    tap.ok(rc == 1 and c["status"] == "FAIL" and st["hashrate_10s"]["status"] == "FAIL" and
           near(st["hashrate_10s"]["change_pct"], -10.0),
           "nonces x 0.9 against a saved report: hashrate -10.0 %, FAIL, exit 1", (rc, c))
    tap.ok(all(st[x]["status"] == "OK" for x in ("acceptance_pct", "shares_per_hour",
                                                  "get_job_p95_ms", "cpu_s_per_1000_jobs")),
           "the KPIs that did not change stay OK", st)
    rc, cmp_out, err = run("compare", "--json", "--fail-on-regression", log, worse3)
    c = json.loads(cmp_out)["compare"]
    st = {x["key"]: x for x in c["kpis"]}
    tap.ok(rc == 0 and c["status"] == "OK" and st["hashrate_60s"]["status"] == "OK" and
           near(st["hashrate_60s"]["change_pct"], -3.0),
           "nonces x 0.97 against the job log itself: -3.0 %, OK, exit 0", (rc, c))
    rc, cmp_text, err = run("compare", "--threshold", "2", "--fail-on-regression", log, worse3)
    tap.ok(rc == 1 and "Hashrate (60 s windows, mean) (nonces/s)" in cmp_text and "-3.0%" in cmp_text
           and "Status: FAIL" in cmp_text, "--threshold 2: the same -3 % is a FAIL", cmp_text)
    rc, text, err = run("report", "--baseline", base, worse10)
    tap.ok(rc == 0 and "REGRESSION CHECK" in text and "Status: FAIL" in text,
           "report --baseline adds the check; exit 0 without --fail-on-regression", (rc, err))
    # a slower pool only warns: get-job latency is the pool's, not the rig's
    slow = os.path.join(tmp, "slowpool.log")
    with open(log) as src, open(slow, "w") as dst:
        for line in src:
            x = json.loads(line)
            if "get_job_wait_ms" in x:
                x["get_job_wait_ms"] *= 1.5
            dst.write(json.dumps(x) + "\n")
    rc, cmp_out, err = run("compare", "--json", "--fail-on-regression", log, slow)
    c = json.loads(cmp_out)["compare"]
    st = {x["key"]: x for x in c["kpis"]}
    tap.ok(rc == 0 and c["status"] == "WARNING" and st["get_job_p50_ms"]["status"] == "WARNING"
           and near(st["get_job_p50_ms"]["change_pct"], 50.0),
           "get-job waits x 1.5: +50 %, WARNING (the pool), exit 0", c)
    rc, _, err = run("compare", log)
    tap.ok(rc == 2 and "two files" in err, "compare with one file: usage error, exit 2", err)
    hostile(tmp)
    charts(tmp, log)
    sys.exit(tap.done())


def charts(tmp, log):
    """--charts DIR [--png]: every chart made, non-empty, SVG well-formed XML, PNG sane."""
    import struct
    import xml.etree.ElementTree as ET
    out_dir = os.path.join(tmp, "charts")
    os.mkdir(out_dir)
    names = ["phases", "overview", "board-sim-0x08", "board-sim-0x09", "board-sim-0x0a", "earnings"]
    rc, out, err = run("--charts", out_dir, "--png", log)
    png = rc != 2
    if not png:
        # a ducoreport built without cairo: says so, names the package, makes no chart
        tap.ok("built without cairo" in err and "libcairo2-dev" in err,
               "--png without cairo: exit 2 naming libcairo2-dev", err)
        rc, out, err = run("--charts", out_dir, log)
    tap.ok(rc == 0, "--charts: exit 0", (rc, err))
    for n in names:
        path = os.path.join(out_dir, n + ".svg")
        try:
            root = ET.parse(path).getroot()
            good = (root.tag == "{http://www.w3.org/2000/svg}svg" and os.path.getsize(path) > 1000
                    and len(list(root.iter("{http://www.w3.org/2000/svg}text"))) >= 5)
            h = float(root.get("height"))
        except (OSError, ET.ParseError, TypeError, ValueError) as e:
            good, h = False, 0
            tap.diag(e)
        tap.ok(good, "%s.svg: well-formed SVG with text, %d bytes" % (
            n, os.path.getsize(path) if os.path.exists(path) else 0))
        if not png:
            continue
        path = os.path.join(out_dir, n + ".png")
        try:
            with open(path, "rb") as f:
                head = f.read(33)
            w_px, h_px = struct.unpack(">II", head[16:24])
            good = (head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR" and
                    w_px == 1440 and h_px == int(2 * h) and os.path.getsize(path) > 5000)
        except (OSError, struct.error) as e:
            good, w_px, h_px = False, 0, 0
            tap.diag(e)
        tap.ok(good, "%s.png: PNG header, %d x %d pixels (twice the SVG's %g units high)" % (
            n, w_px, h_px, h))
    # a hostile board name (markup, a control character, bytes that are not UTF-8)
    weird = os.path.join(tmp, "weird.log")
    with open(weird, "wb") as f:
        for t in range(0, 40, 2):
            r = json.dumps(job(t, "sim:<b>&\"x\"\u0001", 700, 300, 100, 50, 2000))
            f.write(r.replace("\\u0001", "\\u0001\xff\xfe").encode("latin-1") + b"\n")
    wdir = os.path.join(tmp, "weird")
    os.mkdir(wdir)
    rc, out, err = run("--charts", wdir, *(["--png"] if png else []), weird)
    made = sorted(os.listdir(wdir)) if os.path.isdir(wdir) else []
    parsed = True
    for n in made:
        if n.endswith(".svg"):
            try:
                ET.parse(os.path.join(wdir, n))
            except ET.ParseError as e:
                parsed = False
                tap.diag("%s: %s" % (n, e))
    tap.ok(rc == 0 and parsed and len(made) >= (6 if png else 3),
           "a board named with markup, a control character and non-UTF-8 bytes: charts made, "
           "SVG still well-formed", (rc, err, made))
    rc, out, err = run(weird)
    tap.ok(rc == 0 and "sim:<b>&\"x\"???" in out and "\x01" not in out and "\ufffd" not in out,
           "the text report shows that name in plain ASCII ('?' for the rest)", out[-800:])
    b = ET.parse(os.path.join(out_dir, "board-sim-0x09.svg")).getroot()
    lines = list(b.iter("{http://www.w3.org/2000/svg}polyline"))
    tap.ok(len(lines) >= 3 + 5 and any("Share time" in (t.text or "")
                                       for t in b.iter("{http://www.w3.org/2000/svg}text")),
           "a board's chart has its hashrate, share-time and five phase trends (%d lines)" % len(lines))


def strict_json(text):
    """json.loads that refuses NaN and Infinity (Python accepts them by default)."""
    def refuse(name):
        raise ValueError("non-finite number " + name)
    return json.loads(text, parse_constant=refuse)


def hostile(tmp):
    """Torn lines, missing keys, non-finite numbers, a huge line and a big file."""
    good = [job(t, "sim:0x08", 700, 300, 100, 50, 2000) for t in range(0, 100, 2)]
    path = os.path.join(tmp, "hostile.log")
    with open(path, "w") as f:
        for i, r in enumerate(good):
            f.write(json.dumps(r) + "\n")
            if i == 10:
                f.write(json.dumps(r)[:57] + "\n")                      # torn
                f.write('{"slave":"sim:0x09","verdict":"GOOD","overall_ms":NaN}\n')
                f.write('{"slave":"sim:0x09","verdict":"GOOD","overall_ms":Infinity}\n')
                f.write("\x00\x01binary\xff garbage\n")
                f.write('["an", "array"]\n')
                f.write('{"ts":"%s","slave":"sim:0x08","nonce":700}\n' % ts(21))  # no verdict
            if i == 20:
                # a number too big for a double is inf to cJSON; a null is "no value"
                f.write('{"ts":"%s","slave":"sim:0x08","verdict":"GOOD","nonce":700,'
                        '"overall_ms":1e999,"get_job_wait_ms":null,"slave_elapsed_ms":"300"}\n'
                        % ts(41.5))
                f.write('{"slave":"sim:0x08","verdict":"GOOD","nonce":700}\n')  # no ts
            if i == 30:
                f.write("x" * (10 * 1024 * 1024) + "\n")                  # 10 MB line
        f.write(json.dumps(good[-1])[:40])                                 # cut at the end
    rc, out, err = run("--json", path)
    try:
        d = strict_json(out)
    except ValueError as e:
        d = None
        tap.diag(e)
    tap.ok(rc == 0 and d is not None, "hostile log: exit 0, the JSON report has only finite numbers",
           (rc, err, out[:300]))
    if d:
        rd = d["read"]
        # 50 good + the 1e999 one + the one without ts; skipped: torn, NaN, Infinity,
        # binary, array, no verdict, the cut end; too long: the 10 MB line
        tap.ok(rd["jobs"] == 52 and rd["skipped"] == 7 and rd["too_long"] == 1 and rd["lines"] == 60,
               "52 records read, 7 unreadable lines and 1 over-long line skipped, 60 lines", rd)
        r = d["report"]
        tap.ok(r["shares"]["found"] == 52 and r["latency_ms"]["get_job"]["n"] == 51 and
               r["latency_ms"]["get_job"]["p50"] == 100,
               "null and missing values stay out of the percentiles (51 of 52)", r["latency_ms"])
        tap.ok(r["from"] == ts(0) and r["to"] == ts(98), "the record without ts has no place in time",
               (r["from"], r["to"]))
    tap.ok("8 of 60 lines were not readable records" in err and "over 65536 bytes" in err,
           "stderr says what was skipped and why", err)
    rc, text, err = run(path)
    tap.ok(rc == 0 and "PERFORMANCE REPORT" in text and "nan" not in text.lower().replace("nonces", "")
           and "inf" not in text.lower(), "text report of the readable part, no nan or inf", text[-600:])
    # a big log, with fewer samples kept than jobs: sums over all, windows over the last ones
    big = os.path.join(tmp, "big.log")
    line = json.dumps(job(0, "sim:0x08", 700, 300, 100, 50, 2000))
    n = 60000
    with open(big, "w") as f:
        for i in range(n):
            f.write(line.replace(ts(0), ts(i * 0.5)) + "\n")
    rc, out, err = run("--json", "--max-samples", "1000", big)
    d = strict_json(out) if rc == 0 else {}
    tap.ok(rc == 0 and d["report"]["shares"]["found"] == n
           and d["read"]["samples_dropped"] == n - 1000 and d["report"]["windows"]["10s"]["n"] == 49
           and near(d["report"]["windows"]["10s"]["mean"], 1400),
           "60000 jobs with 1000 samples kept: counts over all, windows over the last 499.5 s "
           "(49 windows of 20 x 700 / 10 s)", (rc, err, d.get("read")))
    rc, text, err = run("--max-samples", "1000", big)
    tap.ok("cover the last 1000 jobs only" in text, "the text says the windows cover the last jobs only",
           text[-400:])


if __name__ == "__main__":
    main()
