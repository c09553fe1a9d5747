#!/usr/bin/env python3
"""test_ducowatch.py - ducowatch perf, miners and top-avr end to end.

Two kinds of server, both on 127.0.0.1 port 0 and stopped by the test:
 - ducopool's REST side, with python mining clients (test/pool/poolkit.py)
   making the balances and miner lists; the figures ducowatch prints are
   compared with the pool's own stats (known balances, accepted counts,
   Kolka ordinals, software classes, AVR counts per user);
 - a scripted REST server in this file that answers request k with the k-th
   answer of a list: a balance sequence whose DUCO/day figures are worked
   out by hand, every bad answer of the issue (not JSON, an HTML error page,
   success false, missing fields, an unknown user, HTTP 429, a server that
   never answers), with ducowatch going on after each; it records when each
   request arrived, so the request rate is checked over a long run of fast
   ticks against --rate and after 429s against the backoff.
TAP on stdout. Waits are on ducowatch's exit (with --count) and on lines,
never on fixed sleeps; every child is stopped by pid.
"""
import http.server
import json
import os
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "pool"))
from poolkit import Pool, tap  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
WATCH = os.path.join(ROOT, os.environ.get("BUILD", "build"), "host", "ducowatch")


def run(*args, timeout=60):
    """ducowatch with args: (exit status, stdout lines, stderr lines). No
    --status unless given: a ducomaster of the host must not join in."""
    if "--status" not in args:
        args = ("--status", "") + args
    p = subprocess.run([WATCH] + [str(a) for a in args], capture_output=True, text=True,
                       timeout=timeout, stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout.splitlines(), p.stderr.splitlines()


def jsons(lines):
    out = []
    for l in lines:
        if l.startswith("{"):
            out.append(json.loads(l))
    return out


# --- a scripted REST server ------------------------------------------------------
class Script:
    """Answers the k-th request with answers[k] (the last one repeats):
    (status, content type, body text) or "hang" (no answer until stopped)."""

    def __init__(self, answers):
        self.answers = answers
        self.times = []
        self.paths = []
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        script = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                with script.lock:
                    k = len(script.times)
                    script.times.append(time.monotonic())
                    script.paths.append(self.path)
                a = script.answers[min(k, len(script.answers) - 1)]
                if a == "hang":
                    script.stop_event.wait(30)
                    return
                status, ctype, body = a
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.stop_event.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def user_body(balance, miners=()):
    return json.dumps({"result": {"balance": {"username": "alice", "balance": balance},
                                  "miners": list(miners), "transactions": []},
                       "success": True, "server": "script"})


def ok_user(balance, miners=()):
    return (200, "application/json", user_body(balance, miners))


ROW = {"threadid": "1", "username": "alice", "hashrate": 250.0, "sharetime": 2.0,
       "accepted": 5, "rejected": 0, "diff": 10, "software": "x AVR I2C",
       "identifier": "rig1", "ki": 1}


def test_perf_windows():
    # Balances at the ticks, DUCO: +5.879, +1.853, +1.946 mDUCO (the rig
    # notes' jperf run): interval, total and minute exact; DUCO/day = minute
    # x 1440; the average = total / elapsed x 86400 with elapsed from the line.
    bal = [423.575044802, 423.580923802, 423.582776802, 423.584722802]
    with Script([ok_user(b, [ROW, dict(ROW, threadid="2", hashrate=100.5)]) for b in bal]) as s:
        rc, out, err = run("--api", s.url, "perf", "alice", "--json", "--interval", "1.2",
                           "--count", 4)
        ticks = jsons(out)
        tap.ok(rc == 0 and len(ticks) == 4, "perf --json --count 4: four ticks", (rc, out, err))
        if len(ticks) == 4:
            want_int = [0, 5.879, 1.853, 1.946]
            want_tot = [0, 5.879, 7.732, 9.678]
            good = all(abs(t["interval_mduco"] - i) < 1e-6 and abs(t["total_mduco"] - tt) < 1e-6
                       and abs(t["minute_mduco"] - tt) < 1e-6
                       and abs(t["duco_per_day"] - tt / 1000 * 1440) < 1e-3
                       for t, i, tt in zip(ticks, want_int, want_tot))
            tap.ok(good, "tick, total and minute mDUCO as worked out; DUCO/d = minute x 1440",
                   ticks)
            t = ticks[3]
            tap.ok(abs(t["avg_duco_per_day"] / (9.678e-3 / t["elapsed_s"] * 86400) - 1) < 1e-3 and
                   3.0 < t["elapsed_s"] < 10,
                   "avg DUCO/day = total / elapsed scaled to a day (%.2f over %.2f s)" %
                   (t["avg_duco_per_day"], t["elapsed_s"]), t)
            tap.ok(all(t["miners"] == 2 and abs(t["hashrate"] - 350.5) < 1e-9 and
                       abs(t["balance"] - b) < 1e-9 for t, b in zip(ticks, bal)) and
                   all(k in ticks[0] for k in ("time", "balance", "total_mduco", "hashrate",
                                               "miners", "interval_mduco", "minute_mduco",
                                               "duco_per_day", "avg_duco_per_day")),
                   "each tick: time, balance, miners 2, hashrate 350.5 and the issue's keys")
        tap.ok(all(p == "/users/alice?limit=1" for p in s.paths) and len(s.paths) == 4,
               "one request per tick: /users/<user> (balance and miners together)", s.paths)


def test_perf_text_and_log(tmp):
    bal = [10.0, 10.001, 10.001, 10.0035]
    logf = os.path.join(tmp, "perf.txt")
    with Script([ok_user(b, [ROW]) for b in bal]) as s:
        rc, out, err = run("--api", s.url, "perf", "alice", "--interval", "1", "--count", 4,
                           "--log", logf)
        rows = [l for l in out if l[:2].isdigit()]
        tap.ok(rc == 0 and len(rows) == 4 and any("Minute" in l and "DUCO/d" in l for l in out),
               "perf off a terminal: a header and four plain lines", out)
        if len(rows) == 4:
            f = rows[3].split()
            tap.ok(f[1] == "3.500" and f[3] == "1" and f[4] == "2.500" and f[5] == "3.500" and
                   f[6] == "5.04", "line 4: Total 3.500, Mnr 1, tick 2.500, Minute 3.500, "
                   "DUCO/d 5.04", rows[3])
        log = open(logf).read().splitlines() if os.path.exists(logf) else []
        body = [l for l in log if not l.startswith("#")]
        tap.ok(len(body) == 4 and body[3].split()[1] == "10.003500",
               "the log file has the balance to 6 decimals", log)
    # fast mode: a line only when the balance changed
    bal = [1.0, 1.0, 1.010019, 1.010019, 1.010019, 1.020094]
    with Script([ok_user(b) for b in bal]) as s:
        rc, out, err = run("--api", s.url, "perf", "alice", "--fast", "--interval", "0.3",
                           "--rate", 5, "--count", 6, "--no-log")
        rows = [l for l in out if l[:2].isdigit()]
        tap.ok(rc == 0 and len(rows) == 3 and "timedelt" in " ".join(out),
               "--fast: lines only at the start and at the two changes", out)
        if len(rows) == 3:
            tap.ok(rows[1].split()[-1] == "10.019" and rows[2].split()[-1] == "10.075",
                   "--fast: the increases 10.019 and 10.075 mDUCO", rows)


BAD = [
    ((200, "application/json", "Internal Server Error"), "not JSON: 'Internal Server Error'"),
    ((502, "text/html", "<html><title>502 Bad Gateway</title></html>"),
     "an HTML page instead of JSON (HTTP 502, '502 Bad Gateway')"),
    ((200, "application/json", '{"message":"Server overloaded","success":false}'),
     "the server says: Server overloaded"),
    ((200, "application/json", '{"result":{"miners":[]},"success":true}'),
     "field 'result.balance' missing"),
    ((200, "application/json", '{"message":"User not found","success":false}'),
     "user 'alice' not found"),
    ((429, "text/plain", "slow down"), "HTTP 429 (too many requests)"),
]


def test_bad_answers():
    answers = []
    for a, _ in BAD:
        answers += [a, ok_user(5.0)]
    with Script(answers) as s:
        rc, out, err = run("--api", s.url, "perf", "alice", "--json", "--interval", "0.2",
                           "--rate", 5, "--count", len(answers), timeout=200)
        good = jsons(out)
        errs = [l for l in err if l.startswith("ducowatch: http")]
        tap.ok(rc == 0 and len(good) == len(BAD) and len(errs) == len(BAD),
               "every bad answer is one error line and the watch goes on (%d good ticks)" %
               len(good), (rc, out, err))
        for (a, want), line in zip(BAD, errs):
            tap.ok(want in line and line.count("\n") == 0, "bad answer: %s" % line, want)
        # After each failure the next request waits: 2 s (doubling in a row).
        gaps = [b - a for a, b in zip(s.times, s.times[1:])]
        tap.ok(all(g >= 1.9 for g in gaps[0::2]),
               "after every bad answer the next request waits the backoff (>= 2 s)",
               ["%.2f" % g for g in gaps])
    with Script(["hang"]) as s:
        t0 = time.monotonic()
        rc, out, err = run("--api", s.url, "perf", "alice", "--timeout", "1", "--count", 1)
        dt = time.monotonic() - t0
        tap.ok(rc == 1 and any("no answer (timed out)" in l for l in err) and dt < 8,
               "a server that never answers: timed out after --timeout 1 (%.1f s)" % dt, err)
    rc, out, err = run("--api", "http://127.0.0.1:9", "miners", "alice")
    tap.ok(rc == 1 and any("cannot connect" in l for l in err),
           "nothing listening: one line, exit 1", err)


def test_rate_limit():
    # Ticks every 50 ms for 8 s: the client keeps to --rate. It spaces the
    # starts of its requests; arrival times here carry the loopback's and the
    # scheduler's jitter, so a gap may look a few ms short, never a whole
    # request too many. Under the sanitizers (CI's asan stage) a request may
    # leave the client up to 0.1 s late, so the window is that much shorter.
    late = 0.1 if os.environ.get("DUCORIG_SANITIZE") else 0.0
    for rate in (5, 1):
        with Script([ok_user(1.0)]) as s:
            rc, out, err = run("--api", s.url, "perf", "alice", "--json", "--interval", "0.05",
                               "--rate", rate, "--duration", 8, timeout=60)
            times = list(s.times)
            gaps = [b - a for a, b in zip(times, times[1:])]
            n = len(times)
            per_s = max((sum(1 for t in times if w <= t < w + 0.95 - late) for w in times),
                        default=0)
            span = times[-1] - times[0] if n > 1 else 0
            tap.ok(rc == 0 and n >= 5 * rate and per_s <= rate and
                   (n - 1) / span <= rate * 1.01 and min(gaps) >= 0.5 / rate,
                   "--rate %d with 50 ms ticks for 8 s: %d requests, %.3f/s on average, "
                   "shortest gap %.3f s, at most %d in any second" %
                   (rate, n, (n - 1) / span if span else 0, min(gaps or [0]), per_s))
    # 429s in a row: 2, 4, 8 s
    with Script([(429, "text/plain", "")] * 3 + [ok_user(1.0)]) as s:
        rc, out, err = run("--api", s.url, "perf", "alice", "--json", "--interval", "0.1",
                           "--rate", 5, "--count", 4, timeout=60)
        gaps = [b - a for a, b in zip(s.times, s.times[1:])]
        tap.ok(rc == 0 and len(gaps) == 3 and 1.9 <= gaps[0] < 3 and 3.9 <= gaps[1] < 5.5 and
               7.9 <= gaps[2] < 10, "HTTP 429 three times: the client waits 2, 4, 8 s",
               ["%.2f" % g for g in gaps])
    rc, out, err = run("--rate", 6, "perf", "alice")
    tap.ok(rc == 2 and any("--rate" in l for l in err), "--rate above the API's 5/s is refused", err)


def mine(p, user, n, software, rig, hashrate=250.0, source=None):
    c = p.connect()
    c.banner()
    for _ in range(n):
        job, v = c.share(user=user, software=software, rig=rig, hashrate=hashrate)
    return c


def test_against_pool():
    with Pool("--block-chance", 0, "--seed", 9, "--reward-div", 100,
              "--max-shares-per-min", 1000, http=True) as p:
        api = "http://127.0.0.1:%d" % p.http_port
        conns = [mine(p, "alice", 14, "ducorig 0.1 AVR I2C", "rig1"),
                 mine(p, "alice", 12, "Official AVR Miner 4.3", "rig2", hashrate=300),
                 mine(p, "alice", 3, "PC Miner", "pc"),
                 mine(p, "bob", 2, "AVR I2C", "b1"), mine(p, "bob", 2, "AVR I2C", "b2"),
                 mine(p, "bob", 2, "AVR", "b3"),
                 mine(p, "carol", 1, "AVR", "c1")]
        stats = p.usr1()
        users = {u["username"]: u for u in stats["users"]}
        rc, out, err = run("--api", api, "perf", "alice", "--json", "--count", 2,
                           "--interval", "1")
        ticks = jsons(out)
        tap.ok(rc == 0 and len(ticks) == 2 and
               abs(ticks[1]["balance"] - users["alice"]["balance"]) < 1e-9 and
               ticks[1]["miners"] == 3 and ticks[1]["total_mduco"] == 0,
               "perf against ducopool: the pool's balance %.6f, 3 miners, nothing gained "
               "while idle" % users["alice"]["balance"], (ticks, err))

        rc, out, err = run("--api", api, "miners", "alice", "--json", "--sort", "accepted")
        m = jsons(out)
        rows = m[0]["miners"] if m else []
        tap.ok(rc == 0 and [r["accepted"] for r in rows] == [14, 12, 3],
               "miners --sort accepted: 14, 12, 3 as the pool counted", rows)
        byrig = {r["rig"]: r for r in rows}
        pw = {w["rig"]: w for w in stats["workers"] if w["username"] == "alice"}
        tap.ok(len(byrig) == 3 and all(byrig[k]["ki"] == pw[k]["ki"] and
                                       byrig[k]["software"] == pw[k]["software"] for k in byrig),
               "miners: Kolka ordinals and software as the pool has them")
        tap.ok(byrig.get("rig1", {}).get("class") == "AVR (I2C)" and
               byrig.get("rig2", {}).get("class") == "AVR (Normal)" and
               byrig.get("pc", {}).get("class") == "other" and
               abs(byrig.get("rig2", {}).get("efficiency", 0) - 0.96 ** (pw["rig2"]["ki"] - 1)) < 1e-4,
               "miners: the wallet's classes and the Kolka efficiency 0.96^(ki-1)", rows)
        # the pool lists its own measured rate for these instant clients:
        # far above the I2C band, so the wallet's warning shows
        tap.ok("Incorrect hashrate" in byrig.get("rig1", {}).get("warning", "") and
               byrig.get("pc", {}).get("warning") == "",
               "miners: the wallet's Incorrect hashrate warning outside its band, none for a PC",
               rows)
        rc, out, err = run("--api", api, "miners", "alice", "--sort", "accepted", "--reverse")
        lines = [l for l in out if l.startswith(("rig", "pc"))]
        tap.ok(rc == 0 and [l.split()[0] for l in lines] == ["pc", "rig2", "rig1"],
               "miners --reverse: the table the other way round", out)
        rc, out, err = run("--api", api, "miners", "alice", "--wide")
        tap.ok(rc == 0 and any("Official AVR Miner 4.3" in l for l in out),
               "miners --wide: the full software name", out)

        rc, out, err = run("--api", api, "top-avr", "--min", 1, "--json")
        t = jsons(out)
        got = [(u["n"], u["username"], u["avr_miners"]) for u in t[0]["users"]] if t else []
        tap.ok(rc == 0 and got == [(0, "bob", 3), (1, "alice", 2), (2, "carol", 1)],
               "top-avr --min 1: bob 3, alice 2, carol 1, numbered", got)
        rc, out, err = run("--api", api, "top-avr", "--min", 2)
        tap.ok(rc == 0 and any(l.split()[:3] == ["0", "bob", "3"] for l in out) and
               not any("carol" in l for l in out), "top-avr --min 2: carol left out", out)
        rc, out, err = run("--api", api, "top-avr")
        tap.ok(rc == 0 and any("0 users with at least 10" in l for l in out),
               "top-avr: 10 by default", out)
        rc, out, err = run("--api", api, "perf", "nobody", "--count", 1)
        tap.ok(rc == 1 and any("user 'nobody' not found" in l for l in err),
               "an unknown user: one line, exit 1", err)
        for c in conns:
            c.close()


def test_usage(tmp):
    rc, out, err = run("--help")
    tap.ok(rc == 0 and any("perf" in l for l in out) and any("--sort" in l for l in out),
           "--help lists the commands and options")
    rc, out, err = run("watch", "alice")
    tap.ok(rc == 2 and any("unknown command" in l for l in err), "an unknown command: exit 2", err)
    rc, out, err = run("perf")
    tap.ok(rc == 2 and any("no USER" in l for l in err), "perf without a user: exit 2", err)
    users = os.path.join(tmp, "users")
    with open(users, "w") as f:
        f.write("# mine\nalice\n  bob  \n")
    with Script([ok_user(2.0)]) as s:
        rc, out, err = run("--api", s.url, "--users", users, "perf", "--json", "--count", 1)
        tap.ok(rc == 0 and s.paths == ["/users/alice?limit=1"],
               "without USER: the first name of --users", s.paths)
    with Script([ok_user(423.575044802)]) as s:
        rc, out, err = run("--api", s.url, "balance", "alice")
        tap.ok(rc == 0 and out == ["423.575044802"], "balance: the plain number, once", (out, err))
    with Script([(200, "application/json", '{"message":"User not found","success":false}')]) as s:
        rc, out, err = run("--api", s.url, "balance", "alice")
        tap.ok(rc == 1 and not out and any("user 'alice' not found" in l for l in err),
               "balance of an unknown user: nothing on stdout, the reason, exit 1", (out, err))
    with Script([ok_user(2.0)]) as s:
        rc, out, err = run("--api", s.url, "miners", "a b/c", "--count", 1)
        tap.ok(s.paths == ["/users/a%20b%2Fc?limit=1"], "the user name is escaped in the path",
               s.paths)


def test_keys():
    """On a terminal: single keys act at once (termios, no Enter)."""
    import pty
    import select
    with Script([ok_user(1.0 + 0.001 * k) for k in range(50)]) as s:
        pid, fd = pty.fork()
        if pid == 0:
            os.execv(WATCH, [WATCH, "--api", s.url, "--rate", "5", "perf", "alice",
                             "--interval", "30", "--no-log"])
        buf = b""

        def read_until(pattern, timeout):
            nonlocal buf
            end = time.monotonic() + timeout
            while pattern not in buf and time.monotonic() < end:
                r, _, _ = select.select([fd], [], [], 0.2)
                if r:
                    try:
                        buf += os.read(fd, 4096)
                    except OSError:
                        break
            return pattern in buf

        got_first = read_until(b"Minute", 10)
        os.write(fd, b"?")
        got_help = read_until(b"keys: b balance", 10)
        n0 = len(s.paths)
        os.write(fd, b"q")
        got_q = read_until(b"     1.000", 10)   # Total after the second answer
        os.write(fd, b"b")
        got_b = read_until(b"balance of alice", 10)
        os.write(fd, b"x")
        end = time.monotonic() + 10
        status = None
        while time.monotonic() < end:
            wpid, st = os.waitpid(pid, os.WNOHANG)
            if wpid:
                status = st
                break
            read_until(b"\0", 0.2)
        if status is None:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        os.close(fd)
        tap.ok(got_first and got_help, "on a terminal: ? lists the keys at once (no Enter)",
               buf[-400:])
        tap.ok(got_q and len(s.paths) > n0, "q asks at once, between the 30 s ticks", buf[-400:])
        tap.ok(got_b, "b prints the balance", buf[-400:])
        tap.ok(status is not None and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0,
               "x exits with status 0", status)


def main():
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        test_usage(tmp)
        test_perf_windows()
        test_perf_text_and_log(tmp)
        test_bad_answers()
        test_against_pool()
        test_rate_limit()
        test_keys()
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
