#!/usr/bin/env python3
"""observe.py - what a user watching a rig sees, on one simulated rig
(ducopool + ducosim with 3 firmware boards + ducomaster on a
pseudo-terminal, rigkit.py): the live table fits 80 columns, has a row
per board with its mark and a legend; a board silenced by ducosim's fault
injection shows as offline in the table, /api/status and /metrics within
10 s; the SIGUSR1 summary is not overdrawn by the table; headless Chromium
(Debian's chromium) loads the dashboard / and its board table shows every
board with its mark, the silenced one offline (DOM check; a screenshot is
kept in $BUILD/test-artifacts/dashboard.png); /metrics passes
`promtool check metrics`; a real Prometheus (Debian's
prometheus) on loopback scrapes the rig, and once the pool is gone and no
share can come any more, its query for the accepted-shares counter equals
the job log's GOOD lines, in all and per board; every metric the fleet's
Grafana dashboard (docs/fleet/grafana-ducorig.json) uses is in /metrics
and each of its queries runs on that Prometheus; the fleet's scrape
configuration passes `promtool check config`; /api/status agrees with the
job log too; the mining key is in no answer. Prometheus' start-up and
scrapes are waited for through its own API (target up, sample seen), each
with a deadline. Prints TAP.
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import signal
import tempfile
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rigkit import KEY, Rig, tap  # noqa: E402

SILENT = 4          # ducosim's SILENT fault (docs/ducosim.md)
OFFLINE_BOUND_S = 10.0

BOARDS = 3


def free_port():
    """A port for Prometheus, which cannot report one the kernel picked."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Prometheus:
    def __init__(self, tmp, target):
        self.tmp = tmp
        self.port = free_port()
        cfg = os.path.join(tmp, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                    "scrape_configs:\n  - job_name: ducorig\n    static_configs:\n"
                    "      - targets: ['%s']\n        labels: {rig: 'sim'}\n" % target)
        self.log = open(os.path.join(tmp, "prometheus.log"), "w")
        self.proc = subprocess.Popen(
            ["prometheus", "--config.file=" + cfg,
             "--storage.tsdb.path=" + os.path.join(tmp, "tsdb"),
             "--web.listen-address=127.0.0.1:%d" % self.port, "--log.level=warn"],
            stdout=self.log, stderr=subprocess.STDOUT)

    def api(self, path, **args):
        url = "http://127.0.0.1:%d/api/v1/%s" % (self.port, path)
        if args:
            url += "?" + urllib.parse.urlencode(args)
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                return json.load(r)
        except (OSError, ValueError):
            return None

    def target_up(self):
        d = self.api("targets")
        if not d:
            return None
        act = d["data"]["activeTargets"]
        return act and act[0]["health"] == "up" and act[0]

    def query(self, q):
        d = self.api("query", query=q)
        if not d or d.get("status") != "success":
            return None
        return d["data"]["result"]

    def stop(self):
        rc = tap.stop_process(self.proc)
        self.log.close()
        return rc


def good_rows(rows, addr=None):
    return sum(1 for r in rows if r["verdict"] == "GOOD" and
               (addr is None or r["slave"].endswith(addr)))


def board_rows(frame):
    return {m.group(1): m.group(0) for m in re.finditer(r"^[DCRJKWEFG]  (0x[0-9a-f]{2}) .*$",
                                                        frame, re.M)}


def check_table(rig):
    aged = lambda: len([r for r in board_rows(rig.frame()).values()
                        if re.search(r" ok +\d+s ", r)]) == BOARDS
    tap.wait_until(aged, 10, 0.1)
    frame = rig.frame()
    lines = frame.splitlines()
    rows = board_rows(frame)
    tap.ok(set(rows) == {"0x%02x" % (8 + i) for i in range(BOARDS)} and
           all(re.search(r" (ok|slow|FAULTY) +\d+s ", r) for r in rows.values()),
           "live table: a row per board with its mark and the age of its last share", frame)
    tap.ok(lines and max(len(x) for x in lines) <= 80,
           "live table fits 80 columns (widest %d)" % max(len(x) for x in lines), frame)
    tap.ok("St Addr Bus" in frame and "Rej%" in frame and "CRC/k" in frame and "Rty/k" in frame and
           re.search(r"^D down C connected R asked J job K hashing W held E sent F bad G good$",
                     frame, re.M), "header with reject %, CRC and retry rates; legend of the states")


def check_offline(rig, answers):
    """Silence 0x0a on the simulated bus; time until each view says offline."""
    bus = tap.SimBus(rig.sock)
    seen = {}
    t0 = time.monotonic()
    tap.ok(bus.fault(0x0a, SILENT, 0) == 0, "ducosim: 0x0a silenced")

    def api():
        st, hd, body = rig.get("/api/status")
        b = [b for b in json.loads(body)["boards"] if b["addr"] == "0x0a"]
        return b and not b[0]["online"] and b[0]["mark"] == "offline" and body

    def metrics():
        st, hd, body = rig.get("/metrics")
        return re.search(rb'^ducorig_board_online\{[^}]*addr="0x0a"[^}]*\} 0$', body, re.M) and \
            re.search(rb'^ducorig_board_mark\{[^}]*addr="0x0a"[^}]*mark="offline"\} 1$', body,
                      re.M) and body

    def table():
        return "OFFLINE" in board_rows(rig.frame()).get("0x0a", "")

    for name, fn in (("api", api), ("metrics", metrics), ("table", table)):
        def probe(fn=fn, name=name):
            v = fn()
            if v and name not in seen:
                seen[name] = time.monotonic() - t0
                if isinstance(v, bytes):
                    answers.append(v)
            return name in seen
        tap.wait_until(probe, OFFLINE_BOUND_S + 5, 0.1)
    for name, what in (("table", "the live table"), ("api", "/api/status"),
                       ("metrics", "/metrics")):
        t = seen.get(name)
        tap.ok(t is not None and t <= OFFLINE_BOUND_S,
               "silenced board offline in %s within %.0f s (%s)" %
               (what, OFFLINE_BOUND_S, "%.1f s" % t if t is not None else "never"))
    others = board_rows(rig.frame())
    tap.ok(all("OFFLINE" not in others[a] for a in ("0x08", "0x09")),
           "the other boards stay online", others)
    bus.close()


def check_usr1(rig):
    """SIGUSR1: the summary is printed below the table and stays."""
    start = len(rig.tty())
    up0 = json.loads(rig.get("/api/status")[2])["rig"]["uptime_s"]
    rig.master.send_signal(signal.SIGUSR1)
    tap.wait_until(lambda: b"live table paused" in rig.tty()[start:], 10, 0.05)
    out = rig.tty()[start:]
    at = out.find(b"=== ducomaster summary")
    # Four redraw periods of the rig's own clock go by.
    tap.wait_until(lambda: json.loads(rig.get("/api/status")[2])["rig"]["uptime_s"] >= up0 + 2.0,
                   10, 0.1)
    after = rig.tty()[start + at:] if at >= 0 else b""
    tap.ok(at >= 0 and b"rig (3 slaves)" in after and b"\033[H" not in after,
           "SIGUSR1: the summary stays on the terminal (no redraw over it for 2 s)",
           after[-400:])


FLEET = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "fleet")


def check_grafana(prom, metrics_text):
    path = os.path.join(FLEET, "grafana-ducorig.json")
    raw = open(path).read()
    dash = json.loads(raw)
    have = set(re.findall(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]", metrics_text.decode(), re.M))
    used = set(re.findall(r"\b((?:ducorig|process)_[a-z_]+)\b", raw))
    tap.ok(used and not (used - have), "every metric the Grafana dashboard uses is in /metrics "
           "(%d metrics)" % len(used), sorted(used - have))
    exprs = [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]
    bad = []
    for e in exprs:
        q = e.replace("$rig", ".*").replace("$__rate_interval", "1m")
        if prom.query(q) is None:
            bad.append(e)
    tap.ok(exprs and not bad, "each of its %d queries runs on Prometheus" % len(exprs), bad)
    p = subprocess.run(["promtool", "check", "config", os.path.join(FLEET, "prometheus.yml")],
                       capture_output=True, text=True)
    tap.ok(p.returncode == 0, "docs/fleet/prometheus.yml passes promtool check config",
           p.stdout + p.stderr)


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--hide-scrollbars"]


def chromium(rig, *args):
    """Run headless Chromium on a new empty profile; (rc, stdout)."""
    prof = tempfile.mkdtemp(prefix="profile.", dir=rig.tmp)
    # the page's own timers (2 s table refresh) run in virtual time: the
    # dump waits for the page's fetches, not for a wall-clock delay
    p = subprocess.run(["chromium"] + CHROMIUM_FLAGS + ["--user-data-dir=" + prof,
                                                         "--virtual-time-budget=5000"] +
                       list(args), capture_output=True, timeout=120)
    return p.returncode, p.stdout


def check_dashboard(rig, answers):
    st, hd, page = rig.get("/")
    answers.append(page)
    tap.ok(st == 200 and hd.get("content-type", "").startswith("text/html") and
           not re.search(rb"(src|href)=\"(https?:)?//", page) and b"@import" not in page and
           b"@font-face" not in page, "GET /: the dashboard, nothing loaded from elsewhere")
    url = "http://%s/" % rig.http
    rc, dom = chromium(rig, "--dump-dom", url)
    answers.append(dom)
    rows = {a.decode(): m.decode() for m, a in re.findall(
        rb'<tr class="board (\w+)" data-addr="(0x[0-9a-f]{2})"', dom)}
    tap.ok(rc == 0 and set(rows) == {"0x%02x" % (8 + i) for i in range(BOARDS)},
           "headless Chromium: the board table shows every board %s" % rows, dom[-1500:])
    tap.ok(rows.get("0x0a") == "offline" and rows.get("0x08") in ("ok", "slow", "faulty"),
           "the silenced board is marked offline on the page, the others not")
    online = re.search(rb'id="online">(\d+) / (\d+)<', dom)
    tap.ok(online and online.groups() == (b"%d" % (BOARDS - 1), b"%d" % BOARDS),
           "the page's header: %s boards online" % (online.group(0) if online else None))
    art = os.path.join(os.environ.get("BUILD", "build"), "test-artifacts")
    os.makedirs(art, exist_ok=True)
    shot = os.path.join(art, "dashboard.png")
    if os.path.exists(shot):
        os.unlink(shot)
    rc, _ = chromium(rig, "--window-size=1200,900", "--screenshot=" + os.path.abspath(shot), url)
    with open(shot, "rb") if os.path.exists(shot) else open(os.devnull, "rb") as f:
        head = f.read(8)
    tap.ok(rc == 0 and head == b"\x89PNG\r\n\x1a\n" and os.path.getsize(shot) > 10000,
           "screenshot kept: %s" % shot)


def main():
    rig = Rig(count=BOARDS)
    prom = None
    answers = []
    try:
        tap.ok(rig.start_pool_sim(), "ducopool and ducosim (%d firmware boards) started" % BOARDS)
        tap.ok(rig.start_master(tty=True), "ducomaster serves HTTP on %s" % rig.http)
        if not rig.http:
            return
        every = lambda: {r["slave"][-4:] for r in rig.rows()} >= \
            {"0x%02x" % (8 + i) for i in range(BOARDS)}
        tap.ok(tap.wait_until(every, 90, 0.1), "every board has a share in the job log")
        check_table(rig)
        check_offline(rig, answers)
        check_usr1(rig)
        check_dashboard(rig, answers)

        st, hd, text = rig.get("/metrics")
        answers.append(text)
        tap.ok(st == 200 and hd.get("content-type", "").startswith("text/plain; version=0.0.4"),
               "GET /metrics: 200, Prometheus text 0.0.4")
        p = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True)
        tap.ok(p.returncode == 0, "promtool check metrics: no problem (%d lines)" %
               text.count(b"\n"), (p.stdout + p.stderr).decode()[:2000])
        names = set(re.findall(rb"^# TYPE (\S+) ", text, re.M))
        want = [b"ducorig_shares_total", b"ducorig_shares_bad_total",
                b"ducorig_hashrate_reported", b"ducorig_hashrate_measured",
                b"ducorig_job_phase_seconds", b"ducorig_status_polls_total",
                b"ducorig_bus_errors_total", b"ducorig_bus_retries_total",
                b"ducorig_board_frames_dropped", b"ducorig_board_resets_total",
                b"ducorig_board_state", b"ducorig_board_online",
                b"ducorig_board_seconds_since_last_share", b"ducorig_board_duty_cycle",
                b"process_cpu_seconds_total", b"process_resident_memory_bytes",
                b"process_open_fds"]
        missing = [w.decode() for w in want if w not in names]
        tap.ok(not missing, "the families the issue lists are there", missing)
        phases = set(re.findall(rb'ducorig_job_phase_seconds_count\{[^}]*phase="(\w+)"', text))
        tap.ok(phases == {b"get_job_wait", b"transfer", b"hashing", b"detect", b"hold",
                          b"get_res_wait", b"overall"}, "a histogram per job phase", phases)
        labels = re.search(rb'^ducorig_board_online\{bus="sim:sim\.sock",addr="0x08",'
                           rb'board="nano",worker="0"\} 1$', text, re.M)
        tap.ok(labels, "per-board labels bus, addr, board, worker")
        power_on = re.search(rb'^ducorig_board_resets_total\{[^}]*addr="0x08"[^}]*'
                             rb'cause="power_on"\} 1$', text, re.M)
        tap.ok(power_on, "the power-on boot is counted by its cause")

        prom = Prometheus(rig.tmp, rig.http)
        up = tap.wait_until(prom.target_up, 60, 0.2)
        tap.ok(up, "Prometheus on 127.0.0.1:%d scrapes the rig (target up)" % prom.port,
               open(os.path.join(rig.tmp, "prometheus.log")).read()[-2000:])

        check_grafana(prom, text)

        # No pool, no new shares: the counter stops where the job log does.
        tap.stop_process(rig.pool)
        rig.procs.remove(rig.pool)
        last = {"n": -1, "since": time.monotonic()}

        def log_settled():
            n = len(rig.rows())
            if n != last["n"]:
                last.update(n=n, since=time.monotonic())
            return time.monotonic() - last["since"] > 2.0
        tap.wait_until(log_settled, 60, 0.2)
        rows = rig.rows()
        want_good = good_rows(rows)
        got = {"v": None}

        def prom_matches():
            res = prom.query('sum(ducorig_shares_total{verdict="good"})')
            got["v"] = int(float(res[0]["value"][1])) if res else None
            return got["v"] == want_good
        tap.ok(tap.wait_until(prom_matches, 30, 0.5),
               "Prometheus: sum(ducorig_shares_total{verdict=\"good\"}) = %s, job log GOOD = %d"
               % (got["v"], want_good))
        per = prom.query('ducorig_shares_total{verdict="good"}') or []
        per_board = {r["metric"]["addr"]: int(float(r["value"][1])) for r in per}
        want_board = {"0x%02x" % (8 + i): good_rows(rows, "0x%02x" % (8 + i))
                      for i in range(BOARDS)}
        tap.ok(per_board == want_board, "per board too: %s" % per_board, want_board)
        st, hd, body = rig.get("/api/status")
        answers.append(body)
        doc = json.loads(body)
        earn = doc.get("earnings", {})
        m = re.search(rb'^ducorig_duco_per_day\{source="(\w+)",window="recent"\} (\S+)$', text, re.M)
        tap.ok(earn.get("source") in ("rest", "estimate") and m and
               m.group(1).decode() == earn["source"] and float(m.group(2)) >= 0,
               "earnings in /api/status and /metrics (source %s)" % earn.get("source"), earn)
        tap.ok(doc["summary"]["good"] == want_good and
               sum(b["good"] for b in doc["boards"]) == want_good,
               "/api/status: %d good, as the job log" % doc["summary"]["good"])
        tap.ok(all(KEY.encode() not in a for a in answers), "the mining key is in no answer")
    finally:
        if prom:
            prom.stop()
        rig.stop()
        if not os.environ.get("KEEP"):
            shutil.rmtree(rig.tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
    sys.exit(tap.done())
