#!/usr/bin/env python3
"""fault_suite.py - ducomaster under bus, pool and discovery faults, end to end.

Three rigs on loopback, each ducopool + ducosim + ducomaster, every child
started here and stopped by pid:

- bus: four boards running the real firmware in ducosim (real time). Every
  data byte to and from every board gets a bit flipped with probability
  1e-3 (ducosim's flip-rate fault) for the whole run; on top of that, one
  board at a time: a burst of 60 NACKs, a reset mid-job, a hang (SCL held,
  every transfer times out) and a removal (no answer until cleared), each
  injected over ducosim's socket while the board has a job.
- pool: model slaves against a pool that drops connections and sends
  garbage lines instead of jobs and verdicts, with a worker limit one below
  the boards (BAD,Too many workers for one of them, the official pool's way).
- discovery: getPool down with a configured fallback pool; getPool
  answering garbage, then a good answer (discovery retried); the pool's host
  name failing to resolve (a local name server that answers SERVFAIL for a
  while, through --dns-servers), then resolving.

Asserted for each: no process crashed (each exits 0 on SIGTERM, ducosim
reports no chip crash), no wrong nonce reached the pool (its "Incorrect
result" count is 0), every verdict the pool sent has its job-log record
(GOOD, BLOCK and BAD counted both sides), and recovery within the bounds of
docs/ducomaster.md "Recovery": recovery is the time from the board's last
failed transfer (or the pool's last failure) to its job being back on the
AVR (the master's debug log "J -> K"), measured on the wall clock and
printed. --long runs the same with more faults and longer for make soak.
"""
import argparse
import http.server
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import ducotest as tap  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
B = os.path.join(BUILD, "host")
FW = os.path.join(BUILD, "avr-nano", "firmware.elf")

FLIP_RATE, NACK, RESET, SILENT, CLEAR, HANG = 6, 2, 3, 4, 5, 7
# docs/ducomaster.md "Recovery"
BOUND_BOARD_S = 2.5          # a board that answers again is mining within 2.5 s
BACKOFF_JITTER = 1.25        # pool backoffs: base * 2^n, +-25 %
SLACK_S = 1.0                # connect, banner, job line, transfer on a busy host

LINE_RE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z) (\w+)\s+(.*)$")


def slave_name(sock, addr):
    """The master's name for a slave: its bus spec (cut at 40) and address."""
    return "%.40s:0x%02x" % ("sim:" + sock, addr)


def parse_ts(s):
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=timezone.utc).timestamp()


class Children:
    """Processes this run started; stop() by pid, SIGTERM then SIGKILL."""

    def __init__(self, tmp):
        self.tmp, self.procs = tmp, []

    def spawn(self, name, argv, **kw):
        out = open(os.path.join(self.tmp, name + ".out"), "w")
        err = open(os.path.join(self.tmp, name + ".err"), "w")
        p = subprocess.Popen(argv, stdout=kw.pop("stdout", out), stderr=err, **kw)
        p.name, p.out_path, p.err_path = name, out.name, err.name
        self.procs.append(p)
        return p

    def stop(self, p, wait_s=15):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
        try:
            p.wait(wait_s)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        if p.stdout:
            p.stdout.close()
        return p.returncode

    def stop_all(self):
        for p in self.procs:
            if p.poll() is None:
                self.stop(p)


def file_has(path, pattern):
    try:
        with open(path, errors="replace") as f:
            return re.search(pattern, f.read(), re.M)
    except FileNotFoundError:
        return None


class PoolProc:
    """ducopool with its stdout read by a thread (stats lines on SIGUSR1)."""

    def __init__(self, kids, *args, http=False):
        argv = [os.path.join(B, "ducopool"), "--listen", "127.0.0.1:0", "--block-chance", "0"]
        argv += (["--http", "127.0.0.1:0"] if http else []) + [str(a) for a in args]
        self.kids = kids
        self.p = kids.spawn("pool", argv, stdout=subprocess.PIPE, text=True)
        self.lines, self.cv = [], threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        m = self.wait(r"^listening on 127\.0\.0\.1:(\d+)$")
        self.port = int(m.group(1)) if m else None

    def _read(self):
        for line in self.p.stdout:
            with self.cv:
                self.lines.append(line.rstrip("\n"))
                self.cv.notify_all()

    def wait(self, pattern, timeout_s=30, after=0):
        end = time.monotonic() + timeout_s
        with self.cv:
            while True:
                for line in self.lines[after:]:
                    m = re.search(pattern, line)
                    if m:
                        return m
                left = end - time.monotonic()
                if left <= 0 or self.p.poll() is not None:
                    return None
                self.cv.wait(left)

    def stop(self):
        """SIGTERM: exit status and the final stats."""
        rc = self.kids.stop(self.p)
        stats = [l for l in self.lines if l.startswith("{")]
        return rc, json.loads(stats[-1]) if stats else None


def start_sim(kids, name, *args):
    sock = os.path.join(kids.tmp, name + ".sock")
    p = kids.spawn(name, [os.path.join(B, "ducosim"), "--socket", sock] + [str(a) for a in args])
    tap.wait_until(lambda: file_has(p.out_path, r"^ready") or p.poll() is not None, 60)
    return p, sock


def start_master(kids, name, *args):
    d = kids.tmp
    paths = {k: os.path.join(d, "%s.%s" % (name, k)) for k in ("log", "joblog", "metrics")}
    # --http "": no check reads the HTTP side, and its default port (9550)
    # may be a user's ducomaster or another test's.
    argv = [os.path.join(B, "ducomaster"), "--user", "faults", "--no-table", "--http", "",
            "--log-level", "debug", "--log", paths["log"], "--joblog", paths["joblog"],
            "--metrics", paths["metrics"]] + [str(a) for a in args]
    p = kids.spawn(name, argv)
    p.paths = paths
    return p


def log_lines(master):
    """(time, level, text) of the master's log, in order."""
    out = []
    try:
        with open(master.paths["log"], errors="replace") as f:
            for line in f:
                m = LINE_RE.match(line.rstrip("\n"))
                if m:
                    out.append((parse_ts(m.group(1)), m.group(2), m.group(3)))
    except FileNotFoundError:
        pass
    return out


def job_records(master):
    rows = []
    try:
        with open(master.paths["joblog"]) as f:
            for line in f:
                r = json.loads(line)
                if "type" not in r:
                    rows.append(r)
    except FileNotFoundError:
        pass
    return rows


def mining(master, slave, since):
    """Times the slave's job went onto the AVR after `since`."""
    return [t for t, _, text in log_lines(master)
            if t >= since and text == "%s: J -> K" % slave]


FAIL_RE = re.compile(r"bus error|slave fault|no identity|speed test failed")


def recovery(master, slave, fault_t):
    """(recovery s, outage s): the slave's first J -> K after its first
    failure since the fault (a transfer that went through just as the fault
    was set is not the recovery), and its last failure line before that."""
    lines = log_lines(master)
    mine = [(t, x) for t, _, x in lines if t >= fault_t and x.startswith(slave + ":")]
    first_fail = next((t for t, x in mine if FAIL_RE.search(x)), fault_t)
    back = next((t for t, x in mine if t > first_fail and x == "%s: J -> K" % slave), None)
    if back is None:
        return None, None
    last = max([t for t, x in mine if t < back and FAIL_RE.search(x)] or [fault_t])
    return back - last, back - fault_t


def sim_crashes(sim):
    m = file_has(sim.err_path, r"(\d+) chip crashes")
    return int(m.group(1)) if m else None


def check_records(master, stats, label):
    rows = job_records(master)
    got = {v: sum(1 for r in rows if r.get("verdict") == v) for v in ("GOOD", "BLOCK", "BAD")}
    sent = stats["pool"]["verdicts_sent"] if stats else {}
    tap.ok(stats is not None and got == {k: sent.get(k) for k in got},
           "%s: every verdict the pool sent has its job-log record (%s)" % (label, got),
           (got, sent))
    wrong = stats["pool"]["rejected_by_reason"].get("Incorrect result") if stats else None
    tap.ok(wrong == 0, "%s: 0 wrong nonces reached the pool" % label, wrong)
    return rows


def settle_and_stop(kids, pool, master, slaves, label):
    """Pool first (its counts are then final and every verdict it sent is in
    the master's sockets), then the master once each slave saw the close."""
    t0 = time.time()
    prc, stats = pool.stop()
    tap.wait_until(lambda: all(any(t >= t0 and x.startswith(s + ": pool connection closed")
                                   for t, _, x in log_lines(master)) for s in slaves), 20)
    mrc = kids.stop(master)
    tap.ok(prc == 0 and mrc == 0, "%s: pool and master exit 0 on SIGTERM (%s, %s)"
           % (label, prc, mrc))
    return stats


def report(label, values, bound):
    vals = [v for v in values if v is not None]
    if vals:
        tap.diag("%s: recovery %s s (max %.2f, bound %.2f)"
                 % (label, " ".join("%.2f" % v for v in vals), max(vals), bound))


# --- the bus rig ---------------------------------------------------------------
def run_bus(tmp, long_run):
    kids = Children(tmp)
    try:
        tiers = os.path.join(tmp, "tiers.json")
        with open(tiers, "w") as f:
            json.dump({"tiers": [{"name": "AVR", "diff": 2}]}, f)
        pool = PoolProc(kids, "--tiers", tiers, "--seed", 11)
        addrs = [0x08, 0x09, 0x0a, 0x0b]
        sim, sock = start_sim(kids, "bussim", "--firmware", FW, "--count", len(addrs),
                              "--first-addr", "0x08", "--verbose")
        names = [slave_name(sock, a) for a in addrs]
        ctl = tap.SimBus(sock)
        for a in addrs:
            ctl.fault(a, FLIP_RATE, 1000)          # 1e-3 per byte, whole run
        master = start_master(kids, "busmaster", "--pool", "127.0.0.1:%d" % pool.port,
                              "--bus", "sim:" + sock, "--slaves",
                              ",".join("0x%02x" % a for a in addrs))
        up = tap.wait_until(lambda: all(mining(master, n, 0) for n in names), 60)
        tap.ok(up, "bus: all 4 boards mining with 1e-3 bit flips per byte")
        faults = [("nack burst (60)", NACK, 60, None), ("reset mid-job", RESET, 0, None),
                  ("hang 1.5 s mid-job", HANG, 1500, None),
                  ("removal 2 s mid-job", SILENT, 0, 2.0)]
        rounds = 30 if long_run else 1
        results = {}
        for rnd in range(rounds):
            for i, (label, kind, param, clear_after) in enumerate(faults):
                a, n = addrs[i], names[i]
                # mid-job: right after the job went onto the AVR
                mark = time.time()
                tap.wait_until(lambda: mining(master, n, mark), 30)
                t0 = time.time()
                ctl.fault(a, kind, param)
                if clear_after:
                    time.sleep(clear_after)        # the fault's own length
                    ctl.fault(a, CLEAR)
                    ctl.fault(a, FLIP_RATE, 1000)  # CLEAR removed the flips too
                # the fault's first effect (a reset between polls may have none)
                tap.wait_until(lambda: any(t >= t0 and x.startswith(n + ":") and FAIL_RE.search(x)
                                           for t, _, x in log_lines(master)), 3)
                rec = tap.wait_until(lambda: recovery(master, n, t0)[0] is not None, 60)
                r, outage = recovery(master, n, t0)
                results.setdefault(label, []).append((r, outage))
                if not rec:
                    results[label][-1] = (None, None)
        for label, vals in results.items():
            rs = [r for r, _ in vals]
            report("bus " + label, rs, BOUND_BOARD_S)
            tap.diag("bus %s: outage (fault start to mining) %s s" % (
                label, " ".join("%.2f" % o for _, o in vals if o is not None)))
            tap.ok(all(r is not None and r <= BOUND_BOARD_S for r in rs),
                   "bus: %s: mining again within %.1f s of answering (max %s s)"
                   % (label, BOUND_BOARD_S, "%.2f" % max(rs) if None not in rs else "-"))
        more = len(job_records(master)) + 8
        tap.ok(tap.wait_until(lambda: len(job_records(master)) >= more, 60),
               "bus: the rig keeps mining after the faults")
        ctl.close()
        stats = settle_and_stop(kids, pool, master, names, "bus")
        rows = check_records(master, stats, "bus")
        src = kids.stop(sim)
        flips = file_has(sim.err_path, r"(\d+) flips")
        crashes = sim_crashes(sim)
        tap.ok(src == 0 and crashes == 0, "bus: ducosim exits 0, no chip crashed (%s)" % crashes)
        mets = json.load(open(master.paths["metrics"]))
        tap.ok(flips and int(flips.group(1)) > 0,
               "bus: %s bytes had a bit flipped, none reached the pool as a wrong nonce"
               % (flips.group(1) if flips else "?"))
        tap.diag("bus: master's slave faults %s, wrong results caught %s"
                 % (mets.get("slave_faults"), mets.get("wrong_nonces")))
        tap.diag("bus: %d records, %s GOOD, wrong results caught before sending: %s"
                 % (len(rows), sum(r.get("verdict") == "GOOD" for r in rows),
                    mets.get("wrong_nonces")))
    finally:
        kids.stop_all()


# --- the pool rig ---------------------------------------------------------------
def run_pool(tmp, long_run):
    kids = Children(tmp)
    try:
        n = 3
        pool = PoolProc(kids, "--drop-chance", 0.03, "--garbage-chance", 0.03,
                        "--max-workers-user", n - 1, "--seed", 5)
        sim, sock = start_sim(kids, "poolsim", "--firmware", FW, "--count", 0, "--first-addr", "0x08",
                              "--model-slaves", n, "--model-hashrate", 2000)
        addrs = ["0x%02x" % (0x08 + i) for i in range(n)]
        names = [slave_name(sock, 0x08 + i) for i in range(n)]
        master = start_master(kids, "poolmaster", "--pool", "127.0.0.1:%d" % pool.port,
                              "--bus", "sim:" + sock, "--slaves", ",".join(addrs),
                              "--set", "job_timeout_s=5")
        t_start = time.time()
        want = 300 if long_run else 25
        drops_seen = lambda: [x for _, _, x in log_lines(master) if "pool connection closed" in x]
        ok = tap.wait_until(lambda: len(job_records(master)) >= want and
                            len(drops_seen()) >= (20 if long_run else 3),
                            (1800 if long_run else 120))
        tap.ok(ok, "pool: %d records and %d pool disconnects survived"
               % (len(job_records(master)), len(drops_seen())))
        # Each disconnect: first backoff 1 s +-25 %, then connect, job, transfer.
        lines = log_lines(master)
        recs = []
        for s in names:
            mine = [(t, x) for t, _, x in lines if x.startswith(s + ":")]
            closed_at = None
            streak = 0
            for t, x in mine:
                if "pool connection closed" in x or ": connect to " in x:
                    closed_at = closed_at or t
                    streak += 1
                elif x.endswith(": J -> K") and closed_at is not None:
                    bound = BACKOFF_JITTER * (2 ** streak - 1) + SLACK_S
                    recs.append((t - closed_at, bound))
                    closed_at, streak = None, 0
        report("pool disconnect", [r for r, _ in recs], max([b for _, b in recs] or [0]))
        tap.ok(recs and all(r <= b for r, b in recs),
               "pool: every disconnect recovered within its backoff bound (%d, max %.2f s)"
               % (len(recs), max([r for r, _ in recs] or [0])),
               [(round(r, 2), round(b, 2)) for r, b in recs if r > b])
        stats = settle_and_stop(kids, pool, master, names, "pool")
        rows = check_records(master, stats, "pool")
        p = stats["pool"] if stats else {}
        bad = sum(1 for r in rows if r.get("verdict") == "BAD" and
                  r.get("reason") == "Too many workers")
        tap.ok(p.get("drops_injected", 0) > 0 and p.get("garbage_injected", 0) > 0 and bad > 0,
               "pool: drops (%s), garbage lines (%s) and refusals (%d BAD,Too many workers) "
               "all happened" % (p.get("drops_injected"), p.get("garbage_injected"), bad))
        tap.ok(kids.stop(sim) == 0, "pool: ducosim exits 0")
        tap.diag("pool: %.0f s, %d records" % (time.time() - t_start, len(rows)))
    finally:
        kids.stop_all()


# --- discovery and name resolution ----------------------------------------------
class GetPool(http.server.BaseHTTPRequestHandler):
    mode, answer = "garbage", b""

    def do_GET(self):
        body = self.answer if self.server.mode == "good" else b"<html>Bad gateway\x00\xff"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


class NameServer(threading.Thread):
    """A name server on 127.0.0.1: SERVFAIL until `good` is set, then the
    A record 127.0.0.1 for every name (no AAAA: an empty answer)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.good, self.queries, self.stopping = False, 0, False

    def run(self):
        while not self.stopping:
            try:
                q, peer = self.sock.recvfrom(512)
            except OSError:
                return
            if len(q) < 17:
                continue
            self.queries += 1
            end = q.index(b"\0", 12) + 5          # the question: name, type, class
            qtype = struct.unpack(">H", q[end - 4:end - 2])[0]
            question = q[12:end]
            if not self.good:
                hdr = q[:2] + struct.pack(">HHHHH", 0x8182, 1, 0, 0, 0)
                self.sock.sendto(hdr + question, peer)
                continue
            an = b""
            if qtype == 1:
                an = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + socket.inet_aton("127.0.0.1")
            hdr = q[:2] + struct.pack(">HHHHH", 0x8180, 1, 1 if an else 0, 0, 0)
            self.sock.sendto(hdr + question + an, peer)

    def stop(self):
        self.stopping = True
        self.sock.close()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run_discovery(tmp, long_run):
    kids = Children(tmp)
    httpd = None
    ns = None
    try:
        pool = PoolProc(kids, "--seed", 3)
        sim, sock = start_sim(kids, "dsim", "--firmware", FW, "--count", 0, "--first-addr", "0x08",
                              "--model-slaves", 2, "--model-hashrate", 300)
        names = [slave_name(sock, 0x08), slave_name(sock, 0x09)]
        common = ["--bus", "sim:" + sock, "--slaves", "0x08,0x09"]

        # getPool down (nothing listens), the configured pool as fallback.
        t0 = time.time()
        m1 = start_master(kids, "dm1", "--pool-url", "http://127.0.0.1:%d" % free_port(),
                          "--pool", "127.0.0.1:%d" % pool.port, *common)
        ok = tap.wait_until(lambda: all(mining(m1, n, 0) for n in names), 30)
        first = min(t for n in names for t in mining(m1, n, 0)) - t0 if ok else None
        tap.ok(ok and file_has(m1.paths["log"], r"pool discovery failed.*using the configured"),
               "discovery: getPool down -> the configured pool at once (mining after %s s)"
               % ("%.2f" % first if first else "-"))
        tap.ok(kids.stop(m1) == 0, "discovery: master exits 0 (getPool down)")

        # getPool answering garbage, then a good answer: retried after 15 s +-25 %.
        httpd = http.server.HTTPServer(("127.0.0.1", 0), GetPool)
        httpd.mode = "garbage"
        GetPool.answer = json.dumps({"name": "faults", "ip": "127.0.0.1", "port": pool.port,
                                     "server": "faults", "success": True}).encode()
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        m2 = start_master(kids, "dm2", "--pool-url", "http://127.0.0.1:%d" % httpd.server_port,
                          *common)
        m = tap.wait_until(lambda: file_has(m2.paths["log"],
                                            r"pool discovery failed.*retrying in (\d+) s"), 30)
        httpd.mode = "good"
        t_good = time.time()
        ok = tap.wait_until(lambda: all(mining(m2, n, t_good) for n in names), 40)
        r = max(min(mining(m2, n, t_good)) for n in names) - t_good if ok else None
        retry = int(m.group(1)) if m else None
        tap.ok(m and ok and r <= retry + 0.5 + SLACK_S,
               "discovery: getPool garbage -> retried in %s s (15 s +-25 %%), mining %s s "
               "after the good answer" % (retry, "%.2f" % r if r is not None else "-"))
        tap.ok(kids.stop(m2) == 0, "discovery: master exits 0 (getPool garbage)")

        # The pool's host name does not resolve for a while (SERVFAIL).
        ns = NameServer()
        ns.start()
        m3 = start_master(kids, "dm3", "--pool", "pool.ducorig.test:%d" % pool.port,
                          "--dns-servers", "127.0.0.1:%d" % ns.port, *common)
        fails = tap.wait_until(lambda: len([x for _, _, x in log_lines(m3)
                                            if ": connect to " in x]) >= (6 if long_run else 3),
                               60)
        ns.good = True
        t_good = time.time()
        ok = tap.wait_until(lambda: all(mining(m3, n, t_good) for n in names), 60)
        lines = log_lines(m3)
        worst = 0.0
        for n in names:
            k = len([x for t, _, x in lines if t < t_good and x.startswith(n + ": connect to ")])
            back = min(mining(m3, n, t_good)) if ok else None
            if back is None:
                worst = None
                break
            bound = BACKOFF_JITTER * 2 ** max(k - 1, 0) + SLACK_S
            worst = max(worst, (back - t_good) / bound)
        tap.ok(fails and ok and worst is not None and worst <= 1.0,
               "discovery: name not resolving (SERVFAIL, %d queries) -> retried with the "
               "connect backoff, mining once it resolves (within %.0f%% of the bound)"
               % (ns.queries, 100 * (worst or 0)))
        tap.ok(kids.stop(m3) == 0, "discovery: master exits 0 (name resolution)")
        prc, stats = pool.stop()
        tap.ok(prc == 0 and stats and
               stats["pool"]["rejected_by_reason"].get("Incorrect result") == 0,
               "discovery: pool exits 0, 0 wrong nonces")
        tap.ok(kids.stop(sim) == 0, "discovery: ducosim exits 0")
    finally:
        if httpd:
            httpd.shutdown()
        if ns:
            ns.stop()
        kids.stop_all()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--long", action="store_true", help="the make soak version")
    ap.add_argument("--only", choices=("bus", "pool", "discovery"))
    a = ap.parse_args()
    keep = os.environ.get("KEEP")
    tmp = tempfile.mkdtemp(prefix="ducorig-faults.")
    for name, fn in (("bus", run_bus), ("pool", run_pool), ("discovery", run_discovery)):
        if a.only and a.only != name:
            continue
        d = os.path.join(tmp, name)
        os.mkdir(d)
        try:
            fn(d, a.long)
        except Exception as e:     # one rig's crash is a failure, not the end
            tap.ok(False, "%s rig ran without an exception" % name, repr(e))
    if keep:
        tap.diag("kept %s" % tmp)
    else:
        subprocess.run(["rm", "-rf", tmp])
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
